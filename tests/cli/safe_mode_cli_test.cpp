// Safe mode and the flight recorder end to end: a plugin that kills the
// host is named by the next run, --safe-mode runs no plugin and changes no
// state, and a clean run leaves nothing to report.
#include <catch2/catch.hpp>
#include <csignal>

#include "cli_sandbox.h"

using eventhost::test::CliRun;
using eventhost::test::CliSandbox;
using eventhost::test::json_of;
using eventhost::test::read_text;
namespace fs = std::filesystem;

namespace {

constexpr const char* kUnclean = "did not shut down cleanly";

void enable(const CliSandbox& sandbox, const std::string& key) {
  const CliRun run = sandbox.run({"plugins", "enable", key});
  INFO(run.err);
  REQUIRE(run.status == 0);
}

}  // namespace

TEST_CASE(
    "a plugin that kills the host is named at the next start, which "
    "suggests safe mode") {
  CliSandbox sandbox;
  sandbox.add_plugin("crasher.so");
  enable(sandbox, "crasher");

  const CliRun crashed =
      sandbox.run({"emit", "channel.created", R"({"channel_id": 7})"});
  INFO(crashed.err);
  REQUIRE(crashed.status == 128 + SIGKILL);

  const CliRun next = sandbox.run({"emit", "--safe-mode", "channel.created"});
  INFO(next.err);
  CHECK(next.status == 0);
  CHECK_THAT(next.err,
             Catch::Contains("eventhost: warning: the host did not shut down "
                             "cleanly last time while plugin 'crasher' was "
                             "handling channel.created #") &&
                 Catch::Contains("start with --safe-mode"));
  CHECK_THAT(next.err, Catch::Contains("safe mode: no plugins loaded; 1 "
                                       "enabled plugin left untouched"));
  CHECK_THAT(next.out, Catch::Contains("-> 0 plugins"));

  // The safe run stopped cleanly, so it has nothing more to report.
  const CliRun after = sandbox.run({"emit", "--safe-mode", "channel.created"});
  CHECK(after.status == 0);
  CHECK_THAT(after.err, !Catch::Contains(kUnclean));
}

TEST_CASE(
    "emit --safe-mode calls no plugin and leaves enabled flags, pins "
    "and settings unchanged") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  const fs::path record = sandbox.enable_recorder();
  const auto before = json_of(sandbox.run({"plugins", "list", "--json"}));

  const CliRun run = sandbox.run(
      {"emit", "channel.created", R"({"channel_id": 7})", "--safe-mode"});
  INFO(run.err);
  CHECK(run.status == 0);
  CHECK_THAT(run.err, Catch::Contains("safe mode: no plugins loaded; 1 "
                                      "enabled plugin left untouched"));
  CHECK(read_text(record).empty());

  const auto after = json_of(sandbox.run({"plugins", "list", "--json"}));
  CHECK(after == before);
  REQUIRE(after.size() == 1);
  CHECK(after[0]["enabled"] == true);
}

TEST_CASE("a clean run leaves no unclean-shutdown warning") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  const fs::path record = sandbox.enable_recorder();
  const CliRun first = sandbox.run({"emit", "channel.created"});
  CHECK(first.status == 0);
  const CliRun second = sandbox.run({"emit", "channel.created"});
  INFO(second.err);
  CHECK(second.status == 0);
  CHECK_THAT(first.err + second.err, !Catch::Contains(kUnclean));
  CHECK_THAT(read_text(record), Catch::Contains("channel.created"));
}
