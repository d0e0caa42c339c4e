// The webhook plugin loaded as built through eventhost/testing.hpp (the
// host's own loader, calls on the test's thread), posting to a real HTTP
// receiver on loopback: the message formats, the templates, the events
// filter, and the settings its configure refuses.
#include <catch2/catch.hpp>
#include <eventhost/testing.hpp>
#include <map>

#include "http_receiver.h"
#include "outside_support.h"

using eventhost::test::HttpReceiver;
using eventhost::test::kPatience;
using eventhost::test::quoted;
using eventhost::test::shipped_plugin;
using eventhost::testing::Plugin;
using nlohmann::json;

namespace {

const std::string kWebhook = shipped_plugin("webhook.so");

json body_of(const eventhost::test::HttpRequest& r) {
  INFO(r.body);
  json body = json::parse(r.body, nullptr, false);
  REQUIRE_FALSE(body.is_discarded());
  return body;
}

}  // namespace

TEST_CASE("webhook sends a Discord message from the event's template") {
  HttpReceiver receiver;
  Plugin plugin(
      kWebhook,
      {{"url", quoted(receiver.url("/api/webhooks/1/secret-token"))},
       {"format", quoted("discord")},
       {"templates",
        quoted(R"({"channel.created": "New channel **{channel_name}** )"
               R"(({channel_number}) #{id} {{raw}}",)"
               R"( "channel.*": "{event} {channel_name}: {missing}."})")}});
  auto created = plugin.feed(
      "channel.created",
      R"({"channel_name": "News @everyone", "channel_number": 7})", {42, 0});
  INFO(created.error);
  REQUIRE(created.ok());
  REQUIRE(plugin.feed("channel.deleted", R"({"channel_name": "Old"})", {43, 0})
              .ok());
  REQUIRE(plugin.feed("auth.login", R"({"username": "ann"})", {44, 0}).ok());
  REQUIRE(receiver.wait_for(3, kPatience));
  const auto requests = receiver.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[0].target == "/api/webhooks/1/secret-token");
  CHECK(requests[0].header("content-type") == "application/json");
  const json first = body_of(requests[0]);
  CHECK(first["content"] == "New channel **News @everyone** (7) #42 {raw}");
  // A payload's "@everyone" must not ping a whole Discord server.
  CHECK(first["allowed_mentions"] == json{{"parse", json::array()}});
  CHECK(body_of(requests[1])["content"] == "channel.deleted Old: .");
  // Not named in `templates`: the default template.
  CHECK(body_of(requests[2])["content"] ==
        "auth.login #44: {\"username\":\"ann\"}");
}

TEST_CASE("webhook cuts a Discord message at Discord's 2000 characters") {
  HttpReceiver receiver;
  Plugin plugin(kWebhook, {{"url", quoted(receiver.url())},
                           {"format", quoted("discord")},
                           {"template", quoted("{channel_name}")}});
  std::string name;
  for (int i = 0; i < 1500; ++i) name += "\xC3\xA9";  // é, two bytes each
  REQUIRE(
      plugin.feed("channel.created", json{{"channel_name", name + name}}.dump())
          .ok());
  REQUIRE(receiver.wait_for(1, kPatience));
  const std::string content =
      body_of(receiver.requests()[0])["content"].get<std::string>();
  // 1999 é and one "…": 2000 characters.
  CHECK(content.size() == 1999 * 2 + 3);
  CHECK(content.substr(content.size() - 3) == "\xE2\x80\xA6");
}

TEST_CASE("webhook sends Slack text with payload values escaped") {
  HttpReceiver receiver;
  Plugin plugin(
      kWebhook,
      {{"url", quoted(receiver.url())},
       {"format", quoted("slack")},
       {"template", quoted("<https://tv.example/ch|{channel_name}> at {time}, "
                           "{level}, attempt {attempt}")}});
  REQUIRE(plugin
              .feed("channel.created", R"({"channel_name": "A&B <!channel>"})",
                    {5, 1777636800000000})
              .ok());
  REQUIRE(receiver.wait_for(1, kPatience));
  // The template's own link stays a link; the value's markup does not.
  CHECK(body_of(receiver.requests()[0]) ==
        json{{"text",
              "<https://tv.example/ch|A&amp;B &lt;!channel&gt;> at "
              "2026-05-01T12:00:00.000000Z, FULL, attempt 1"}});
}

