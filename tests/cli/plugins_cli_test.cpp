// `eventhost plugins ...` end to end: discovery as data, enabling with a
// pinned SHA-256, settings, actions, and refusals, each through the real
// binary and a state file shared only by successive processes.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "cli_sandbox.h"

using eventhost::test::CliRun;
using eventhost::test::CliSandbox;
using eventhost::test::json_of;
namespace fs = std::filesystem;

namespace {

const nlohmann::json* find_key(const nlohmann::json& list,
                               const std::string& key) {
  for (const auto& plugin : list) {
    if (plugin["key"] == key) return &plugin;
  }
  return nullptr;
}

}  // namespace

TEST_CASE(
    "plugins list shows a new plugin disabled and a garbage file with "
    "its reason") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  sandbox.add_plugin("garbage.so");
  const auto listed = json_of(sandbox.run({"plugins", "list", "--json"}));
  REQUIRE(listed.size() == 2);
  const auto* recorder = find_key(listed, "recorder");
  REQUIRE(recorder != nullptr);
  CHECK((*recorder)["enabled"] == false);
  CHECK((*recorder)["status"] == "disabled");
  CHECK((*recorder)["handles"].dump().find("channel.created") !=
        std::string::npos);
  const auto* garbage = find_key(listed, "garbage.so");
  REQUIRE(garbage != nullptr);
  CHECK_THAT((*garbage)["status"].get<std::string>(),
             Catch::StartsWith("invalid: ") && Catch::Contains("ELF"));

  const CliRun table = sandbox.run({"plugins", "list"});
  CHECK(table.status == 0);
  CHECK_THAT(table.out, Catch::StartsWith("KEY "));
  CHECK_THAT(table.out, Catch::Contains("garbage.so: invalid: "));
}

TEST_CASE("listing and inspecting never run plugin code; enabling does") {
  CliSandbox sandbox;
  sandbox.add_plugin("marker.so");
  const fs::path marker = sandbox.root() / "marker-ran";
  sandbox.set_env("EH_MARKER_FILE", marker.string());

  CHECK(sandbox.run({"plugins", "list"}).status == 0);
  CHECK(sandbox.run({"plugins", "info", "marker"}).status == 0);
  CHECK(sandbox.run({"plugins", "list", "--json"}).status == 0);
  CHECK(sandbox.run({"events", "list"}).status == 0);
  CHECK_FALSE(fs::exists(marker));

  const CliRun enabled = sandbox.run({"plugins", "enable", "marker"});
  INFO(enabled.err);
  CHECK(enabled.status == 0);
  CHECK(fs::exists(marker));
}

TEST_CASE("enabling pins the plugin's SHA-256 for later invocations") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  const CliRun enabled = sandbox.run({"plugins", "enable", "recorder"});
  CHECK(enabled.status == 0);
  CHECK_THAT(enabled.out, Catch::StartsWith("enabled recorder (sha256 "));
  const auto info =
      json_of(sandbox.run({"plugins", "info", "recorder", "--json"}));
  CHECK(info["enabled"] == true);
  CHECK(info["status"] == "ok");
  CHECK(info["sha256_pinned"].get<std::string>().size() == 64);
  CHECK_THAT(
      enabled.out,
      Catch::Contains(info["sha256_pinned"].get<std::string>().substr(0, 12)));
}

TEST_CASE(
    "a plugin file changed after enable shows as changed and is not "
    "called") {
  CliSandbox sandbox;
  const fs::path file = sandbox.add_plugin("recorder.so");
  const fs::path record = sandbox.enable_recorder();
  std::ofstream(file, std::ios::app | std::ios::binary) << 'x';

  const auto info =
      json_of(sandbox.run({"plugins", "info", "recorder", "--json"}));
  CHECK_THAT(info["status"].get<std::string>(),
             Catch::StartsWith("changed: ") &&
                 Catch::Contains("eventhost plugins enable recorder"));
  const CliRun emitted = sandbox.run({"emit", "channel.created"});
  CHECK(emitted.status == 0);
  CHECK_THAT(emitted.out, Catch::Contains("-> 0 plugins"));
  CHECK_FALSE(fs::exists(record));
}

