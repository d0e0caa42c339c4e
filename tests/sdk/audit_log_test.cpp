// The shipped audit_log plugin: one JSON line per event, appended to the
// file its `path` setting names, and a clear error while it has none.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "loaded_plugin.h"

namespace fs = std::filesystem;

namespace {

// A fresh file path under the build tree, removed with its folder after.
struct TempDir {
  TempDir()
      : dir(fs::path(EH_BINARY_DIR) / "tmp" /
            ("audit_log_" + std::to_string(::getpid()))) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempDir() { fs::remove_all(dir); }
  fs::path dir;
};

std::vector<std::string> lines_of(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string settings_with_path(const fs::path& path) {
  return nlohmann::json{{"path", path.string()}}.dump();
}

}  // namespace

TEST_CASE("audit_log fails every event until its path is set, saying how") {
  LoadedPlugin plugin("audit_log");
  REQUIRE(plugin.init_rc == EH_OK);
  REQUIRE(plugin.configure(R"({"path":""})") == EH_OK);
  std::string payload = "{}";
  eh_event ev = recording_host::make_event("channel.created", payload);
  CHECK(plugin.deliver("eh_on_any_event", ev) == EH_ERR_INVALID_ARGUMENT);
  REQUIRE(plugin.ctx.errors.size() == 1);
  CHECK(plugin.ctx.errors[0] ==
        "audit_log: set the 'path' setting: eventhost plugins configure "
        "audit_log path=/var/log/eventhost/audit.jsonl");
}

TEST_CASE("audit_log appends one JSON line per event to its file") {
  TempDir tmp;
  fs::path file = tmp.dir / "audit.jsonl";
  std::ofstream(file) << "{\"earlier\":true}\n";
  LoadedPlugin plugin("audit_log");
  REQUIRE(plugin.configure(settings_with_path(file)) == EH_OK);

  std::string payload = R"({"channel_name":"News","channel_number":7})";
  eh_event ev = recording_host::make_event("channel.created", payload);
  REQUIRE(plugin.deliver("eh_on_any_event", ev) == EH_OK);
  ev.id = 43;
  ev.name = "auth.login_failed";
  ev.level = EH_LEVEL_CRITICAL;
  REQUIRE(plugin.deliver("eh_on_any_event", ev) == EH_OK);

  std::vector<std::string> lines = lines_of(file);
  REQUIRE(lines.size() == 3);
  nlohmann::json first = nlohmann::json::parse(lines[1]);
  CHECK(first["id"] == 42);
  CHECK(first["event"] == "channel.created");
  CHECK(first["level"] == "FULL");
  CHECK(first["emitted_at_us"] == 1700000000000000);
  CHECK(first["data"] == nlohmann::json::parse(payload));
  nlohmann::json second = nlohmann::json::parse(lines[2]);
  CHECK(second["id"] == 43);
  CHECK(second["level"] == "CRITICAL");
}

TEST_CASE("audit_log refuses a path it cannot open, naming it") {
  TempDir tmp;
  fs::path file = tmp.dir / "missing-folder" / "audit.jsonl";
  LoadedPlugin plugin("audit_log");
  CHECK(plugin.configure(settings_with_path(file)) == EH_ERR_FAILED);
  REQUIRE(plugin.ctx.errors.size() == 1);
  CHECK(plugin.ctx.errors[0].find(file.string()) != std::string::npos);
}
