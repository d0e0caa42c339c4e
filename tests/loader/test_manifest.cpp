// Manifest parsing and setting values.
#include <catch2/catch.hpp>

#include "common/error.h"
#include "loader/manifest.h"

namespace eventhost {
namespace {

using Catch::Matchers::Contains;
using Json = nlohmann::json;

// Parses `json` and returns the error message ("" if it parsed).
std::string parse_error(const std::string& json) {
  try {
    Manifest::parse(json);
    return "";
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kInvalidInput);
    return e.what();
  }
}

TEST_CASE("a complete manifest is read field by field") {
  const Manifest m = Manifest::parse(R"({
    "key": "notify", "name": "Notify", "version": "2.1.0",
    "description": "Sends notifications",
    "settings": [
      {"id": "enabled", "label": "Enabled", "type": "boolean", "default": true},
      {"id": "retries", "type": "number", "default": 3, "help": "how often"},
      {"id": "quality", "type": "select", "options": ["low", "high"],
       "default": "high"}
    ],
    "actions": [{"id": "test", "label": "Test", "description": "Sends one"}],
    "events": [{"name": "notify.sent", "level": "SYSTEM",
                "fields": ["target"], "description": "A message went out"}],
    "subscribe": ["channel.*", "*.created"],
    "priority": "high", "concurrency": 4, "timeout_ms": 250,
    "queue_capacity": 16, "max_emits_per_second": 20
  })");

  CHECK(m.key == "notify");
  CHECK(m.name == "Notify");
  CHECK(m.version == "2.1.0");
  REQUIRE(m.settings.size() == 3);
  CHECK(m.settings[0].label == "Enabled");
  CHECK(m.settings[1].label == "retries");  // defaults to the id
  CHECK(m.settings[1].help == "how often");
  CHECK(m.find_setting("quality")->options ==
        std::vector<std::string>{"low", "high"});
  CHECK(m.find_setting("missing") == nullptr);
  CHECK(m.find_action("test")->description == "Sends one");
  REQUIRE(m.events.size() == 1);
  CHECK(m.events[0].name == "notify.sent");
  CHECK(m.events[0].level == LevelSet::kSystem);
  CHECK(m.events[0].origin == "notify");
  CHECK(m.events[0].fields == std::vector<std::string>{"target"});
  CHECK(m.subscribe == std::vector<std::string>{"channel.*", "*.created"});
  CHECK(m.priority == Priority::kHigh);
  CHECK(m.concurrency == 4);
  CHECK(m.timeout_ms == 250);
  CHECK(m.queue_capacity == 16);
  CHECK(m.max_emits_per_second == 20);
  CHECK(m.raw["version"] == "2.1.0");
}

TEST_CASE("declared event fields may carry types; a bare name is untyped") {
  const Manifest m = Manifest::parse(R"({
    "key": "notify",
    "events": [{"name": "notify.sent", "level": "FULL",
                "fields": [{"name": "target", "type": "string"},
                           {"name": "tries", "type": "integer"},
                           "extra",
                           {"name": "at", "type": "timestamp"}]}]
  })");
  REQUIRE(m.events.size() == 1);
  const EventSpec& sent = m.events[0];
  CHECK(sent.fields ==
        std::vector<std::string>{"target", "tries", "extra", "at"});
  CHECK(sent.field_types ==
        std::vector<FieldType>{FieldType::kString, FieldType::kInteger,
                               FieldType::kAny, FieldType::kTimestamp});
}

TEST_CASE("a declared field of an unknown type is refused, naming it") {
  CHECK_THAT(
      parse_error(R"({"key": "n", "events": [{"name": "n.x", "level": "FULL",
                     "fields": ["a", {"name": "b", "type": "int"}]}]})"),
      Contains("manifest: events[0] fields[1].type \"int\" is not one of "
               "integer, number, string, boolean, timestamp, integer[], "
               "string[]"));
  CHECK_THAT(
      parse_error(R"({"key": "n", "events": [{"name": "n.x", "level": "FULL",
                     "fields": [{"name": "b"}]}]})"),
      Contains("manifest: events[0] fields[0].type must be one of"));
  CHECK_THAT(
      parse_error(R"({"key": "n", "events": [{"name": "n.x", "level": "FULL",
                     "fields": "b"}]})"),
      Contains("manifest: events[0] field \"fields\" must be an array"));
}

TEST_CASE("a minimal manifest gets the documented defaults") {
  const Manifest m = Manifest::parse(R"({"key": "tiny"})");

  CHECK(m.name == "tiny");
  CHECK(m.subscribe == std::vector<std::string>{"*"});
  CHECK(m.priority == Priority::kNormal);
  CHECK(m.concurrency == 1);
  CHECK(m.timeout_ms == 5000);
  CHECK(m.queue_capacity == 1024);
  CHECK(m.max_emits_per_second == 10000);
  CHECK(m.isolation == Isolation::kThread);
  CHECK(m.sandbox.empty());
  CHECK(m.limits.memory_mb == 512);
  CHECK(m.limits.cpu_seconds == 0);
  CHECK(m.limits.open_files == 256);
}

