// `eventhost emit` end to end: who gets an event, what failures look like
// to a script (exit statuses, --json), levels, and NDJSON streams.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>

#include "cli_sandbox.h"

using eventhost::test::CliRun;
using eventhost::test::CliSandbox;
using eventhost::test::json_of;
using eventhost::test::read_text;
namespace fs = std::filesystem;

TEST_CASE("an enabled plugin receives the emitted event") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  const fs::path record = sandbox.enable_recorder();
  const CliRun run =
      sandbox.run({"emit", "channel.created", R"({"channel_id": 7})"});
  INFO(run.err);
  CHECK(run.status == 0);
  CHECK_THAT(run.out, Catch::Contains("(FULL) -> 1 plugin"));
  CHECK_THAT(run.out, Catch::Matches(R"(channel\.created #\d+ [\s\S]*)"));
  CHECK_THAT(run.out, Catch::Contains("ok") &&
                          Catch::Contains("recorder  on_channel_created"));
  CHECK_THAT(read_text(record), Catch::Contains(" channel.created\n") &&
                                    Catch::StartsWith("on_channel_created "));
}

TEST_CASE(
    "emit --json reports each delivery with the event id the plugin "
    "saw") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  const fs::path record = sandbox.enable_recorder();
  const auto out = json_of(sandbox.run(
      {"emit", "channel.created", R"({"channel_id": 1})", "--json"}));
  CHECK(out["event"] == "channel.created");
  CHECK(out["suppressed"] == false);
  CHECK(out["level"] == "FULL");
  REQUIRE(out["deliveries"].size() == 1);
  const auto& delivery = out["deliveries"][0];
  CHECK(delivery["plugin"] == "recorder");
  CHECK(delivery["symbol"] == "on_channel_created");
  CHECK(delivery["outcome"] == "ok");
  CHECK(read_text(record) ==
        "on_channel_created " + std::to_string(out["id"].get<std::uint64_t>()) +
            " channel.created\n");
}

TEST_CASE("a payload can be read from stdin") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  const fs::path record = sandbox.enable_recorder();
  const CliRun run = sandbox.run({"emit", "channel.created", "-"},
                                 R"({"channel_id": 3, "colour": "red"})");
  CHECK(run.status == 0);
  CHECK_THAT(run.err, Catch::Contains("note: ") && Catch::Contains("colour"));
  CHECK_THAT(read_text(record), Catch::Contains("channel.created"));
}

TEST_CASE("a disabled plugin is not called") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  const fs::path record = sandbox.enable_recorder();
  CHECK(sandbox.run({"plugins", "disable", "recorder"}).status == 0);
  const CliRun run = sandbox.run({"emit", "channel.created"});
  CHECK(run.status == 0);
  CHECK_THAT(run.out, Catch::Contains("-> 0 plugins"));
  CHECK_FALSE(fs::exists(record));
}

TEST_CASE("an unknown event exits with 3 and names the nearest known one") {
  CliSandbox sandbox;
  const CliRun run = sandbox.run({"emit", "channel.creatd"});
  CHECK(run.status == 3);
  CHECK_THAT(run.err, Catch::Contains("did you mean 'channel.created'"));
}

TEST_CASE("an invalid JSON payload exits with 4 and nothing is delivered") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  const fs::path record = sandbox.enable_recorder();
  const CliRun run = sandbox.run({"emit", "channel.created", "{bad"});
  CHECK(run.status == 4);
  CHECK_THAT(run.err, Catch::StartsWith("eventhost: error: ") ||
                          Catch::Contains("\neventhost: error: "));
  CHECK_FALSE(fs::exists(record));
}

