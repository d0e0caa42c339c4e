// eventhost/testing.hpp itself: what it refuses and how (the shipped
// plugins' own tests show it at work on plugins that load).
#include <catch2/catch.hpp>
#include <eventhost/testing.hpp>
#include <stdexcept>
#include <string>

#include "shipped_plugin.h"

using eventhost::testing::Plugin;

namespace {

std::string load_error(const std::string& path) {
  try {
    Plugin plugin(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("harness: the loader's refusals reach the test with its message") {
  CHECK(has(load_error(test_plugin("wrong_abi")), "built for plugin ABI 2.0"));
  CHECK(
      has(load_error(test_plugin("no_manifest")), "has no eventhost manifest"));
  CHECK(has(load_error(test_plugin("garbage")), "not a shared library"));
  CHECK(has(load_error(test_plugin("bad_manifest")),
            "settings[0].default is invalid"));
  CHECK(has(load_error(test_plugin("nope")), "not a regular file"));
}

TEST_CASE("harness: a failing handler is an outcome with its reason") {
  Plugin plugin(test_plugin("failing"));
  const auto call = plugin.feed("channel.created");
  CHECK(call.called);
  CHECK(call.outcome == "error");
  CHECK(call.code == EH_ERR_FAILED);
  CHECK(call.error == "database unreachable");
}

TEST_CASE("harness: an event the plugin does not take is not a call") {
  Plugin plugin(shipped_plugin("event_logger"));
  CHECK(plugin.key() == "event_logger");
  CHECK(plugin.handles("channel.created"));
  CHECK_FALSE(plugin.handles("vod.movie_created"));
  const auto call = plugin.feed("vod.movie_created");
  CHECK_FALSE(call.called);
  CHECK_FALSE(call.ok());
  CHECK(call.outcome == "not handled");
}

TEST_CASE("harness: bad events, payloads and settings are the test's error") {
  Plugin plugin(shipped_plugin("event_logger"));
  try {
    plugin.feed("chanel.created");
    FAIL("an unknown event was accepted");
  } catch (const std::invalid_argument& e) {
    CHECK(has(e.what(), "did you mean 'channel.created'?"));
  }
  CHECK_THROWS_AS(plugin.feed("channel.created", "[1]"), std::invalid_argument);
  CHECK_THROWS_AS(plugin.set("log_channels", "\"yes\""), std::invalid_argument);
  CHECK_THROWS_AS(plugin.set("nope", "1"), std::invalid_argument);
  CHECK_THROWS_AS(Plugin(shipped_plugin("event_logger"), {{"nope", "1"}}),
                  std::invalid_argument);
}
