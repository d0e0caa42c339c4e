// Typed handlers (EH_ON_EVENT, eventhost/events.hpp and the plugin's own
// generated <key>_events.hpp), through the typed_probe test plugin loaded
// as an author would (eventhost/testing.hpp), and, for a payload no
// checking host would deliver, straight through its C export.
#include <catch2/catch.hpp>
#include <eventhost/testing.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "loaded_plugin.h"
#include "shipped_plugin.h"

using eventhost::testing::Plugin;

namespace {

// Feeds `payload` as `event` and returns the one line the plugin logged.
std::string logged(Plugin& plugin, const std::string& event,
                   const std::string& payload) {
  plugin.clear();
  const auto call = plugin.feed(event, payload);
  INFO(call.error);
  REQUIRE(call.ok());
  REQUIRE(plugin.logs().size() == 1);
  return plugin.logs()[0].message;
}

}  // namespace

TEST_CASE("a typed handler gets the payload's fields, missing ones empty") {
  Plugin plugin(test_plugin("typed_probe"));
  eventhost::testing::EventOptions options;
  options.id = 42;
  plugin.clear();
  const auto call = plugin.feed(
      "channel.created",
      R"({"channel_id": 7, "channel_number": 101.5, "channel_name": "News",
          "channel_group_id": null, "mood": "happy"})",
      options);
  REQUIRE(call.ok());
  CHECK(call.symbol == "on_channel_created");
  REQUIRE(plugin.logs().size() == 1);
  CHECK(plugin.logs()[0].message ==
        "channel.created #42 channel_id=7 channel_number=101.5 "
        "channel_name=\"News\" channel_uuid=- channel_group_id=- "
        "channel_group_name=-");
  CHECK(logged(plugin, "channel.created", "{}")
            .ends_with(
                "channel_id=- channel_number=- channel_name=- channel_uuid=- "
                "channel_group_id=- channel_group_name=-"));
}

TEST_CASE("arrays and booleans arrive typed") {
  Plugin plugin(test_plugin("typed_probe"));
  CHECK(logged(plugin, "recording_rule.created",
               R"({"days_of_week": [0, 2, 4], "enabled": false,
                   "start_time": "20:00:00"})") ==
        "recording_rule.created days_of_week=[0,2,4] enabled=false "
        "start_time=\"20:00:00\"");
}

TEST_CASE("the plugin's own declared event arrives typed, every type") {
  Plugin plugin(test_plugin("typed_probe"));
  CHECK(logged(plugin, "typed_probe.sample",
               R"({"count": -3, "ratio": 2, "label": "x", "flag": true,
                   "at": "2024-05-01T20:00:00Z", "ids": [1, 2],
                   "tags": ["a"], "class": "c", "extra": {"any": [1]}})") ==
        "typed_probe.sample count=-3 ratio=2.0 label=\"x\" flag=true "
        "at=\"2024-05-01T20:00:00Z\" ids=[1,2] tags=[\"a\"] class=\"c\" "
        "extra={\"any\":[1]}");
}

TEST_CASE("a typed emit sends the struct's present members as the payload") {
  Plugin plugin(test_plugin("typed_probe"));
  const auto call = plugin.feed("channel.updated",
                                R"({"channel_id": 9, "channel_name": "Kids"})");
  INFO(call.error);
  REQUIRE(call.ok());
  REQUIRE(plugin.emitted().size() == 1);
  CHECK(plugin.emitted()[0].event == "typed_probe.sample");
  CHECK(nlohmann::json::parse(plugin.emitted()[0].payload) ==
        nlohmann::json{{"count", 9}, {"label", "Kids"}, {"tags", {"updated"}}});
}

TEST_CASE("an exception in a typed handler fails the call, nothing more") {
  Plugin plugin(test_plugin("typed_probe"));
  const auto call = plugin.feed("channel.deleted", R"({"channel_id": 1})");
  CHECK(call.called);
  CHECK(call.outcome == "exception");
  CHECK(call.error == "typed_probe refuses channel.deleted");
  CHECK(logged(plugin, "channel.created", R"({"channel_id": 2})")
            .starts_with("channel.created #"));
}

TEST_CASE("Context::event() exists only in a handler call") {
  Plugin plugin(test_plugin("typed_probe"));
  const auto call = plugin.action("event");
  REQUIRE(call.ok());
  CHECK(call.result ==
        "eventhost::Context::event() is only available in an event handler");
}

TEST_CASE(
    "a field of the wrong type at run time is left empty and logged at "
    "debug, the call succeeds") {
  // What a host with --payload-check lenient delivers.
  LoadedPlugin plugin("typed_probe", EH_TEST_PLUGINS_DIR);
  const std::string payload =
      R"({"channel_id":"7","channel_number":3,"channel_name":["x"]})";
  eh_event ev = recording_host::make_event("channel.created", payload);
  REQUIRE(plugin.deliver("on_channel_created", ev) == EH_OK);
  REQUIRE(plugin.ctx.logs.size() == 3);
  CHECK(plugin.ctx.logs[0] ==
        std::make_pair(std::uint32_t{EH_LOG_DEBUG},
                       std::string("channel.created: field \"channel_id\" is "
                                   "not of its declared type; left empty")));
  CHECK(plugin.ctx.logs[1].second ==
        "channel.created: field \"channel_name\" is not of its declared "
        "type; left empty");
  CHECK_THAT(plugin.ctx.logs[2].second,
             Catch::Contains("channel_id=- channel_number=3.0 "
                             "channel_name=- "));
}
