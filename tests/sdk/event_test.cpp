// plugin.hpp's Event and Context: typed, tolerant access to payloads and
// settings, and the host services behind Context.
#include <catch2/catch.hpp>
#include <eventhost/plugin.hpp>
#include <string>

#include "recording_host.h"

using eventhost::Context;
using eventhost::Event;

TEST_CASE("Event exposes the eh_event fields unchanged") {
  std::string payload = R"({"channel_name":"News"})";
  eh_event raw = recording_host::make_event("channel.created", payload);
  raw.attempt = 3;
  Event ev(&raw);
  CHECK(ev.name() == "channel.created");
  CHECK(ev.id() == 42);
  CHECK(ev.attempt() == 3);
  CHECK(ev.level() == EH_LEVEL_FULL);
  CHECK(ev.emitted_at_us() == 1700000000000000);
  CHECK(ev.raw_payload() == payload);
}

TEST_CASE("Event::get returns present fields with their own type") {
  std::string payload =
      R"({"channel_name":"News","channel_number":7,"ratio":1.5,"hd":true})";
  eh_event raw = recording_host::make_event("channel.created", payload);
  Event ev(&raw);
  CHECK(ev.get("channel_name", "?") == "News");
  CHECK(ev.get<std::int64_t>("channel_number", -1) == 7);
  CHECK(ev.get<double>("ratio", 0.0) == 1.5);
  CHECK(ev.get<double>("channel_number", 0.0) == 7.0);
  CHECK(ev.get<bool>("hd", false));
}

TEST_CASE("Event::get falls back on missing, null and wrong-typed fields") {
  std::string payload =
      R"({"channel_name":12,"channel_number":"seven","ratio":2.5,"gone":null})";
  eh_event raw = recording_host::make_event("channel.created", payload);
  Event ev(&raw);
  CHECK(ev.get("missing", "dflt") == "dflt");
  CHECK(ev.get("gone", "dflt") == "dflt");
  CHECK(ev.get("channel_name", "dflt") == "dflt");
  CHECK(ev.get<std::int64_t>("channel_number", -1) == -1);
  CHECK(ev.get<int>("ratio", -1) == -1);  // no silent truncation of 2.5
  CHECK(ev.get<bool>("channel_name", true));
}

TEST_CASE("Event::get falls back everywhere when the payload is not JSON") {
  std::string payload = "{not json";
  eh_event raw = recording_host::make_event("channel.created", payload);
  Event ev(&raw);
  CHECK(ev.payload().is_object());
  CHECK(ev.payload().empty());
  CHECK(ev.get("channel_name", "dflt") == "dflt");
}

TEST_CASE("Event parses the payload once and keeps the result") {
  std::string payload = R"({"a":1})";
  eh_event raw = recording_host::make_event("x.y", payload);
  Event ev(&raw);
  const nlohmann::json* first = &ev.payload();
  CHECK(first == &ev.payload());
  CHECK((*first)["a"] == 1);
}

TEST_CASE("Context::setting parses the JSON value or falls back") {
  eh_context ctx;
  ctx.settings = {{"enabled", "true"}, {"limit", "30"}, {"path", "\"/a b\""}};
  Context c(recording_host::api(), &ctx);
  CHECK(c.setting<bool>("enabled", false));
  CHECK(c.setting<std::int64_t>("limit", 5) == 30);
  CHECK(c.setting("path", "") == "/a b");
  CHECK(c.setting("undeclared", "dflt") == "dflt");
  CHECK(c.setting<std::int64_t>("path", 5) == 5);
}

TEST_CASE("Context::setting retries with a larger buffer for long values") {
  eh_context ctx;
  std::string long_value(1000, 'x');
  ctx.settings = {{"path", "\"" + long_value + "\""}};
  Context c(recording_host::api(), &ctx);
  CHECK(c.setting("path", "") == long_value);
  CHECK(ctx.get_setting_calls == 2);
}

TEST_CASE("Context::emit sends the JSON text and reports acceptance") {
  eh_context ctx;
  Context c(recording_host::api(), &ctx);
  CHECK(c.emit("me.done", {{"n", 1}}));
  REQUIRE(ctx.emitted.size() == 1);
  CHECK(ctx.emitted[0].first == "me.done");
  CHECK(nlohmann::json::parse(ctx.emitted[0].second) ==
        nlohmann::json{{"n", 1}});
  ctx.emit_rc = EH_ERR_REFUSED;
  CHECK_FALSE(c.emit("me.done", nlohmann::json::object()));
  CHECK(c.emit_status("me.done", nlohmann::json::object()) == EH_ERR_REFUSED);
}

TEST_CASE("Context logs at the matching severity") {
  eh_context ctx;
  Context c(recording_host::api(), &ctx);
  c.debug("d");
  c.info("i");
  c.warn("w");
  c.error("e");
  REQUIRE(ctx.logs.size() == 4);
  CHECK(ctx.logs[0] == std::make_pair(EH_LOG_DEBUG, std::string("d")));
  CHECK(ctx.logs[1] == std::make_pair(EH_LOG_INFO, std::string("i")));
  CHECK(ctx.logs[2] == std::make_pair(EH_LOG_WARN, std::string("w")));
  CHECK(ctx.logs[3] == std::make_pair(EH_LOG_ERROR, std::string("e")));
}

TEST_CASE("Context user data helpers create, find and destroy the state") {
  eh_context ctx;
  Context c(recording_host::api(), &ctx);
  CHECK(c.user_data<std::string>() == nullptr);
  c.emplace_user_data<std::string>("state");
  REQUIRE(c.user_data<std::string>() != nullptr);
  CHECK(*c.user_data<std::string>() == "state");
  c.destroy_user_data<std::string>();
  CHECK(ctx.user_data == nullptr);
}
