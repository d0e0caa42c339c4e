// Catalogue documents and validation: every problem is named, with origins.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "catalogue/catalogue.h"
#include "common/error.h"

namespace eventhost {
namespace {

using Catch::Matchers::Contains;

// The message validate() throws, or "" if the catalogue is valid.
std::string validation_error(const Catalogue& catalogue) {
  try {
    catalogue.validate();
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kInvalidInput);
    return e.what();
  }
  return "";
}

std::string from_json_error(const std::string& json) {
  try {
    Catalogue::from_json(json, "demo");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kInvalidInput);
    return e.what();
  }
  return "";
}

std::string document(const std::string& events) {
  return R"({"version": 1, "events": [)" + events + "]}";
}

std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) +
         1;
}

TEST_CASE("a well-formed catalogue document parses with its origin") {
  Catalogue catalogue = Catalogue::from_json(
      document(R"({"name": "demo.ping", "level": "critical",
                   "fields": ["host", "ms"], "description": "A ping"},
                  {"name": "demo.off", "level": "DISABLED"})"),
      "demo");
  REQUIRE(catalogue.size() == 2);
  const EventSpec* ping = catalogue.find("demo.ping");
  REQUIRE(ping != nullptr);
  CHECK(ping->level == LevelSet::kCritical);
  CHECK(ping->fields == std::vector<std::string>{"host", "ms"});
  CHECK(ping->description == "A ping");
  CHECK(ping->origin == "demo");
  const EventSpec* off = catalogue.find("demo.off");
  REQUIRE(off != nullptr);
  CHECK(off->level == LevelSet::kDisabled);
  CHECK(off->fields.empty());
  CHECK_NOTHROW(catalogue.validate());
}