TEST_CASE("a manifest may ask for the process tier, a sandbox and limits") {
  const Manifest m = Manifest::parse(R"({"key": "boxed", "isolation": "process",
      "sandbox": ["no_spawn", "no_fs_write"],
      "limits": {"memory_mb": 64, "cpu_seconds": 30, "open_files": 0}})");
  CHECK(m.isolation == Isolation::kProcess);
  CHECK(m.sandbox == std::vector<std::string>{"no_spawn", "no_fs_write"});
  CHECK(m.limits.memory_mb == 64);
  CHECK(m.limits.cpu_seconds == 30);
  CHECK(m.limits.open_files == 0);
  CHECK(std::string(to_string(Isolation::kProcess)) == "process");
  CHECK(parse_isolation("thread") == Isolation::kThread);
  CHECK_FALSE(parse_isolation("Process"));
}

TEST_CASE("a manifest says how a plugin shares the work in a cluster, "
          "shared by default") {
  CHECK(Manifest::parse(R"({"key": "a"})").cluster == ClusterMode::kShared);
  CHECK(Manifest::parse(R"({"key": "a", "cluster": "ordered"})").cluster ==
        ClusterMode::kOrdered);
  CHECK(Manifest::parse(R"({"key": "a", "cluster": "every_node"})").cluster ==
        ClusterMode::kEveryNode);
  CHECK(std::string(to_string(ClusterMode::kEveryNode)) == "every_node");
  CHECK_FALSE(parse_cluster_mode("Shared"));
}

TEST_CASE("priorities print as the manifest spells them") {
  CHECK(std::string(to_string(Priority::kCritical)) == "critical");
  CHECK(std::string(to_string(Priority::kLow)) == "low");
  CHECK(Manifest::parse(R"({"key": "a", "priority": "low"})").priority ==
        Priority::kLow);
}

TEST_CASE("manifest errors name the offending field") {
  struct Case {
    const char* json;
    const char* message;
  };
  const auto c = GENERATE(
      Case{R"({"key": )", "manifest: not valid JSON"},
      Case{R"({"key": "a", "timeout_ms": 1e999})", "manifest: not valid JSON"},
      Case{R"([1, 2])", "manifest: document must be a JSON object"},
      Case{R"({"name": "x"})", "manifest: key is required"},
      Case{R"({"key": "Bad-Key"})", "manifest: key \"Bad-Key\" must match"},
      Case{R"({"key": 7})", "manifest: key must be a string"},
      Case{R"({"key": "a", "settings": [{"id": "x", "type": "string"},
            {"id": "y", "type": "bool"}]})",
           "manifest: settings[1].type \"bool\" is not one of boolean, "
           "number, string, select"},
      Case{R"({"key": "a", "settings": [{"type": "string"}]})",
           "manifest: settings[0].id is required"},
      Case{R"({"key": "a", "settings": [{"id": "x", "type": "number",
            "default": "3"}]})",
           "manifest: settings[0].default is invalid: x expects a number"},
      Case{R"({"key": "a", "settings": [{"id": "q", "type": "select",
            "options": ["a", "b"], "default": "c"}]})",
           "manifest: settings[0].default is invalid: q expects one of a, b"},
      Case{R"({"key": "a", "settings": [{"id": "q", "type": "select"}]})",
           "manifest: settings[0].options must list the choices"},
      Case{R"({"key": "a", "settings": [{"id": "x", "type": "string"},
            {"id": "x", "type": "number"}]})",
           "manifest: settings[1].id \"x\" is declared twice"},
      Case{R"({"key": "a", "settings": {}})",
           "manifest: settings must be an array"},
      Case{R"({"key": "a", "actions": [{"id": "run now"}]})",
           "manifest: actions[0].id \"run now\" must be letters"},
      Case{R"({"key": "a", "events": [{"name": "b.done", "level": "FULL"}]})",
           "manifest: events[0].name \"b.done\" must be \"a.<action>\""},
      Case{R"({"key": "a", "events": [{"name": "a.Done", "level": "FULL"}]})",
           "manifest: events[0].name \"a.Done\""},
      Case{R"({"key": "a", "events": [{"name": "a.done", "level": "LOUD"}]})",
           "manifest: events[0].level \"LOUD\" is not one of CRITICAL, "
           "SYSTEM, FULL"},
      Case{R"({"key": "a", "events": [{"name": "a.done",
            "level": "DISABLED"}]})",
           "manifest: events[0].level \"DISABLED\""},
      Case{R"({"key": "a", "events": [{"name": "a.done"}]})",
           "manifest: events[0].level is required"},
      Case{R"({"key": "a", "subscribe": ["channel created"]})",
           "manifest: subscribe[0] \"channel created\" is not an event "
           "pattern"},
      Case{R"({"key": "a", "priority": "urgent"})",
           "manifest: priority \"urgent\" is not one of critical, high, "
           "normal, low"},
      Case{R"({"key": "a", "concurrency": 0})",
           "manifest: concurrency must be an integer from 1"},
      Case{R"({"key": "a", "concurrency": 1.5})",
           "manifest: concurrency must be an integer from 1"},
      Case{R"({"key": "a", "timeout_ms": 0})",
           "manifest: timeout_ms must be an integer from 1"},
      Case{R"({"key": "a", "timeout_ms": -5})",
           "manifest: timeout_ms must be an integer from 1"},
      Case{R"({"key": "a", "queue_capacity": 99999999999})",
           "manifest: queue_capacity must be an integer from 1 to "
           "4294967295"},
      Case{R"({"key": "a", "max_emits_per_second": 0})",
           "manifest: max_emits_per_second must be an integer from 1"},
      Case{R"({"key": "a", "isolation": "vm"})",
           "manifest: isolation must be \"thread\" or \"process\", got \"vm\""},
      Case{R"({"key": "a", "cluster": "all"})",
           "manifest: cluster must be \"shared\", \"ordered\" or "
           "\"every_node\", got \"all\""},
      Case{R"({"key": "a", "sandbox": ["no_network", "no_disk"]})",
           "manifest: sandbox[1] \"no_disk\" is not a sandbox promise"},
      Case{R"({"key": "a", "limits": {"memory_mb": -1}})",
           "manifest: limits.memory_mb must be an integer from 0"},
      Case{R"({"key": "a", "limits": []})",
           "manifest: limits must be a JSON object"});

  INFO(c.json);
  CHECK_THAT(parse_error(c.json), Contains(c.message));
}

