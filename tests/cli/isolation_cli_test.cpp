// `eventhost plugins configure KEY --isolation ...` end to end: the tier is
// persisted and shown, a crashing plugin in the process tier leaves the CLI
// run standing, and a bad tier is a usage error.
#include <catch2/catch.hpp>

#include "cli_sandbox.h"

using eventhost::test::CliSandbox;
using eventhost::test::json_of;
using eventhost::test::read_text;

TEST_CASE("the isolation tier is set from the CLI, kept and shown") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  CHECK(json_of(sandbox.run({"plugins", "info", "recorder",
                             "--json"}))["isolation"] == "thread");
  const auto set = sandbox.run(
      {"plugins", "configure", "recorder", "--isolation", "process"});
  CHECK(set.status == 0);
  CHECK_THAT(set.out,
             Catch::Contains("recorder runs in the process tier (set by you)"));
  const auto info =
      json_of(sandbox.run({"plugins", "info", "recorder", "--json"}));
  CHECK(info["isolation"] == "process");
  CHECK(info["isolation_source"] == "user");
  CHECK_THAT(sandbox.run({"plugins", "info", "recorder"}).out,
             Catch::Contains("process (set by you)"));

  const auto back = sandbox.run(
      {"plugins", "configure", "recorder", "--isolation", "manifest"});
  CHECK(back.status == 0);
  CHECK_THAT(back.out, Catch::Contains("thread tier (as its manifest asks)"));

  const auto bad =
      sandbox.run({"plugins", "configure", "recorder", "--isolation", "vm"});
  CHECK(bad.status == 2);
  CHECK_THAT(bad.err, Catch::Contains("thread, process or manifest"));
}

TEST_CASE("settings and the isolation tier are changed in one command") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  const auto both = sandbox.run({"plugins", "configure", "recorder",
                                 "--isolation", "process", "path=/x"});
  INFO(both.err);
  CHECK(both.status == 0);
  CHECK_THAT(both.out, Catch::Contains(
                           "recorder runs in the process tier (set by you)") &&
                           Catch::Contains("/x"));
  const auto info =
      json_of(sandbox.run({"plugins", "info", "recorder", "--json"}));
  CHECK(info["isolation"] == "process");
  CHECK(info["settings"]["path"] == "/x");

  const auto json =
      json_of(sandbox.run({"plugins", "configure", "recorder", "path=/y",
                           "--isolation", "thread", "--json"}));
  CHECK(json["isolation"] == "thread");
  CHECK(json["source"] == "user");
  CHECK(json["settings"]["path"] == "/y");
  const auto bad = sandbox.run(
      {"plugins", "configure", "recorder", "--isolation", "vm", "path=/z"});
  CHECK(bad.status == 2);
  CHECK(json_of(sandbox.run({"plugins", "info", "recorder",
                             "--json"}))["settings"]["path"] == "/y");
}

TEST_CASE("emit survives a plugin that segfaults in the process tier") {
  CliSandbox sandbox;
  sandbox.add_plugin("segfaulter.so");
  sandbox.add_plugin("recorder.so");
  const auto record = sandbox.enable_recorder();
  REQUIRE(sandbox.run({"plugins", "enable", "segfaulter"}).status == 0);
  std::string lines;
  for (int i = 1; i <= 6; ++i) {
    lines += R"({"event": "channel.created", "data": {"channel_id": )" +
             std::to_string(i) + "}}\n";
  }
  const auto run = sandbox.run({"emit", "--ndjson", "-"}, lines);
  CHECK(run.status == 6);  // emitted, but deliveries failed
  CHECK_THAT(run.err, Catch::Contains("SIGSEGV"));
  CHECK_THAT(run.out, Catch::Contains("6 emitted"));
  // The recorder records each delivery on a line of its own.
  const std::string recorded = read_text(record);
  CHECK(std::count(recorded.begin(), recorded.end(), '\n') == 6);
  const auto info =
      json_of(sandbox.run({"plugins", "info", "segfaulter", "--json"}));
  CHECK(info["counters"]["crashes"] == 2);
  CHECK(info["counters"]["delivered"] == 4);
  CHECK(info["enabled"] == true);
}