TEST_CASE(
    "level CRITICAL suppresses channel.created and the recorder does "
    "not get it") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  const fs::path record = sandbox.enable_recorder();
  CHECK(sandbox.run({"level", "set", "critical"}).status == 0);
  const auto level = json_of(sandbox.run({"level", "get", "--json"}));
  CHECK(level["level"] == "CRITICAL");
  CHECK(level["source"] == "state");

  const CliRun run = sandbox.run({"emit", "channel.created"});
  CHECK(run.status == 0);
  CHECK_THAT(run.out, Catch::Contains("channel.created suppressed by event "
                                      "level configuration (level is "
                                      "CRITICAL, event is FULL)"));
  CHECK_FALSE(fs::exists(record));
}

TEST_CASE("EVENTHOST_EVENT_LEVEL overrides the stored level") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  const fs::path record = sandbox.enable_recorder();
  sandbox.set_env("EVENTHOST_EVENT_LEVEL", "FULL");
  const CliRun set = sandbox.run({"level", "set", "NONE"});
  CHECK(set.status == 0);
  CHECK_THAT(set.err, Catch::Contains("EVENTHOST_EVENT_LEVEL=FULL") &&
                          Catch::Contains("overrides"));
  const auto level = json_of(sandbox.run({"level", "get", "--json"}));
  CHECK(level["level"] == "FULL");
  CHECK(level["source"] == "environment");
  CHECK(sandbox.run({"emit", "channel.created"}).status == 0);
  CHECK_THAT(read_text(record), Catch::Contains("channel.created"));
}

TEST_CASE("level set refuses an unknown level with 2 listing the valid ones") {
  CliSandbox sandbox;
  const CliRun run = sandbox.run({"level", "set", "LOUD"});
  CHECK(run.status == 2);
  CHECK_THAT(run.err, Catch::Contains("NONE, CRITICAL, SYSTEM, FULL"));
  CHECK(json_of(sandbox.run({"level", "get", "--json"}))["source"] ==
        "default");
}

TEST_CASE(
    "a throwing plugin makes emit exit 6 while the others still get "
    "the event, and its counters persist") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  sandbox.add_plugin("thrower.so");
  const fs::path record = sandbox.enable_recorder();
  CHECK(sandbox.run({"plugins", "enable", "thrower"}).status == 0);
  const CliRun run =
      sandbox.run({"emit", "channel.created", R"({"channel_id": 7})"});
  CHECK(run.status == 6);
  CHECK_THAT(run.out, Catch::Contains("-> 2 plugins"));
  CHECK_THAT(run.out, Catch::Contains("exception") &&
                          Catch::Contains("boom: channel 7"));
  CHECK_THAT(read_text(record), Catch::Contains("channel.created"));

  const auto info =
      json_of(sandbox.run({"plugins", "info", "thrower", "--json"}));
  CHECK(info["counters"]["exceptions"] == 1);
  CHECK_THAT(info["counters"]["last_error"].get<std::string>(),
             Catch::Contains("boom: channel 7"));
}

TEST_CASE("a plugin running past its time budget is reported as a timeout") {
  CliSandbox sandbox;
  sandbox.add_plugin("slow.so");
  CHECK(sandbox.run({"plugins", "enable", "slow"}).status == 0);
  const auto out = json_of(sandbox.run({"emit", "channel.created", "--json"}));
  REQUIRE(out["deliveries"].size() == 1);
  CHECK(out["deliveries"][0]["outcome"] == "timeout");
  CHECK(sandbox.run({"emit", "channel.created"}).status == 6);
}

TEST_CASE(
    "emit --ndjson reports a bad line by number and delivers the "
    "others") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  const fs::path record = sandbox.enable_recorder();
  const std::string stream =
      R"({"event": "channel.created", "data": {"channel_id": 1}})"
      "\n\n"
      "{not json\n"
      R"({"event": "recording.completed", "data": {"recording_id": 2}})"
      "\n"
      R"({"event": "no.such_event"})"
      "\n"
      R"({"event": "channel.created"})"
      "\n";
  const CliRun run = sandbox.run({"emit", "--ndjson", "-"}, stream);
  CHECK(run.status == 4);
  CHECK_THAT(run.err, Catch::Contains("line 3 rejected: not valid JSON"));
  CHECK_THAT(run.err, Catch::Contains("line 5 rejected: unknown event"));
  CHECK_THAT(run.out, Catch::Contains("3 emitted, 0 suppressed, 2 rejected "
                                      "(lines 3, 5), 0 delivery failures"));
  const std::string recorded = read_text(record);
  CHECK(std::count(recorded.begin(), recorded.end(), '\n') == 3);
  CHECK_THAT(recorded, Catch::Contains("on_recording_completed"));
}

