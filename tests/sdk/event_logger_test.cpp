// The shipped event_logger plugin (plain C): what it logs for channel and
// recording events, with whole, partial and damaged payloads. Loaded
// through eventhost/testing.hpp as an author would; the two cases that
// need payloads no host would send (unminified text, a payload_size short
// of the text) drive its exports directly.
#include <catch2/catch.hpp>
#include <eventhost/testing.hpp>
#include <string>

#include "loaded_plugin.h"
#include "shipped_plugin.h"

using eventhost::testing::Plugin;

namespace {

// Feeds `payload` as `event` and returns the one line the plugin logged,
// or "" if it logged nothing.
std::string logged(Plugin& plugin, const std::string& event,
                   const std::string& payload) {
  plugin.clear();
  REQUIRE(plugin.feed(event, payload).ok());
  REQUIRE(plugin.logs().size() <= 1);
  return plugin.logs().empty() ? "" : plugin.logs()[0].message;
}

// The same, straight through the C export, with `payload` as written.
std::string logged_raw(LoadedPlugin& plugin, const char* handler,
                       const std::string& payload) {
  plugin.ctx.logs.clear();
  eh_event ev = recording_host::make_event("x.y", payload);
  REQUIRE(plugin.deliver(handler, ev) == EH_OK);
  REQUIRE(plugin.ctx.logs.size() <= 1);
  return plugin.ctx.logs.empty() ? "" : plugin.ctx.logs[0].second;
}

}  // namespace

TEST_CASE("event_logger names the channel and its number") {
  Plugin plugin(shipped_plugin("event_logger"));
  std::string payload =
      R"({"channel_id":12,"channel_number":7,"channel_name":"News"})";
  CHECK(logged(plugin, "channel.created", payload) ==
        "Channel created: News (#7)");
  CHECK(logged(plugin, "channel.updated", payload) ==
        "Channel updated: News (#7)");
  CHECK(logged(plugin, "channel.deleted", payload) ==
        "Channel deleted: News (#7)");
  CHECK(plugin.logs()[0].severity == EH_LOG_INFO);
}

TEST_CASE("event_logger logs what is there when channel fields are missing") {
  Plugin plugin(shipped_plugin("event_logger"));
  CHECK(logged(plugin, "channel.created", R"({"channel_name":"News"})") ==
        "Channel created: News");
  // A number, as the catalogue types channel_number (a string is refused).
  CHECK(logged(plugin, "channel.created", R"({"channel_number":7.1})") ==
        "Channel created: #7.1");
  CHECK(logged(plugin, "channel.created", R"({"channel_id":12})") ==
        "Channel created: channel 12");
  CHECK(logged(plugin, "channel.created", "{}") ==
        "Channel created: (no channel details)");
}

TEST_CASE("event_logger skips nested values and decodes escaped strings") {
  LoadedPlugin plugin("event_logger");
  std::string payload =
      R"({"meta":{"x":"}{,\"]","list":[1,{"channel_name":"no"}]},)"
      R"( "channel_name" : "A \"B\"", "channel_number": 3})";
  CHECK(logged_raw(plugin, "on_channel_created", payload) ==
        "Channel created: A \"B\" (#3)");
}

TEST_CASE("event_logger reads no further than payload_size") {
  LoadedPlugin plugin("event_logger");
  std::string payload = R"({"channel_id":5,"channel_name":"News"})";
  eh_event ev = recording_host::make_event("channel.created", payload);
  ev.payload_size = payload.find("\"channel_name\"");
  REQUIRE(plugin.deliver("on_channel_created", ev) == EH_OK);
  REQUIRE(plugin.ctx.logs.size() == 1);
  CHECK(plugin.ctx.logs[0].second == "Channel created: channel 5");
  CHECK(logged_raw(plugin, "on_channel_created", R"({"channel_name":"Ne)") ==
        "Channel created: (no channel details)");
}

TEST_CASE("event_logger logs recordings by file, channel or id") {
  Plugin plugin(shipped_plugin("event_logger"));
  CHECK(logged(plugin, "recording.completed",
               R"({"recording_id":3,"file_path":"/rec/news.ts"})") ==
        "Recording completed: /rec/news.ts");
  CHECK(logged(plugin, "recording.started",
               R"({"recording_id":3,"channel_name":"News"})") ==
        "Recording started: News");
  CHECK(logged(plugin, "recording.started", R"({"recording_id":3})") ==
        "Recording started: recording 3");
}

TEST_CASE("event_logger warns about an interrupted recording with reason") {
  Plugin plugin(shipped_plugin("event_logger"));
  CHECK(logged(plugin, "recording.interrupted",
               R"({"file_path":"/rec/a.ts","reason":"disk full"})") ==
        "Recording interrupted: /rec/a.ts (disk full)");
  CHECK(plugin.logs()[0].severity == EH_LOG_WARN);
}

TEST_CASE("event_logger settings turn each group of messages off") {
  Plugin plugin(shipped_plugin("event_logger"));
  std::string channel = R"({"channel_name":"News"})";
  std::string recording = R"({"file_path":"/rec/a.ts"})";
  REQUIRE(plugin.set("log_channels", "false").ok());
  CHECK(logged(plugin, "channel.created", channel).empty());
  CHECK_FALSE(logged(plugin, "recording.completed", recording).empty());
  REQUIRE(plugin.set("log_channels", "true").ok());
  REQUIRE(plugin.set("log_recordings", "false").ok());
  CHECK_FALSE(logged(plugin, "channel.created", channel).empty());
  CHECK(logged(plugin, "recording.completed", recording).empty());
}
