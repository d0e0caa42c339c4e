// The eventhost command line itself: help, version, usage errors, and where
// the global options may come from.
#include <catch2/catch.hpp>
#include <fstream>

#include "cli_sandbox.h"

using eventhost::test::CliRun;
using eventhost::test::CliSandbox;
using eventhost::test::json_of;

TEST_CASE(
    "eventhost --help lists every command, the exit codes and the defaults") {
  CliSandbox sandbox;
  const CliRun help = sandbox.run_bare({"--help"});
  CHECK(help.status == 0);
  for (const char* words :
       {"plugins list", "plugins info", "plugins enable", "plugins disable",
        "plugins configure", "plugins run", "emit", "events list", "level get",
        "level set"}) {
    CHECK_THAT(help.out, Catch::Contains(words));
  }
  CHECK_THAT(help.out,
             Catch::Contains("6  emitted, but at least one delivery"));
  CHECK_THAT(help.out, Catch::Contains("~/.local/share/eventhost/plugins"));
  CHECK_THAT(help.out, Catch::Contains("EVENTHOST_EVENT_LEVEL"));
}

TEST_CASE("every command answers --help with its usage and an example") {
  CliSandbox sandbox;
  const std::vector<std::vector<std::string>> commands = {
      {"plugins", "list"},
      {"plugins", "info"},
      {"plugins", "enable"},
      {"plugins", "disable"},
      {"plugins", "configure"},
      {"plugins", "run"},
      {"emit"},
      {"events", "list"},
      {"level", "get"},
      {"level", "set"}};
  for (std::vector<std::string> words : commands) {
    words.push_back("--help");
    const CliRun help = sandbox.run_bare(words);
    INFO(words[0] << " " << words[1 % words.size()]);
    CHECK(help.status == 0);
    CHECK_THAT(help.out, Catch::StartsWith("Usage: eventhost " + words[0]));
    CHECK_THAT(help.out, Catch::Contains("  eventhost " + words[0]));
  }
}

TEST_CASE(
    "eventhost --version prints the host version and the plugin ABI version") {
  CliSandbox sandbox;
  const CliRun version = sandbox.run_bare({"--version"});
  CHECK(version.status == 0);
  CHECK_THAT(version.out, Catch::StartsWith("eventhost 0."));
  CHECK_THAT(version.out, Catch::Contains("plugin ABI 1."));
}

TEST_CASE("an unknown command is a usage error that lists the commands") {
  CliSandbox sandbox;
  const CliRun run = sandbox.run({"frobnicate"});
  CHECK(run.status == 2);
  CHECK_THAT(run.err, Catch::StartsWith("eventhost: error: unknown command "
                                        "'frobnicate'"));
  CHECK_THAT(run.err, Catch::Contains("plugins, emit, events, level"));
  CHECK(run.out.empty());
}

TEST_CASE("a family without its subcommand is a usage error naming them") {
  CliSandbox sandbox;
  const CliRun run = sandbox.run({"plugins"});
  CHECK(run.status == 2);
  CHECK_THAT(run.err, Catch::Contains("list, info, enable, disable, "
                                      "configure, run"));
}

TEST_CASE("a missing argument is a usage error showing the usage") {
  CliSandbox sandbox;
  const CliRun run = sandbox.run({"plugins", "info"});
  CHECK(run.status == 2);
  CHECK_THAT(run.err, Catch::Contains("missing KEY; usage: eventhost plugins "
                                      "info KEY"));
}

TEST_CASE("global options are accepted after the command words too") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  const CliRun run =
      sandbox.run_bare({"plugins", "list", "--json", "--plugins-dir",
                        sandbox.plugins_dir().string(), "--state",
                        sandbox.state_file().string(), "--log-level", "off"});
  const auto listed = json_of(run);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["key"] == "recorder");
  CHECK(run.err.empty());
}

TEST_CASE("the plugins folder and state file can come from the environment") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  sandbox.set_env("EVENTHOST_PLUGINS_DIR", sandbox.plugins_dir().string());
  sandbox.set_env("EVENTHOST_STATE", sandbox.state_file().string());
  const auto listed = json_of(sandbox.run_bare({"plugins", "list", "--json"}));
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["key"] == "recorder");
  CHECK(std::filesystem::exists(sandbox.state_file()));
}

TEST_CASE("an invalid --log-level is a usage error") {
  CliSandbox sandbox;
  const CliRun run = sandbox.run({"plugins", "list", "--log-level", "loud"});
  CHECK(run.status == 2);
  CHECK_THAT(run.err, Catch::Contains("trace, debug, info, warn, error, off"));
}

TEST_CASE(
    "a config file with an unknown key is a usage error naming the key, "
    "even a key that looks like a message placeholder") {
  CliSandbox sandbox;
  const auto config = sandbox.root() / "eventhost.conf";
  SECTION("an ordinary unknown key") {
    std::ofstream(config) << "max-bodi = 50\n";
    const CliRun run = sandbox.run({"run", "--config", config.string()});
    CHECK(run.status == 2);
    CHECK_THAT(run.err, Catch::Contains("unknown key 'max-bodi'"));
  }
  SECTION("a key holding %canonical_option% (Boost's message looped on it)") {
    std::ofstream(config) << "%canonical_option% = 50\n";
    const CliRun run = sandbox.run({"run", "--config", config.string()});
    CHECK(run.status == 2);
    CHECK_THAT(run.err, Catch::Contains("'%canonical_option%'"));
  }
}