TEST_CASE("a bad catalogue document names the entry and the field") {
  CHECK_THAT(from_json_error("{\"version\": 1, \"events\": [}"),
             Contains("event catalogue 'demo': not valid JSON"));
  CHECK_THAT(from_json_error("[]"), Contains("must be a JSON object"));
  CHECK_THAT(from_json_error(R"({"version": 2, "events": []})"),
             Contains("version 2 is not supported"));
  CHECK_THAT(from_json_error(R"({"events": []})"), Contains("\"version\""));
  CHECK_THAT(from_json_error(R"({"version": 1})"),
             Contains("\"events\" must be an array"));
  CHECK_THAT(from_json_error(document(R"({"name": "a.b", "level": "FULL"},
                                          {"level": "FULL"})")),
             Contains("events[1]: field \"name\" is missing"));
  CHECK_THAT(from_json_error(document(R"({"name": "a.b", "level": "LOUD"})")),
             Contains("events[0] (\"a.b\"): field \"level\" is \"LOUD\", not "
                      "one of CRITICAL, SYSTEM, FULL, DISABLED"));
  CHECK_THAT(from_json_error(document(R"({"name": 7, "level": "FULL"})")),
             Contains("events[0]: field \"name\" must be a string, not 7"));
  CHECK_THAT(
      from_json_error(
          document(R"({"name": "a.b", "level": "FULL", "fields": "id"})")),
      Contains("events[0] (\"a.b\"): field \"fields\" must be an array"));
  CHECK_THAT(from_json_error(document(
                 R"({"name": "a.b", "level": "FULL", "fields": ["id", 3]})")),
             Contains("events[0] (\"a.b\"): fields[1] must be a non-empty "
                      "string, not 3"));
  CHECK_THAT(from_json_error(document(
                 R"({"name": "a.b", "level": "FULL", "feilds": ["id"]})")),
             Contains("events[0] (\"a.b\"): unknown field \"feilds\""));
  CHECK_THAT(from_json_error(document("42")),
             Contains("events[0]: must be a JSON object"));
}

TEST_CASE("an event listed twice is refused naming both origins") {
  Catalogue catalogue = Catalogue::builtin();
  catalogue.add({{"channel.created", LevelSet::kFull, {}, "", "tvguide"}});
  std::string error = validation_error(catalogue);
  CHECK_THAT(error, Contains("event 'channel.created' is listed 2 times: "
                             "FULL (host), FULL (plugin tvguide)"));
}

TEST_CASE("an event in two level sets is refused naming both sets") {
  Catalogue catalogue = Catalogue::from_json(
      document(R"({"name": "demo.ping", "level": "CRITICAL"},
                  {"name": "demo.ping", "level": "FULL"})"),
      "demo");
  std::string error = validation_error(catalogue);
  CHECK_THAT(error,
             Contains("event 'demo.ping' is in more than one level "
                      "set: CRITICAL (plugin demo), FULL (plugin demo)"));
  // A duplicate is reported once, not also as a symbol collision.
  CHECK_THAT(error, !Contains("handler symbol"));
}

TEST_CASE("invalid event names are refused, each on its own line") {
  Catalogue catalogue;
  catalogue.add({{"Demo.Ping", LevelSet::kFull, {}, "", "demo"},
                 {"demo", LevelSet::kFull, {}, "", "demo"},
                 {"demo.ping.pong", LevelSet::kFull, {}, "", "demo"},
                 {"demo.ok", LevelSet::kFull, {}, "", "demo"}});
  std::string error = validation_error(catalogue);
  CHECK_THAT(error, Contains("3 problems"));
  CHECK_THAT(error, Contains("event 'Demo.Ping' (plugin demo) has an invalid "
                             "name"));
  CHECK_THAT(error, Contains("event 'demo' (plugin demo) has an invalid name"));
  CHECK_THAT(error, Contains("event 'demo.ping.pong' (plugin demo) has an "
                             "invalid name"));
  CHECK_THAT(error, !Contains("demo.ok"));
  CHECK(count_lines(error) == 4);  // the summary and one line a problem
}

TEST_CASE("two events with one handler symbol are refused naming both") {
  Catalogue catalogue = Catalogue::from_json(
      document(R"({"name": "recording_rule.created", "level": "FULL"},
                  {"name": "recording.rule_created", "level": "FULL"})"),
      "host");
  CHECK_THAT(validation_error(catalogue),
             Contains("events 'recording.rule_created' (host) and "
                      "'recording_rule.created' (host) both map to handler "
                      "symbol on_recording_rule_created"));
}

TEST_CASE("a plugin event colliding with a built-in symbol is refused") {
  Catalogue catalogue = Catalogue::builtin();
  catalogue.add({{"recording.rule_created", LevelSet::kFull, {}, "", "foo"}});
  CHECK_THAT(validation_error(catalogue),
             Contains("events 'recording.rule_created' (plugin foo) and "
                      "'recording_rule.created' (host) both map to handler "
                      "symbol on_recording_rule_created"));
}

TEST_CASE("a field listed twice in one event is refused") {
  Catalogue catalogue;
  catalogue.add(
      {{"demo.ping", LevelSet::kFull, {"ms", "host", "ms"}, "", "demo"}});
  CHECK_THAT(validation_error(catalogue),
             Contains("event 'demo.ping' (plugin demo) lists field 'ms' "
                      "twice"));
}

TEST_CASE("validate reports every kind of problem in one message") {
  Catalogue catalogue = Catalogue::builtin();
  catalogue.add({{"Bad.Name", LevelSet::kFull, {}, "", "foo"},
                 {"auth.login", LevelSet::kCritical, {}, "", "foo"},
                 {"channel.client_connected", LevelSet::kFull, {}, "", "foo"},
                 {"channel_client.connected", LevelSet::kFull, {}, "", "bar"}});
  std::string error = validation_error(catalogue);
  CHECK_THAT(error, Contains("4 problems"));
  CHECK_THAT(error, Contains("'Bad.Name' (plugin foo) has an invalid name"));
  CHECK_THAT(error, Contains("event 'auth.login' is in more than one level "
                             "set: SYSTEM (host), CRITICAL (plugin foo)"));
  CHECK_THAT(error, Contains("event 'channel.client_connected' is listed 2 "
                             "times: FULL (host), FULL (plugin foo)"));
  CHECK_THAT(error, Contains("'channel.client_connected' (host) and "
                             "'channel_client.connected' (plugin bar) both "
                             "map to handler symbol "
                             "on_channel_client_connected"));
  CHECK(count_lines(error) == 5);
}

TEST_CASE("an empty catalogue and plugin events without collisions are valid") {
  CHECK(validation_error(Catalogue()) == "");
  Catalogue catalogue = Catalogue::builtin();
  catalogue.add({{"login_guard.lockout_suggested",
                  LevelSet::kCritical,
                  {"username", "attempts", "window_seconds"},
                  "",
                  "login_guard"}});
  CHECK(validation_error(catalogue) == "");
}

}  // namespace
}  // namespace eventhost