TEST_CASE("emit --ndjson --json summarises a file and counts failures") {
  CliSandbox sandbox;
  sandbox.add_plugin("thrower.so");
  CHECK(sandbox.run({"plugins", "enable", "thrower"}).status == 0);
  const fs::path file = sandbox.root() / "events.ndjson";
  std::ofstream(file) << R"({"event": "channel.created", "data": {}})"
                      << "\n"
                      << R"({"event": "channel.created", "data": {}})"
                      << "\n";
  const CliRun run = sandbox.run({"emit", "--ndjson", file.string(), "--json"});
  CHECK(run.status == 6);
  const auto summary = json_of(run);
  CHECK(summary["emitted"] == 2);
  CHECK(summary["rejected"].empty());
  CHECK(summary["delivery_failures"] == 2);
}

TEST_CASE("events list filters by level set and includes declared events") {
  CliSandbox sandbox;
  sandbox.add_plugin("login_guard.so");
  const auto events =
      json_of(sandbox.run({"events", "list", "--level", "critical", "--json"}));
  REQUIRE_FALSE(events.empty());
  bool declared = false;
  for (const auto& e : events) {
    CHECK(e["level"] == "CRITICAL");
    if (e["name"] == "login_guard.lockout_suggested") {
      declared = e["origin"] == "login_guard";
    }
  }
  CHECK(declared);
  CHECK(sandbox.run({"events", "list", "--level", "loud"}).status == 2);
}

TEST_CASE(
    "a plugin stuck past the shutdown grace is named and emit exits 6 "
    "instead of hanging") {
  CliSandbox sandbox;
  sandbox.add_plugin("slow.so");
  CHECK(
      sandbox.run({"plugins", "configure", "slow", "sleep_ms=40000"}).status ==
      0);
  CHECK(sandbox.run({"plugins", "enable", "slow"}).status == 0);
  const CliRun run =
      sandbox.run({"emit", "channel.created", "--wait-ms", "100"});
  CHECK(run.status == 6);
  CHECK_THAT(run.out, Catch::Contains("1 delivery still running after 100 ms"));
  CHECK_THAT(run.err, Catch::Contains("plugin(s) slow did not finish"));
}

TEST_CASE(
    "a refused emit starts no session: nothing is journaled or delivered, "
    "not even system.startup") {
  CliSandbox sandbox;
  sandbox.add_plugin("audit_log.so");
  const fs::path audit = sandbox.root() / "audit.jsonl";
  REQUIRE(
      sandbox
          .run({"plugins", "configure", "audit_log", "path=" + audit.string()})
          .status == 0);
  REQUIRE(sandbox.run({"plugins", "enable", "audit_log"}).status == 0);
  const auto journal_before =
      json_of(sandbox.run({"journal", "list", "--json"}));
  const std::string audit_before = read_text(audit);

  const CliRun unknown = sandbox.run({"emit", "chanel.created", "{}"});
  CHECK(unknown.status == 3);
  CHECK_THAT(unknown.err, Catch::Contains("did you mean 'channel.created'"));
  const CliRun bad_json = sandbox.run({"emit", "channel.created", "{oops"});
  CHECK(bad_json.status == 4);

  CHECK(json_of(sandbox.run({"journal", "list", "--json"})) == journal_before);
  CHECK(read_text(audit) == audit_before);
}
