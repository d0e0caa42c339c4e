// A plugin cannot start an endless storm, end to end through `eventhost`:
// the echo test plugin re-emits every channel.updated it handles, so one
// `eventhost emit channel.updated` would never finish without the host's
// causal depth limit; and its "burst" action emits far more events in one
// call than its manifest's max_emits_per_second allows. Both tiers.
#include <catch2/catch.hpp>

#include "cli_sandbox.h"

using eventhost::test::CliRun;
using eventhost::test::CliSandbox;
using eventhost::test::json_of;

namespace {

// Adds echo, in `tier`, and enables it.
void enable_echo(CliSandbox& sandbox, const std::string& tier) {
  sandbox.add_plugin("echo.so");
  if (tier == "process") {
    const CliRun set =
        sandbox.run({"plugins", "configure", "echo", "--isolation", "process"});
    INFO(set.err);
    REQUIRE(set.status == 0);
  }
  const CliRun enabled = sandbox.run({"plugins", "enable", "echo"});
  INFO(enabled.err);
  REQUIRE(enabled.status == 0);
}

// How many events named `event` the journal holds.
std::size_t journaled(const CliSandbox& sandbox, const std::string& event) {
  const CliRun listed = sandbox.run(
      {"journal", "list", "--event", event, "--limit", "10000", "--json"});
  INFO(listed.err);
  REQUIRE(listed.status == 0);
  return json_of(listed).size();
}

// Emits one channel.updated from outside with `extra` options; the chain
// echo starts must end on its own (the ctest timeout is the guard).
CliRun emit_updated(const CliSandbox& sandbox,
                    const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"emit", "channel.updated", "{}"};
  args.insert(args.end(), extra.begin(), extra.end());
  return sandbox.run(args);
}

void storm_stops_at_default_limit(const std::string& tier) {
  CliSandbox sandbox;
  enable_echo(sandbox, tier);
  const CliRun run = emit_updated(sandbox);
  INFO(run.err);
  CHECK(run.status == 0);
  // The outside event is depth 0; echo's emits at depths 1..8 are accepted.
  CHECK(journaled(sandbox, "channel.updated") == 1 + 8);
  CHECK_THAT(run.err,
             Catch::Contains(
                 "plugin echo emitted channel.updated at depth 9 (limit 8"));
  CHECK_THAT(run.err, Catch::Contains("chain channel.updated #"));
  // The refusal reached the plugin as EH_ERR_REFUSED (5).
  CHECK_THAT(run.err, Catch::Contains("echo saw code 5 from emit"));
}

void storm_stops_at_configured_limit(const std::string& tier) {
  CliSandbox sandbox;
  enable_echo(sandbox, tier);
  const CliRun option = emit_updated(sandbox, {"--max-emit-depth", "3"});
  INFO(option.err);
  CHECK(option.status == 0);
  CHECK(journaled(sandbox, "channel.updated") == 1 + 3);
  CHECK_THAT(option.err, Catch::Contains("at depth 4 (limit 3"));

  sandbox.set_env("EVENTHOST_MAX_EMIT_DEPTH", "1");
  const CliRun env = emit_updated(sandbox);
  INFO(env.err);
  CHECK(env.status == 0);
  CHECK(journaled(sandbox, "channel.updated") == 1 + 3 + 1 + 1);
  CHECK_THAT(env.err, Catch::Contains("at depth 2 (limit 1"));
}

void burst_is_capped_per_second(const std::string& tier) {
  CliSandbox sandbox;
  enable_echo(sandbox, tier);
  const CliRun run = sandbox.run({"plugins", "run", "echo", "burst", "--params",
                                  R"({"count": 1000})", "--json"});
  INFO(run.err);
  REQUIRE(run.status == 0);
  const auto answer =
      nlohmann::json::parse(json_of(run)["result"].get<std::string>());
  const long accepted = answer["accepted"].get<long>();
  const long refused = answer["refused"].get<long>();
  // echo's manifest allows 50 a second; the 1000 emits of one call come
  // far faster than that, so the cap, not the clock, decides.
  CHECK(accepted > 0);
  CHECK(accepted <= 50);
  CHECK(refused == 1000 - accepted);
  CHECK(answer["other"] == 0);
  CHECK(journaled(sandbox, "echo.tick") == static_cast<std::size_t>(accepted));
  CHECK_THAT(run.err, Catch::Contains("plugin echo emitted echo.tick"));
  CHECK_THAT(run.err, Catch::Contains("max_emits_per_second 50"));
}

}  // namespace

TEST_CASE(
    "a plugin re-emitting what it handles stops at depth 8, thread tier") {
  storm_stops_at_default_limit("thread");
}

TEST_CASE(
    "a plugin re-emitting what it handles stops at depth 8, process tier") {
  storm_stops_at_default_limit("process");
}

TEST_CASE(
    "the depth limit comes from --max-emit-depth or its variable, thread "
    "tier") {
  storm_stops_at_configured_limit("thread");
}

TEST_CASE(
    "the depth limit comes from --max-emit-depth or its variable, process "
    "tier") {
  storm_stops_at_configured_limit("process");
}

TEST_CASE("a bad --max-emit-depth is a usage error naming the range") {
  CliSandbox sandbox;
  for (const std::string bad : {"0", "1001", "x"}) {
    const CliRun run = emit_updated(sandbox, {"--max-emit-depth", bad});
    INFO(bad);
    CHECK(run.status == 2);
    CHECK_THAT(run.err, Catch::Contains("--max-emit-depth must be a number "
                                        "from 1 to 1000, got '" +
                                        bad + "'"));
  }
}

TEST_CASE("a burst past max_emits_per_second is refused, thread tier") {
  burst_is_capped_per_second("thread");
}

TEST_CASE("a burst past max_emits_per_second is refused, process tier") {
  burst_is_capped_per_second("process");
}
