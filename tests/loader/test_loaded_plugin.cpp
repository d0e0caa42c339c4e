// Loading enabled plugins: plugin code runs only here, never at discovery.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <memory>

#include "common/error.h"
#include "host_harness.h"
#include "loader/loaded_plugin.h"
#include "plugin_dir.h"

namespace eventhost {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using test::HostHarness;
using test::PluginDir;

// Points the marker plugin's constructor at `file` for one test.
class MarkerFileEnv {
 public:
  explicit MarkerFileEnv(const fs::path& file) {
    ::setenv("EH_MARKER_FILE", file.c_str(), 1);
  }
  ~MarkerFileEnv() { ::unsetenv("EH_MARKER_FILE"); }
};

PluginFile usable_file(const fs::path& path) {
  PluginFile file = inspect_plugin_file(path);
  INFO(file.problem);
  REQUIRE(file.usable());
  return file;
}

// A loaded recorder, initialised and configured to record into `record`.
struct Recorder {
  Recorder(const fs::path& plugin, const fs::path& record,
           const std::string& fail_first = "0")
      : loaded(LoadedPlugin::load(usable_file(plugin))) {
    host.settings["path"] = nlohmann::json(record.string()).dump();
    host.settings["fail_first"] = fail_first;
    REQUIRE(loaded->init()(host.api(), host.context()) == EH_OK);
    REQUIRE(loaded->configure()(host.context(), "{}") == EH_OK);
  }
  ~Recorder() { loaded->shutdown()(host.context()); }

  std::int32_t deliver(const std::string& symbol, const char* name,
                       std::uint64_t id) {
    const eh_event ev = host.event(name, id);
    eh_handler_fn fn = symbol == "eh_on_any_event" ? loaded->catch_all()
                                                   : loaded->handler(symbol);
    REQUIRE(fn != nullptr);
    return fn(&ev, host.context());
  }