TEST_CASE("enabling an unusable file is refused with status 5") {
  CliSandbox sandbox;
  sandbox.add_plugin("garbage.so");
  const CliRun run = sandbox.run({"plugins", "enable", "garbage.so"});
  CHECK(run.status == 5);
  CHECK_THAT(run.err, Catch::StartsWith("eventhost: error: cannot enable "
                                        "garbage.so"));
}

TEST_CASE("an unknown plugin exits with 3 and names the known ones") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  for (const char* command : {"info", "enable", "disable"}) {
    const CliRun run = sandbox.run({"plugins", command, "recordr"});
    INFO(command);
    CHECK(run.status == 3);
    CHECK_THAT(run.err, Catch::Contains("known plugins: recorder"));
  }
}

TEST_CASE("configure stores typed settings and refuses unknown or bad ones") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  const CliRun set = sandbox.run(
      {"plugins", "configure", "recorder", "fail_first=2", "path=/tmp/x y"});
  CHECK(set.status == 0);
  CHECK_THAT(set.out, Catch::Contains("fail_first  2"));

  const auto current =
      json_of(sandbox.run({"plugins", "configure", "recorder", "--json"}));
  CHECK(current["fail_first"] == 2);
  CHECK(current["path"] == "/tmp/x y");

  const CliRun unknown =
      sandbox.run({"plugins", "configure", "recorder", "colour=red"});
  CHECK(unknown.status == 3);
  CHECK_THAT(unknown.err, Catch::Contains("path fail_first"));
  const CliRun bad =
      sandbox.run({"plugins", "configure", "recorder", "fail_first=many"});
  CHECK(bad.status == 4);
  const CliRun malformed =
      sandbox.run({"plugins", "configure", "recorder", "fail_first"});
  CHECK(malformed.status == 2);
  const auto after =
      json_of(sandbox.run({"plugins", "info", "recorder", "--json"}));
  CHECK(after["settings"]["fail_first"] == 2);
}

TEST_CASE("plugins run calls an action of an enabled plugin") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  const CliRun not_running =
      sandbox.run({"plugins", "run", "recorder", "ping"});
  CHECK(not_running.status == 5);
  CHECK_THAT(not_running.err,
             Catch::Contains("eventhost plugins enable recorder"));

  sandbox.enable_recorder();
  const CliRun ping = sandbox.run({"plugins", "run", "recorder", "ping"});
  CHECK(ping.status == 0);
  CHECK(ping.out == "pong\n");
  const CliRun unknown = sandbox.run({"plugins", "run", "recorder", "pong"});
  CHECK(unknown.status == 3);
  const CliRun bad_params =
      sandbox.run({"plugins", "run", "recorder", "ping", "--params", "[1"});
  CHECK(bad_params.status == 4);
}

TEST_CASE("enabling announces plugin.enabled to the plugins already enabled") {
  CliSandbox sandbox;
  sandbox.add_plugin("audit_log.so");
  sandbox.add_plugin("recorder.so");
  const fs::path audit = sandbox.root() / "audit.jsonl";
  CHECK(
      sandbox
          .run({"plugins", "configure", "audit_log", "path=" + audit.string()})
          .status == 0);
  CHECK(sandbox.run({"plugins", "enable", "audit_log"}).status == 0);
  CHECK(sandbox.run({"plugins", "enable", "recorder"}).status == 0);
  CHECK(sandbox.run({"plugins", "disable", "recorder"}).status == 0);
  const std::string lines = eventhost::test::read_text(audit);
  CHECK_THAT(lines, Catch::Contains("\"plugin.enabled\"") &&
                        Catch::Contains("\"recorder\""));
  CHECK_THAT(lines, Catch::Contains("\"plugin.disabled\""));
}