TEST_CASE("webhook sends only the events its events setting names") {
  HttpReceiver receiver;
  Plugin plugin(kWebhook,
                {{"url", quoted(receiver.url())},
                 {"events", quoted(" channel.* , recording.completed")}});
  REQUIRE(plugin.feed("auth.login", R"({"username": "ann"})").ok());
  REQUIRE(plugin.feed("recording.started", R"({"recording_id": 1})").ok());
  REQUIRE(plugin.feed("recording.completed", R"({"recording_id": 1})").ok());
  REQUIRE(plugin.feed("channel.updated", R"({"channel_id": 9})").ok());
  REQUIRE(receiver.wait_for(2, kPatience));
  const auto requests = receiver.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].header("x-eventhost-event") == "recording.completed");
  CHECK(requests[1].header("x-eventhost-event") == "channel.updated");
  // Unsigned without a secret.
  CHECK(requests[0].header("x-eventhost-signature").empty());
}

TEST_CASE("webhook sends the extra headers its headers setting holds") {
  HttpReceiver receiver;
  Plugin plugin(kWebhook,
                {{"url", quoted(receiver.url())},
                 {"headers", quoted(R"({"Authorization": "Bearer abc"})")}});
  REQUIRE(plugin.feed("channel.created", "{}").ok());
  REQUIRE(receiver.wait_for(1, kPatience));
  CHECK(receiver.requests()[0].header("authorization") == "Bearer abc");
}

TEST_CASE("webhook's configure refuses settings that cannot work") {
  HttpReceiver receiver;
  Plugin plugin(kWebhook, {{"url", quoted(receiver.url())}});
  struct Bad {
    std::string setting, value, says;
  };
  const Bad bad[] = {
      {"url", "ftp://example.com/x", "must start with https:// or http://"},
      {"url", "https://user:pw@example.com/", "user:password@"},
      {"url", "http://example.com:99999/", "not a number from 1 to 65535"},
      {"url", "https:///hook", "no host name"},
      {"template", "New {channel_name", "is not closed"},
      {"template", "a } b", "no '{' before it"},
      {"template", "{chan nel}", "is not a placeholder"},
      {"templates", "[1]", "expects a JSON object"},
      {"templates", R"({"Channel.Created": "x"})", "not an event name"},
      {"templates", R"({"channel.created": "{}"})", "empty placeholder"},
      {"headers", R"({"Host": "evil"})", "cannot be replaced"},
      {"headers", R"({"X-A": "1\r\nX-B: 2"})", "line break"},
      {"events", "channel.created; rm -rf", "not an event pattern"},
      {"events", " , ", "is empty"},
      {"ca_file", "/nonexistent/ca.pem", "ca_file"},
  };
  // The host keeps a refused value (and says the plugin rejected it), as
  // the harness does: each case puts a good one back after it.
  const std::map<std::string, std::string> good = {
      {"url", receiver.url()}, {"template", "{event}"}, {"templates", "{}"},
      {"headers", "{}"},       {"events", "*"},         {"ca_file", ""}};
  for (const Bad& b : bad) {
    const auto call = plugin.set(b.setting, quoted(b.value));
    INFO(b.setting << "=" << b.value << " -> " << call.error);
    CHECK(call.code == EH_ERR_INVALID_ARGUMENT);
    CHECK_THAT(call.error, Catch::Contains(b.says));
    CHECK_THAT(call.error, Catch::StartsWith("webhook: "));
    REQUIRE(plugin.set(b.setting, quoted(good.at(b.setting))).ok());
  }
  const auto too_long = plugin.set("timeout_ms", "59000");
  CHECK(too_long.code == EH_ERR_INVALID_ARGUMENT);
  CHECK_THAT(too_long.error, Catch::Contains("lower one of them"));
  CHECK(plugin.set("timeout_ms", "1.5").code == EH_ERR_INVALID_ARGUMENT);
  CHECK(plugin.set("timeout_ms", "55000").ok());
  REQUIRE(plugin.feed("channel.created", "{}").ok());
  CHECK(receiver.wait_for(1, kPatience));
}

TEST_CASE("webhook without a url fails each delivery with how to set it") {
  Plugin plugin(kWebhook);
  CHECK(plugin.logged("set the 'url' setting"));
  const auto call = plugin.feed("channel.created", "{}");
  CHECK_FALSE(call.ok());
  CHECK_THAT(call.error, Catch::Contains("eventhost plugins configure webhook "
                                         "url=https://"));
}
