// eventhost/testing.hpp, used as a plugin author uses it: the shipped
// plugins are loaded from their built files through the host loader, fed
// events, and judged by what they logged, emitted and returned; broken
// files are refused with the loader's own messages.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <eventhost/testing.hpp>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace fs = std::filesystem;
using eventhost::testing::Plugin;

namespace {

std::string shipped(const std::string& name) {
  return std::string(EH_PLUGINS_DIR) + "/" + name + ".so";
}

std::string test_plugin(const std::string& name) {
  return std::string(EH_TEST_PLUGINS_DIR) + "/" + name + ".so";
}

std::string load_error(const std::string& path) {
  try {
    Plugin plugin(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("harness: event_logger logs a channel and obeys its settings") {
  Plugin plugin(shipped("event_logger"));
  CHECK(plugin.key() == "event_logger");
  auto call = plugin.feed("channel.created",
                          R"({"channel_name":"News","channel_number":7})");
  CHECK(call.ok());
  CHECK(call.symbol == "on_channel_created");
  REQUIRE(plugin.logs().size() == 1);
  CHECK(plugin.logs()[0].message == "Channel created: News (#7)");
  CHECK(plugin.logs()[0].severity == EH_LOG_INFO);

  CHECK(plugin.set("log_channels", "false").ok());
  plugin.clear();
  CHECK(plugin.feed("channel.created", R"({"channel_name":"News"})").ok());
  CHECK(plugin.logs().empty());
  CHECK_FALSE(plugin.handles("vod.movie_created"));
  CHECK_FALSE(plugin.feed("vod.movie_created").called);
}

TEST_CASE("harness: login_guard emits its declared event at the limit") {
  Plugin plugin(shipped("login_guard"),
                {{"max_attempts", "2"}, {"window_seconds", "60"}});
  const std::int64_t start = 1'700'000'000'000'000;
  for (int i = 0; i < 2; ++i) {
    CHECK(plugin
              .feed("auth.login_failed", R"({"username":"ann"})",
                    {0, start + i * 1'000'000})
              .ok());
  }
  REQUIRE(plugin.emitted().size() == 1);
  CHECK(plugin.emitted()[0].event == "login_guard.lockout_suggested");
  CHECK(plugin.emitted()[0].payload.find("\"ann\"") != std::string::npos);

  auto reset = plugin.action("reset", R"({"username":"ann"})");
  CHECK(reset.ok());
  CHECK_THROWS_AS(plugin.action("nope"), std::invalid_argument);
}

TEST_CASE("harness: audit_log reports its missing path, then writes lines") {
  Plugin plugin(shipped("audit_log"));
  auto call = plugin.feed("auth.login", R"({"username":"ann"})", {7, 0});
  CHECK(call.called);
  CHECK(call.outcome == "error");
  CHECK(call.code == EH_ERR_INVALID_ARGUMENT);
  CHECK(call.error.find("set the 'path' setting") != std::string::npos);

  const fs::path file =
      fs::path(EH_BINARY_DIR) / "tmp" /
      ("harness_audit_" + std::to_string(::getpid()) + ".jsonl");
  fs::create_directories(file.parent_path());
  CHECK(plugin.set("path", "\"" + file.string() + "\"").ok());
  CHECK(plugin.feed("auth.login", R"({"username":"ann"})", {8, 0}).ok());
  std::ifstream in(file);
  std::string line;
  REQUIRE(std::getline(in, line));
  CHECK(line.find("\"id\":8") != std::string::npos);
  fs::remove(file);
}

TEST_CASE("harness: a thrown exception is an outcome, not a crash") {
  Plugin plugin(test_plugin("thrower"));
  auto call = plugin.feed("channel.created", R"({"channel_id":5})");
  CHECK(call.outcome == "exception");
  CHECK(call.code == EH_ERR_EXCEPTION);
  CHECK(call.error == "boom: channel 5");
}

TEST_CASE("harness: the loader's refusals reach the test with its message") {
  CHECK(load_error(test_plugin("wrong_abi")).find("built for plugin ABI") !=
        std::string::npos);
  CHECK(load_error(test_plugin("no_manifest"))
            .find("has no eventhost "
                  "manifest") != std::string::npos);
  CHECK(load_error(test_plugin("garbage")).find("not a shared library") !=
        std::string::npos);
}

TEST_CASE("harness: bad events and settings are the test's mistake") {
  Plugin plugin(shipped("event_logger"));
  try {
    plugin.feed("chanel.created");
    FAIL("an unknown event was accepted");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("channel.created") != std::string::npos);
  }
  CHECK_THROWS_AS(plugin.feed("channel.created", "[1]"), std::invalid_argument);
  CHECK_THROWS_AS(plugin.set("log_channels", "\"yes\""), std::invalid_argument);
  CHECK_THROWS_AS(plugin.set("nope", "1"), std::invalid_argument);
}
