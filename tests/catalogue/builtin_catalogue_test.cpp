// The shipped Dispatcharr catalogue: complete, valid, and the JSON file.
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "catalogue/catalogue.h"

namespace eventhost {
namespace {

std::set<std::string> names_in(const Catalogue& catalogue, LevelSet set) {
  std::set<std::string> names;
  for (const EventSpec* spec : catalogue.events()) {
    if (spec->level == set) names.insert(spec->name);
  }
  return names;
}

std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("the built-in catalogue passes validation") {
  REQUIRE_NOTHROW(Catalogue::builtin().validate());
}

TEST_CASE("the built-in catalogue covers every Dispatcharr namespace") {
  Catalogue catalogue = Catalogue::builtin();
  std::set<std::string> namespaces;
  for (const EventSpec* spec : catalogue.events()) {
    namespaces.insert(spec->name.substr(0, spec->name.find('.')));
  }
  CHECK(namespaces ==
        std::set<std::string>{"auth", "channel", "recording", "recording_rule",
                              "epg", "m3u", "stream", "channel_group",
                              "channel_profile", "vod", "plugin", "system"});
}

TEST_CASE("exactly the five Dispatcharr critical events are CRITICAL") {
  CHECK(names_in(Catalogue::builtin(), LevelSet::kCritical) ==
        std::set<std::string>{"auth.login_failed", "channel.error",
                              "epg.refresh_failed", "m3u.refresh_failed",
                              "recording.interrupted"});
}

TEST_CASE("exactly the seven Dispatcharr system events are SYSTEM") {
  CHECK(names_in(Catalogue::builtin(), LevelSet::kSystem) ==
        std::set<std::string>{"auth.login", "auth.logout", "system.startup",
                              "system.shutdown", "plugin.enabled",
                              "plugin.disabled", "plugin.configured"});
}

TEST_CASE("no built-in event is disabled and every other one is FULL") {
  Catalogue catalogue = Catalogue::builtin();
  CHECK(names_in(catalogue, LevelSet::kDisabled).empty());
  CHECK(names_in(catalogue, LevelSet::kFull).size() == catalogue.size() - 12);
}

TEST_CASE("every built-in event is described and comes from the host") {
  Catalogue catalogue = Catalogue::builtin();
  for (const EventSpec* spec : catalogue.events()) {
    INFO(spec->name);
    CHECK(spec->origin == "host");
    CHECK(spec->description.size() > 10);
  }
}

TEST_CASE("built-in events carry the Dispatcharr payload fields") {
  Catalogue catalogue = Catalogue::builtin();
  const EventSpec* login_failed = catalogue.find("auth.login_failed");
  REQUIRE(login_failed != nullptr);
  CHECK(login_failed->fields == std::vector<std::string>{"username", "reason"});
  const EventSpec* episode = catalogue.find("vod.episode_created");
  REQUIRE(episode != nullptr);
  CHECK(episode->fields ==
        std::vector<std::string>{"episode_id", "episode_name", "series_id",
                                 "series_name", "season_number",
                                 "episode_number"});
  const EventSpec* shutdown = catalogue.find("system.shutdown");
  REQUIRE(shutdown != nullptr);
  CHECK(shutdown->fields.empty());
}

TEST_CASE("every field of every built-in event has a type") {
  Catalogue catalogue = Catalogue::builtin();
  std::size_t typed = 0;
  for (const EventSpec* spec : catalogue.events()) {
    REQUIRE(spec->field_types.size() == spec->fields.size());
    for (std::size_t i = 0; i < spec->fields.size(); ++i) {
      INFO(spec->name << " field " << spec->fields[i]);
      CHECK(spec->type_of(i) != FieldType::kAny);
      ++typed;
    }
  }
  CHECK(typed > 150);
}

TEST_CASE("built-in fields carry the types Dispatcharr's payloads have") {
  Catalogue catalogue = Catalogue::builtin();
  auto type = [&](const char* event, const char* field) {
    const EventSpec* spec = catalogue.find(event);
    REQUIRE(spec != nullptr);
    for (std::size_t i = 0; i < spec->fields.size(); ++i) {
      if (spec->fields[i] == field)
        return std::string(to_string(spec->type_of(i)));
    }
    FAIL("no field " << field << " in " << event);
    return std::string();
  };
  CHECK(type("channel.created", "channel_id") == "integer");
  CHECK(type("channel.created", "channel_number") == "number");
  CHECK(type("channel.created", "channel_name") == "string");
  CHECK(type("channel.stream_added", "stream_ids") == "integer[]");
  CHECK(type("recording.scheduled", "start_time") == "timestamp");
  CHECK(type("recording.completed", "duration_seconds") == "number");
  CHECK(type("recording_rule.created", "days_of_week") == "integer[]");
  CHECK(type("recording_rule.created", "start_time") == "string");
  CHECK(type("recording_rule.created", "enabled") == "boolean");
  CHECK(type("stream.created", "is_custom") == "boolean");
  CHECK(type("auth.login", "user_id") == "integer");
}

TEST_CASE("plugin.disabled carries the reason the host disabled a plugin") {
  Catalogue catalogue = Catalogue::builtin();
  const EventSpec* spec = catalogue.find("plugin.disabled");
  REQUIRE(spec != nullptr);
  CHECK(spec->fields ==
        std::vector<std::string>{"plugin_key", "plugin_name", "reason"});
}

TEST_CASE("the embedded catalogue is exactly dispatcharr_events.json") {
  Catalogue from_file =
      Catalogue::from_json(read_file(EH_CATALOGUE_JSON), "host");
  std::vector<const EventSpec*> expected = from_file.events();
  Catalogue builtin = Catalogue::builtin();
  std::vector<const EventSpec*> embedded = builtin.events();
  REQUIRE(embedded.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO(expected[i]->name);
    CHECK(embedded[i]->name == expected[i]->name);
    CHECK(embedded[i]->level == expected[i]->level);
    CHECK(embedded[i]->fields == expected[i]->fields);
    CHECK(embedded[i]->field_types == expected[i]->field_types);
    CHECK(embedded[i]->description == expected[i]->description);
  }
}

TEST_CASE("each built-in handler symbol leads back to its event") {
  Catalogue catalogue = Catalogue::builtin();
  for (const EventSpec* spec : catalogue.events()) {
    INFO(spec->name);
    CHECK(catalogue.find_by_symbol(handler_symbol(spec->name)) == spec);
  }
}

}  // namespace
}  // namespace eventhost
