// The shipped event_logger plugin (plain C): what it logs for channel and
// recording events, with whole, partial and damaged payloads.
#include <catch2/catch.hpp>
#include <string>

#include "loaded_plugin.h"

namespace {

// Delivers `payload` to `handler` and returns the one line it logged, or
// "" if it logged nothing.
std::string logged(LoadedPlugin& plugin, const char* handler,
                   const std::string& payload) {
  plugin.ctx.logs.clear();
  eh_event ev = recording_host::make_event("x.y", payload);
  REQUIRE(plugin.deliver(handler, ev) == EH_OK);
  REQUIRE(plugin.ctx.logs.size() <= 1);
  return plugin.ctx.logs.empty() ? "" : plugin.ctx.logs[0].second;
}

}  // namespace

TEST_CASE("event_logger names the channel and its number") {
  LoadedPlugin plugin("event_logger");
  std::string payload =
      R"({"channel_id":12,"channel_number":7,"channel_name":"News"})";
  CHECK(logged(plugin, "on_channel_created", payload) ==
        "Channel created: News (#7)");
  CHECK(logged(plugin, "on_channel_updated", payload) ==
        "Channel updated: News (#7)");
  CHECK(logged(plugin, "on_channel_deleted", payload) ==
        "Channel deleted: News (#7)");
  CHECK(plugin.ctx.logs[0].first == EH_LOG_INFO);
}

TEST_CASE("event_logger logs what is there when channel fields are missing") {
  LoadedPlugin plugin("event_logger");
  CHECK(logged(plugin, "on_channel_created", R"({"channel_name":"News"})") ==
        "Channel created: News");
  CHECK(logged(plugin, "on_channel_created", R"({"channel_number":"7.1"})") ==
        "Channel created: #7.1");
  CHECK(logged(plugin, "on_channel_created", R"({"channel_id":12})") ==
        "Channel created: channel 12");
  CHECK(logged(plugin, "on_channel_created", "{}") ==
        "Channel created: (no channel details)");
}

TEST_CASE("event_logger skips nested values and decodes escaped strings") {
  LoadedPlugin plugin("event_logger");
  std::string payload =
      R"({"meta":{"x":"}{,\"]","list":[1,{"channel_name":"no"}]},)"
      R"( "channel_name" : "A \"B\"", "channel_number": 3})";
  CHECK(logged(plugin, "on_channel_created", payload) ==
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
  CHECK(logged(plugin, "on_channel_created", R"({"channel_name":"Ne)") ==
        "Channel created: (no channel details)");
}

TEST_CASE("event_logger logs recordings by file, channel or id") {
  LoadedPlugin plugin("event_logger");
  CHECK(logged(plugin, "on_recording_completed",
               R"({"recording_id":3,"file_path":"/rec/news.ts"})") ==
        "Recording completed: /rec/news.ts");
  CHECK(logged(plugin, "on_recording_started",
               R"({"recording_id":3,"channel_name":"News"})") ==
        "Recording started: News");
  CHECK(logged(plugin, "on_recording_started", R"({"recording_id":3})") ==
        "Recording started: recording 3");
}

TEST_CASE("event_logger warns about an interrupted recording with reason") {
  LoadedPlugin plugin("event_logger");
  CHECK(logged(plugin, "on_recording_interrupted",
               R"({"file_path":"/rec/a.ts","reason":"disk full"})") ==
        "Recording interrupted: /rec/a.ts (disk full)");
  CHECK(plugin.ctx.logs[0].first == EH_LOG_WARN);
}

TEST_CASE("event_logger settings turn each group of messages off") {
  LoadedPlugin plugin("event_logger");
  std::string channel = R"({"channel_name":"News"})";
  std::string recording = R"({"file_path":"/rec/a.ts"})";
  REQUIRE(plugin.configure(R"({"log_channels":false,"log_recordings":true})") ==
          EH_OK);
  CHECK(logged(plugin, "on_channel_created", channel).empty());
  CHECK_FALSE(logged(plugin, "on_recording_completed", recording).empty());
  REQUIRE(plugin.configure(R"({"log_channels":true,"log_recordings":false})") ==
          EH_OK);
  CHECK_FALSE(logged(plugin, "on_channel_created", channel).empty());
  CHECK(logged(plugin, "on_recording_completed", recording).empty());
}
