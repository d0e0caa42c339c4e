// The shipped audit_log plugin: one JSON line per event, appended to the
// file its `path` setting names, and a clear error while it has none.
// Loaded through eventhost/testing.hpp, as its author would test it.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <eventhost/testing.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "shipped_plugin.h"

namespace fs = std::filesystem;
using eventhost::testing::Plugin;

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

// A path as the JSON text of a string setting.
std::string json_text(const fs::path& path) {
  return nlohmann::json(path.string()).dump();
}

}  // namespace

TEST_CASE("audit_log fails every event until its path is set, saying how") {
  Plugin plugin(shipped_plugin("audit_log"));
  const auto call = plugin.feed("channel.created");
  CHECK(call.symbol == "eh_on_any_event");
  CHECK(call.outcome == "error");
  CHECK(call.code == EH_ERR_INVALID_ARGUMENT);
  CHECK(call.error ==
        "audit_log: set the 'path' setting: eventhost plugins configure "
        "audit_log path=/var/log/eventhost/audit.jsonl");
}

TEST_CASE("audit_log appends one JSON line per event to its file") {
  TempDir tmp;
  fs::path file = tmp.dir / "audit.jsonl";
  std::ofstream(file) << "{\"earlier\":true}\n";
  Plugin plugin(shipped_plugin("audit_log"), {{"path", json_text(file)}});

  const std::int64_t at = 1700000000000000;
  std::string payload = R"({"channel_name":"News","channel_number":7})";
  REQUIRE(plugin.feed("channel.created", payload, {42, at}).ok());
  REQUIRE(plugin.feed("auth.login_failed", "{}", {43, at}).ok());

  std::vector<std::string> lines = lines_of(file);
  REQUIRE(lines.size() == 3);
  nlohmann::json first = nlohmann::json::parse(lines[1]);
  CHECK(first["id"] == 42);
  CHECK(first["event"] == "channel.created");
  CHECK(first["level"] == "FULL");
  CHECK(first["emitted_at_us"] == at);
  CHECK(first["data"] == nlohmann::json::parse(payload));
  nlohmann::json second = nlohmann::json::parse(lines[2]);
  CHECK(second["id"] == 43);
  CHECK(second["level"] == "CRITICAL");
}

TEST_CASE("audit_log refuses a path it cannot open, naming it") {
  TempDir tmp;
  fs::path file = tmp.dir / "missing-folder" / "audit.jsonl";
  Plugin plugin(shipped_plugin("audit_log"));
  const auto call = plugin.set("path", json_text(file));
  CHECK(call.code == EH_ERR_FAILED);
  CHECK(call.error.find(file.string()) != std::string::npos);
}
