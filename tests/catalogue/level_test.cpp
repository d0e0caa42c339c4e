// Event levels: names, the cumulative filter, and where the level comes from.
#include "catalogue/level.h"

#include <catch2/catch.hpp>

namespace eventhost {
namespace {

TEST_CASE("levels are cumulative and DISABLED events are never emitted") {
  struct Row {
    EventLevel configured;
    bool critical, system, full;
  };
  // What DESIGN.md promises: each level adds one set to the one below it.
  const Row table[] = {
      {EventLevel::kNone, false, false, false},
      {EventLevel::kCritical, true, false, false},
      {EventLevel::kSystem, true, true, false},
      {EventLevel::kFull, true, true, true},
  };
  for (const Row& row : table) {
    INFO("configured " << to_string(row.configured));
    CHECK(level_allows(row.configured, LevelSet::kCritical) == row.critical);
    CHECK(level_allows(row.configured, LevelSet::kSystem) == row.system);
    CHECK(level_allows(row.configured, LevelSet::kFull) == row.full);
    CHECK_FALSE(level_allows(row.configured, LevelSet::kDisabled));
  }
}

TEST_CASE("level names round-trip through to_string and parse") {
  for (EventLevel level : {EventLevel::kNone, EventLevel::kCritical,
                           EventLevel::kSystem, EventLevel::kFull}) {
    CHECK(parse_level(to_string(level)) == level);
  }
  for (LevelSet set : {LevelSet::kCritical, LevelSet::kSystem, LevelSet::kFull,
                       LevelSet::kDisabled}) {
    CHECK(parse_level_set(to_string(set)) == set);
  }
}

TEST_CASE("levels parse regardless of case and surrounding white space") {
  CHECK(parse_level("system") == EventLevel::kSystem);
  CHECK(parse_level("  Critical\n") == EventLevel::kCritical);
  CHECK(parse_level("\tnone ") == EventLevel::kNone);
  CHECK(parse_level_set(" disabled") == LevelSet::kDisabled);
}

TEST_CASE("text that names no level is rejected") {
  for (const char* text :
       {"", " ", "verbose", "FULLY", "F ULL", "3", "DISABLED"}) {
    INFO('"' << text << '"');
    CHECK_FALSE(parse_level(text).has_value());
  }
  CHECK_FALSE(parse_level_set("NONE").has_value());
  CHECK_FALSE(parse_level_set("everything").has_value());
}

TEST_CASE("the environment overrides the stored level, which overrides FULL") {
  LevelResolution from_env = resolve_level("critical", "SYSTEM");
  CHECK(from_env.level == EventLevel::kCritical);
  CHECK(from_env.source == "environment");
  CHECK(from_env.warnings.empty());

  LevelResolution from_state = resolve_level(nullptr, "SYSTEM");
  CHECK(from_state.level == EventLevel::kSystem);
  CHECK(from_state.source == "state");
  CHECK(from_state.warnings.empty());

  LevelResolution by_default = resolve_level(nullptr, std::nullopt);
  CHECK(by_default.level == EventLevel::kFull);
  CHECK(by_default.source == "default");
  CHECK(by_default.warnings.empty());
}

TEST_CASE("an invalid environment level warns and the stored level is used") {
  LevelResolution result = resolve_level("verbose", "SYSTEM");
  CHECK(result.level == EventLevel::kSystem);
  CHECK(result.source == "state");
  REQUIRE(result.warnings.size() == 1);
  CHECK(result.warnings[0] ==
        "EVENTHOST_EVENT_LEVEL=\"verbose\" is not one of NONE, CRITICAL, "
        "SYSTEM, FULL; using the stored level SYSTEM");
}

TEST_CASE("an invalid stored level warns and the default FULL is used") {
  LevelResolution result = resolve_level(nullptr, std::string("loud"));
  CHECK(result.level == EventLevel::kFull);
  CHECK(result.source == "default");
  REQUIRE(result.warnings.size() == 1);
  CHECK(result.warnings[0] ==
        "the stored event level \"loud\" is not one of NONE, CRITICAL, "
        "SYSTEM, FULL; using the default level FULL");
}

TEST_CASE("two invalid levels give two warnings naming the level used") {
  LevelResolution result = resolve_level("verbose", std::string("loud"));
  CHECK(result.level == EventLevel::kFull);
  CHECK(result.source == "default");
  REQUIRE(result.warnings.size() == 2);
  CHECK(result.warnings[0] ==
        "EVENTHOST_EVENT_LEVEL=\"verbose\" is not one of NONE, CRITICAL, "
        "SYSTEM, FULL; using the default level FULL");
  CHECK(result.warnings[1] ==
        "the stored event level \"loud\" is not one of NONE, CRITICAL, "
        "SYSTEM, FULL; using the default level FULL");
}

TEST_CASE("an invalid environment level with nothing stored uses FULL") {
  LevelResolution result = resolve_level("0", std::nullopt);
  CHECK(result.level == EventLevel::kFull);
  REQUIRE(result.warnings.size() == 1);
  CHECK(result.warnings[0].find("using the default level FULL") !=
        std::string::npos);
}

TEST_CASE("an empty EVENTHOST_EVENT_LEVEL counts as unset") {
  LevelResolution result = resolve_level("  ", "CRITICAL");
  CHECK(result.level == EventLevel::kCritical);
  CHECK(result.source == "state");
  CHECK(result.warnings.empty());
}

TEST_CASE("an environment level of NONE is honoured, not treated as unset") {
  LevelResolution result = resolve_level(" none ", "FULL");
  CHECK(result.level == EventLevel::kNone);
  CHECK(result.source == "environment");
}

}  // namespace
}  // namespace eventhost
