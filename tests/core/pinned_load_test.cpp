// The code that runs is the code that was pinned: a plugin is loaded from a
// private copy whose SHA-256 was checked, so the file on disk can change
// (even be overwritten in place) without touching the running plugin.
#include <catch2/catch.hpp>
#include <fstream>

#include "common/error.h"
#include "host_fixture.h"
#include "loader/sha256.h"

using namespace eventhost;
using namespace eventhost::testing;

namespace {

// Overwrites `target` in place (same inode), as `cp new.so plugins/x.so`
// does: the classic way to crash a process that mapped the old file.
void overwrite_in_place(const fs::path& target, const fs::path& source) {
  std::ifstream in(source, std::ios::binary);
  std::ofstream out(target, std::ios::binary | std::ios::trunc);
  out << in.rdbuf();
}

}  // namespace

TEST_CASE("a plugin whose bytes differ from its pin is refused at load") {
  Sandbox box;
  const fs::path file = box.add_test_plugin("recorder.so");
  const PluginFile inspected = inspect_plugin_file(file);
  REQUIRE(inspected.usable());
  const std::string wrong_pin = sha256_hex("not these bytes");
  try {
    LoadedPlugin::load(inspected, wrong_pin);
    FAIL("the load was not refused");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kRefused);
    CHECK_THAT(e.what(), Catch::Contains("no longer matches"));
  }
  CHECK(LoadedPlugin::load(inspected, sha256_file(file)) != nullptr);
}

TEST_CASE(
    "overwriting a loaded plugin's file in place does not disturb the "
    "running plugin") {
  Sandbox box;
  const fs::path recorder = box.add_test_plugin("recorder.so");
  const fs::path record = box.file("recorder.log");
  Outcomes outcomes;
  Host host(host_options(box, &outcomes));
  host.configure("recorder", {{"path", record.string()}});
  host.enable("recorder");
  REQUIRE(host.start(false).empty());

  host.emit("channel.created", channel_payload(1));
  REQUIRE(host.wait_idle(kIdleTimeout));
  overwrite_in_place(recorder, fs::path(EH_TEST_PLUGINS_DIR) / "failing.so");
  host.emit("channel.created", channel_payload(2));
  REQUIRE(host.wait_idle(kIdleTimeout));

  CHECK(outcomes.count("recorder", Outcome::kOk) == 2);
  CHECK(read_lines(record).size() == 2);
  CHECK_THAT(host.plugin("recorder").status, Catch::StartsWith("changed:"));
}