TEST_CASE("setting values are checked against the field type") {
  SettingField flag{"log", "Log", "boolean", Json(), {}, ""};
  SettingField count{"retries", "Retries", "number", Json(), {}, ""};
  SettingField name{"name", "Name", "string", Json(), {}, ""};
  SettingField pick{"quality", "Quality",       "select",
                    Json(),    {"low", "high"}, ""};

  CHECK(check_setting_value(flag, true).empty());
  CHECK(check_setting_value(flag, "yes") ==
        "log expects a boolean, got \"yes\"");
  CHECK(check_setting_value(count, 2.5).empty());
  CHECK(check_setting_value(count, "2") ==
        "retries expects a number, got \"2\"");
  CHECK(check_setting_value(name, "x").empty());
  CHECK(check_setting_value(name, 1) == "name expects a string, got 1");
  CHECK(check_setting_value(pick, "low").empty());
  CHECK(check_setting_value(pick, "mid") ==
        "quality expects one of low, high, got \"mid\"");
}

TEST_CASE("typed setting text is parsed by the field type") {
  SettingField flag{"log", "Log", "boolean", Json(), {}, ""};
  SettingField count{"retries", "Retries", "number", Json(), {}, ""};
  SettingField name{"name", "Name", "string", Json(), {}, ""};
  SettingField pick{"quality", "Quality",       "select",
                    Json(),    {"low", "high"}, ""};

  for (const char* yes : {"true", "1", "yes", "on", "TRUE", "Yes"}) {
    CHECK(parse_setting_text(flag, yes) == true);
  }
  for (const char* no : {"false", "0", "no", "off", "Off"}) {
    CHECK(parse_setting_text(flag, no) == false);
  }
  CHECK(parse_setting_text(count, "30") == 30);
  CHECK(parse_setting_text(count, "30").is_number_integer());
  CHECK(parse_setting_text(count, "-2.5") == -2.5);
  CHECK(parse_setting_text(name, "a b") == "a b");
  CHECK(parse_setting_text(pick, "high") == "high");
}

TEST_CASE("unparsable setting text says what the setting expects") {
  SettingField flag{"log", "Log", "boolean", Json(), {}, ""};
  SettingField count{"retries", "Retries", "number", Json(), {}, ""};
  SettingField pick{"quality", "Quality",       "select",
                    Json(),    {"low", "high"}, ""};

  CHECK_THROWS_WITH(
      parse_setting_text(flag, "maybe"),
      Contains("setting log expects a boolean") && Contains("\"maybe\""));
  for (const char* bad : {"", "30s", " 30", "nan", "inf", "1e999", "x"}) {
    INFO(bad);
    CHECK_THROWS_WITH(parse_setting_text(count, bad),
                      Contains("setting retries expects a number"));
  }
  CHECK_THROWS_WITH(parse_setting_text(pick, "medium"),
                    Contains("expects one of low, high, got \"medium\""));
}

}  // namespace
}  // namespace eventhost
