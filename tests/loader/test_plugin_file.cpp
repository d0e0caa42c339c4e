// Discovery: inspecting plugin files as data and scanning a plugins folder.
#include <eventhost/plugin.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "loader/plugin_file.h"
#include "plugin_dir.h"

namespace eventhost {
namespace {

using Catch::Matchers::Contains;
using test::PluginDir;

TEST_CASE(
    "the recorder plugin is inspected with its key, handlers and "
    "lifecycle exports") {
  PluginDir dir;
  const PluginFile file = inspect_plugin_file(dir.add("recorder.so"));

  INFO(file.problem);
  REQUIRE(file.usable());
  REQUIRE(file.manifest.has_value());
  CHECK(file.manifest->key == "recorder");
  CHECK(file.manifest->subscribe == std::vector<std::string>{"auth.*"});
  CHECK(file.manifest->find_action("ping") != nullptr);
  REQUIRE(file.manifest->find_setting("path") != nullptr);
  CHECK(file.manifest->find_setting("fail_first")->default_value == 0);
  CHECK(EH_ABI_MAJOR_OF(file.abi_version) == EH_ABI_VERSION_MAJOR);
  CHECK(
      file.handler_symbols ==
      std::vector<std::string>{"on_channel_created", "on_recording_completed"});
  CHECK(file.has_catch_all);
  CHECK(file.has_init);
  CHECK(file.has_configure);
  CHECK(file.has_shutdown);
  CHECK(file.has_action);
}

TEST_CASE("a plugin without lifecycle exports reports none") {
  PluginDir dir;
  const PluginFile file = inspect_plugin_file(dir.add("failing.so"));

  INFO(file.problem);
  REQUIRE(file.usable());
  CHECK(file.manifest->key == "failing");
  CHECK(file.manifest->subscribe == std::vector<std::string>{"*"});
  CHECK(file.handler_symbols == std::vector<std::string>{"on_channel_created"});
  CHECK_FALSE(file.has_catch_all);
  CHECK_FALSE(file.has_init);
  CHECK_FALSE(file.has_configure);
  CHECK_FALSE(file.has_shutdown);
  CHECK_FALSE(file.has_action);
}

TEST_CASE("the slow plugin's manifest carries its 100 ms time budget") {
  PluginDir dir;
  const PluginFile file = inspect_plugin_file(dir.add("slow.so"));

  INFO(file.problem);
  REQUIRE(file.usable());
  CHECK(file.manifest->timeout_ms == 100);
  CHECK(file.manifest->find_setting("sleep_ms")->default_value == 300);
}

TEST_CASE("a file of random bytes is refused as not a shared library") {
  PluginDir dir;
  const PluginFile file = inspect_plugin_file(dir.add("garbage.so"));

  CHECK_FALSE(file.usable());
  CHECK_THAT(file.problem, Contains("not a shared library"));
  CHECK_FALSE(file.manifest.has_value());
}

TEST_CASE("a truncated plugin is refused as damaged") {
  PluginDir dir;
  const PluginFile file = inspect_plugin_file(dir.add("truncated.so"));

  CHECK_FALSE(file.usable());
  CHECK_THAT(file.problem,
             Contains("not a valid shared library") && Contains("truncated"));
  CHECK_FALSE(file.manifest.has_value());
}

TEST_CASE("an empty .so file is refused as not a shared library") {
  PluginDir dir;
  const PluginFile file = inspect_plugin_file(dir.add_bytes("empty.so", ""));

  CHECK_THAT(file.problem, Contains("not a shared library"));
}

TEST_CASE(
    "a library without a manifest section is refused with how to add "
    "one") {
  PluginDir dir;
  const PluginFile file = inspect_plugin_file(dir.add("no_manifest.so"));

  CHECK_FALSE(file.usable());
  CHECK_THAT(file.problem, Contains("no eventhost manifest") &&
                               Contains("eventhost_add_plugin") &&
                               Contains("EH_PLUGIN_MANIFEST"));
  // The symbols were still read, so `plugins info` can show them.
  CHECK(file.handler_symbols == std::vector<std::string>{"on_channel_created"});
}

TEST_CASE(
    "a plugin built for another ABI major version is refused with "
    "rebuild advice") {
  PluginDir dir;
  const PluginFile file = inspect_plugin_file(dir.add("wrong_abi.so"));

  CHECK_FALSE(file.usable());
  CHECK(file.abi_version == (2u << 16));
  CHECK(file.problem ==
        "built for plugin ABI 2.0, this host speaks 1.x: rebuild the plugin "
        "against this eventhost SDK");
}

TEST_CASE("a plugin file writable by others is refused with chmod advice") {
  PluginDir dir;
  const auto path = dir.add("recorder.so");
  const auto mode = GENERATE(0664, 0646, 0666);
  std::filesystem::permissions(path, std::filesystem::perms(mode));

  const PluginFile file = inspect_plugin_file(path);

  CHECK_FALSE(file.usable());
  CHECK_THAT(file.problem, Contains("writable by group or others") &&
                               Contains("chmod go-w " + path.string()));
  // Read as data all the same, so that commands can name it by its key.
  REQUIRE(file.manifest.has_value());
  CHECK(file.manifest->key == "recorder");
}

TEST_CASE("a plugins folder writable by others is refused entirely") {
  PluginDir dir;
  dir.add("recorder.so");
  const auto mode = GENERATE(0775, 0757, 01777);
  std::filesystem::permissions(dir.path(), std::filesystem::perms(mode));

  const ScanResult scan = scan_plugins_folder(dir.path());

  CHECK(scan.plugins.empty());
  CHECK_THAT(scan.folder_problem,
             Contains("writable by group or others") &&
                 Contains("chmod go-w " + dir.path().string()));
}

TEST_CASE("a missing plugins folder is an empty scan that says so") {
  PluginDir dir;
  const auto missing = dir.path() / "nowhere";

  const ScanResult scan = scan_plugins_folder(missing);

  CHECK(scan.plugins.empty());
  CHECK_THAT(scan.folder_problem,
             Contains(missing.string()) && Contains("does not exist"));
}

TEST_CASE(
    "a scan lists every .so sorted by path, usable or not, and skips "
    "other files") {
  PluginDir dir;
  dir.add("recorder.so");
  dir.add("garbage.so");
  dir.add("failing.so");
  dir.add_bytes("README.txt", "not a plugin");

  const ScanResult scan = scan_plugins_folder(dir.path());

  INFO(scan.folder_problem);
  REQUIRE(scan.folder_problem.empty());
  std::vector<std::string> names;
  for (const PluginFile& p : scan.plugins) {
    names.push_back(p.path.filename().string());
  }
  CHECK(names ==
        std::vector<std::string>{"failing.so", "garbage.so", "recorder.so"});
  CHECK(scan.plugins[0].usable());
  CHECK_FALSE(scan.plugins[1].usable());
  CHECK(scan.plugins[2].usable());
}

TEST_CASE("a folder named like a plugin is reported, not followed") {
  PluginDir dir;
  std::filesystem::create_directory(dir.path() / "sub.so");

  const ScanResult scan = scan_plugins_folder(dir.path());

  REQUIRE(scan.plugins.size() == 1);
  CHECK_THAT(scan.plugins[0].problem, Contains("not a regular file"));
}

}  // namespace
}  // namespace eventhost