TEST_CASE(
    "disabling a disabled plugin or configuring a setting to its value emits "
    "nothing") {
  CliSandbox sandbox;
  sandbox.add_plugin("audit_log.so");
  sandbox.add_plugin("recorder.so");
  const fs::path audit = sandbox.root() / "audit.jsonl";
  REQUIRE(
      sandbox
          .run({"plugins", "configure", "audit_log", "path=" + audit.string()})
          .status == 0);
  REQUIRE(sandbox.run({"plugins", "enable", "audit_log"}).status == 0);
  REQUIRE(sandbox.run({"plugins", "enable", "recorder"}).status == 0);
  const std::string path = "path=" + (sandbox.root() / "rec.txt").string();
  for (int i = 0; i < 2; ++i) {
    CHECK(sandbox.run({"plugins", "configure", "recorder", path}).status == 0);
  }
  for (int i = 0; i < 2; ++i) {
    const CliRun disable = sandbox.run({"plugins", "disable", "recorder"});
    CHECK(disable.status == 0);
    if (i == 1) {
      CHECK_THAT(disable.out, Catch::Contains("was not enabled"));
    }
  }
  const auto plugin_events = json_of(
      sandbox.run({"journal", "list", "--event", "plugin.*", "--json"}));
  std::map<std::string, int> count;
  for (const auto& entry : plugin_events) {
    if (entry["payload"]["plugin_key"] == "recorder") {
      ++count[entry["event"].get<std::string>()];
    }
  }
  CHECK(count["plugin.enabled"] == 1);
  CHECK(count["plugin.configured"] == 1);
  CHECK(count["plugin.disabled"] == 1);
  // audit_log, enabled throughout, heard each of them once.
  const std::string lines = eventhost::test::read_text(audit);
  for (const char* event :
       {"plugin.enabled", "plugin.configured", "plugin.disabled"}) {
    INFO(event);
    std::size_t heard = 0;
    std::istringstream in(lines);
    for (std::string line; std::getline(in, line);) {
      heard +=
          line.find(std::string("\"") + event + "\"") != std::string::npos &&
          line.find("\"recorder\"") != std::string::npos;
    }
    CHECK(heard == 1);
  }
}

TEST_CASE(
    "a plugins folder writable by others makes plugins list say which, its "
    "mode and the fix, and exit 5") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  fs::permissions(sandbox.plugins_dir(), fs::perms(0777));
  for (const bool json : {false, true}) {
    const CliRun run = json ? sandbox.run({"plugins", "list", "--json"})
                            : sandbox.run({"plugins", "list"});
    INFO(run.err);
    CHECK(run.status == 5);
    CHECK(run.out.empty());
    CHECK_THAT(
        run.err,
        Catch::Contains(sandbox.plugins_dir().string() +
                        " is writable by group or others (mode 0777)") &&
            Catch::Contains("chmod go-w " + sandbox.plugins_dir().string()));
  }
  const CliRun enable = sandbox.run({"plugins", "enable", "recorder"});
  CHECK(enable.status == 5);
  CHECK_THAT(enable.err, Catch::Contains("chmod go-w"));
}

TEST_CASE(
    "an unusable plugin file is listed under its manifest's key, and "
    "enabling it says why it is refused") {
  CliSandbox sandbox;
  const fs::path file = sandbox.add_plugin("recorder.so");
  fs::permissions(file, fs::perms(0666));
  const auto listed = json_of(sandbox.run({"plugins", "list", "--json"}));
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["key"] == "recorder");
  CHECK_THAT(listed[0]["status"].get<std::string>(),
             Catch::StartsWith("invalid: ") && Catch::Contains("chmod go-w"));

  const CliRun enable = sandbox.run({"plugins", "enable", "recorder"});
  CHECK(enable.status == 5);
  CHECK_THAT(enable.err, Catch::Contains("writable by group or others") &&
                             Catch::Contains("chmod go-w " + file.string()));

  // A file whose manifest cannot be read is named by its file name; its
  // stem names it too, with the reason.
  sandbox.add_plugin("garbage.so");
  const CliRun garbage = sandbox.run({"plugins", "enable", "garbage"});
  CHECK(garbage.status == 5);
  CHECK_THAT(garbage.err, Catch::Contains("garbage.so is unusable: ") &&
                              Catch::Contains("not a shared library"));
}
