// Typed payload fields from the command line: a field of the wrong type is
// refused with exit 4 under the default --payload-check strict, delivered
// with a warning under lenient; `events list` shows the types, built-in
// and plugin-declared.
#include <catch2/catch.hpp>
#include <filesystem>

#include "cli_sandbox.h"

using eventhost::test::CliRun;
using eventhost::test::CliSandbox;
using eventhost::test::json_of;
using eventhost::test::read_text;
namespace fs = std::filesystem;

namespace {

constexpr const char* kWrongType = R"({"channel_id": "7"})";
constexpr const char* kRefusal =
    "channel.created: field \"channel_id\" must be an integer, got string "
    "(\"7\")";

}  // namespace

TEST_CASE("emit refuses a field of the wrong type with exit 4, naming it") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  const fs::path record = sandbox.enable_recorder();
  const CliRun run = sandbox.run({"emit", "channel.created", kWrongType});
  CHECK(run.status == 4);
  CHECK_THAT(run.err, Catch::Contains(kRefusal));
  CHECK((!fs::exists(record) || read_text(record).empty()));

  const CliRun right =
      sandbox.run({"emit", "channel.created", R"({"channel_id": 7})"});
  INFO(right.err);
  CHECK(right.status == 0);
  CHECK_THAT(read_text(record), Catch::Contains("channel.created"));
}

TEST_CASE("emit --payload-check lenient delivers it with a warning") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  const fs::path record = sandbox.enable_recorder();
  const CliRun run = sandbox.run({"--payload-check", "lenient", "emit",
                                  "channel.created", kWrongType, "--json"});
  INFO(run.err);
  REQUIRE(run.status == 0);
  CHECK_THAT(run.err, Catch::Contains(std::string("warning: ") + kRefusal));
  const auto out = json_of(run);
  REQUIRE(out["type_mismatches"].size() == 1);
  CHECK(out["type_mismatches"][0] == kRefusal);
  CHECK(out["deliveries"][0]["outcome"] == "ok");
  CHECK_THAT(read_text(record), Catch::Contains("channel.created"));
}

TEST_CASE("EVENTHOST_PAYLOAD_CHECK sets the mode; the option wins over it") {
  CliSandbox sandbox;
  sandbox.set_env("EVENTHOST_PAYLOAD_CHECK", "lenient");
  CHECK(sandbox.run({"emit", "channel.created", kWrongType}).status == 0);
  const CliRun strict = sandbox.run(
      {"--payload-check", "strict", "emit", "channel.created", kWrongType});
  CHECK(strict.status == 4);
  CHECK_THAT(strict.err, Catch::Contains(kRefusal));
}

TEST_CASE("a --payload-check that is neither strict nor lenient is refused") {
  CliSandbox sandbox;
  const CliRun run = sandbox.run(
      {"--payload-check", "loose", "emit", "channel.created", "{}"});
  CHECK(run.status == 2);
  CHECK_THAT(run.err, Catch::Contains("--payload-check must be strict or "
                                      "lenient, got 'loose'"));
}

TEST_CASE("emit --ndjson rejects a line with a field of the wrong type") {
  CliSandbox sandbox;
  const std::string lines =
      R"({"event": "channel.created", "data": {"channel_id": 1}})"
      "\n"
      R"({"event": "recording.scheduled", "data": {"start_time": "soon"}})"
      "\n";
  const CliRun run = sandbox.run({"emit", "--ndjson", "-"}, lines);
  CHECK(run.status == 4);
  CHECK_THAT(run.err,
             Catch::Contains("line 2 rejected: recording.scheduled: field "
                             "\"start_time\" must be a timestamp"));
}

TEST_CASE("events list shows each field's type") {
  CliSandbox sandbox;
  const CliRun text = sandbox.run({"events", "list"});
  REQUIRE(text.status == 0);
  CHECK_THAT(text.out,
             Catch::Contains("channel_id:integer, channel_number:number, "
                             "channel_name:string"));
  CHECK_THAT(text.out, Catch::Contains("stream_ids:integer[]"));

  const auto listed = json_of(sandbox.run({"events", "list", "--json"}));
  bool found = false;
  for (const auto& event : listed) {
    if (event["name"] != "recording.scheduled") continue;
    found = true;
    CHECK(event["field_types"]["start_time"] == "timestamp");
    CHECK(event["field_types"]["recording_id"] == "integer");
    CHECK(event["fields"][0] == "recording_id");
  }
  CHECK(found);
}

TEST_CASE("a plugin's declared field types are listed and checked") {
  CliSandbox sandbox;
  sandbox.add_plugin("login_guard.so");
  const CliRun text = sandbox.run({"events", "list"});
  REQUIRE(text.status == 0);
  CHECK_THAT(text.out, Catch::Contains("username:string, attempts:integer, "
                                       "window_seconds:integer"));
  const CliRun info = sandbox.run({"plugins", "info", "login_guard"});
  CHECK_THAT(info.out, Catch::Contains("login_guard.lockout_suggested "
                                       "(CRITICAL) fields: username:string, "
                                       "attempts:integer, "
                                       "window_seconds:integer"));
  const CliRun refused = sandbox.run(
      {"emit", "login_guard.lockout_suggested", R"({"attempts": "five"})"});
  CHECK(refused.status == 4);
  CHECK_THAT(refused.err,
             Catch::Contains("login_guard.lockout_suggested: field "
                             "\"attempts\" must be an integer, got string "
                             "(\"five\")"));
}