  HostHarness host;
  std::unique_ptr<LoadedPlugin> loaded;
};

TEST_CASE(
    "inspecting the marker plugin runs none of its code; loading it "
    "does") {
  PluginDir dir;
  const fs::path plugin = dir.add("marker.so");
  const fs::path marker = dir.path() / "marker-ran";
  MarkerFileEnv env(marker);

  const ScanResult scan = scan_plugins_folder(dir.path());
  REQUIRE(scan.plugins.size() == 1);
  const PluginFile file = inspect_plugin_file(plugin);
  REQUIRE(file.usable());
  CHECK_FALSE(fs::exists(marker));

  auto loaded = LoadedPlugin::load(file);
  CHECK(fs::exists(marker));
  CHECK(loaded->handler("on_channel_created") != nullptr);
}

TEST_CASE("a loaded recorder writes one line per handler call") {
  PluginDir dir;
  const fs::path record = dir.path() / "record.txt";
  Recorder recorder(dir.add("recorder.so"), record);

  CHECK(recorder.deliver("on_channel_created", "channel.created", 7) == EH_OK);
  CHECK(recorder.deliver("eh_on_any_event", "auth.login", 8) == EH_OK);
  CHECK(recorder.deliver("on_recording_completed", "recording.completed", 9) ==
        EH_OK);

  CHECK(test::read_bytes(record) ==
        "on_channel_created 7 channel.created\n"
        "eh_on_any_event 8 auth.login\n"
        "on_recording_completed 9 recording.completed\n");
}

TEST_CASE("the recorder's first fail_first calls fail, then it succeeds") {
  PluginDir dir;
  const fs::path record = dir.path() / "record.txt";
  Recorder recorder(dir.add("recorder.so"), record, "2");

  CHECK(recorder.deliver("on_channel_created", "channel.created", 1) ==
        EH_ERR_FAILED);
  CHECK_THAT(recorder.host.error, Contains("fail_first"));
  CHECK(recorder.deliver("on_channel_created", "channel.created", 1) ==
        EH_ERR_FAILED);
  CHECK(recorder.deliver("on_channel_created", "channel.created", 1) == EH_OK);
  CHECK(test::read_bytes(record) ==
        "on_channel_created 1 channel.created\n"
        "on_channel_created 1 channel.created\n"
        "on_channel_created 1 channel.created\n");
}

TEST_CASE("the recorder answers the ping action with pong") {
  PluginDir dir;
  Recorder recorder(dir.add("recorder.so"), dir.path() / "record.txt");

  CHECK(recorder.loaded->action()(recorder.host.context(), "ping", "{}") ==
        EH_OK);
  CHECK(recorder.host.result == "pong");
  CHECK(recorder.loaded->action()(recorder.host.context(), "nope", "{}") ==
        EH_ERR_NOT_FOUND);
}

TEST_CASE("the failing plugin fails with its reason recorded") {
  PluginDir dir;
  auto loaded = LoadedPlugin::load(usable_file(dir.add("failing.so")));
  HostHarness host;
  const eh_event ev = host.event("channel.created", 1);

  CHECK(loaded->handler("on_channel_created")(&ev, host.context()) ==
        EH_ERR_FAILED);
  CHECK(host.error == "database unreachable");
  CHECK(loaded->init() == nullptr);
  CHECK(loaded->catch_all() == nullptr);
}

TEST_CASE("a handler the file does not export resolves to nothing") {
  PluginDir dir;
  auto loaded = LoadedPlugin::load(usable_file(dir.add("failing.so")));

  CHECK(loaded->handler("on_channel_deleted") == nullptr);
}

TEST_CASE("the slow plugin sleeps for its sleep_ms setting") {
  PluginDir dir;
  auto loaded = LoadedPlugin::load(usable_file(dir.add("slow.so")));
  HostHarness host;
  host.settings["sleep_ms"] = "30";
  const eh_event ev = host.event("channel.created", 1);

  const auto start = std::chrono::steady_clock::now();
  CHECK(loaded->handler("on_channel_created")(&ev, host.context()) == EH_OK);
  CHECK(std::chrono::steady_clock::now() - start >=
        std::chrono::milliseconds(30));
}

TEST_CASE("loading a file discovery refused is refused with its problem") {
  PluginDir dir;
  const PluginFile file = inspect_plugin_file(dir.add("no_manifest.so"));
  REQUIRE_FALSE(file.usable());

  try {
    LoadedPlugin::load(file);
    FAIL("load should have refused the file");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kRefused);
    CHECK_THAT(e.what(), StartsWith("cannot load " + file.path.string()) &&
                             Contains("no eventhost manifest"));
  }
}

TEST_CASE(
    "a library exporting another ABI major version is refused at load "
    "even when discovery is bypassed") {
  PluginDir dir;
  PluginFile file;  // as if discovery had been fooled: no problem recorded
  file.path = dir.add("wrong_abi.so");
  file.handler_symbols = {"on_channel_created"};

  try {
    LoadedPlugin::load(file);
    FAIL("load should have refused the ABI 2.0 library");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kRefused);
    CHECK_THAT(e.what(), Contains("built for plugin ABI 2.0") &&
                             Contains("rebuild the plugin"));
  }
}

TEST_CASE(
    "a file that stopped being a library is refused with the dynamic "
    "linker's reason") {
  PluginDir dir;
  PluginFile file;
  file.path = dir.add("garbage.so");

  try {
    LoadedPlugin::load(file);
    FAIL("load should have refused garbage");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kRefused);
    // dlerror() names the file and the reason, e.g. "invalid ELF header".
    CHECK_THAT(e.what(), StartsWith("cannot load " + file.path.string() + ": " +
                                    file.path.string()));
  }
}

TEST_CASE("a symbol discovery listed but the file lacks refuses the load") {
  PluginDir dir;
  PluginFile file = usable_file(dir.add("failing.so"));
  file.handler_symbols.push_back("on_channel_deleted");

  CHECK_THROWS_WITH(LoadedPlugin::load(file), Contains("on_channel_deleted") &&
                                                  Contains("the file changed"));
}

}  // namespace
}  // namespace eventhost
