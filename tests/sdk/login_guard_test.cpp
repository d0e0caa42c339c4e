// The shipped login_guard plugin: failed logins per user in a sliding
// window, one lockout suggestion per window, resets by success or action.
// Loaded through eventhost/testing.hpp, as its author would test it.
#include <catch2/catch.hpp>
#include <eventhost/testing.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "shipped_plugin.h"

namespace {

constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kStart = 1'700'000'000 * kSecond;

using Settings = std::map<std::string, std::string>;

// Feeds login_guard events with increasing ids and chosen emit times.
class Guard {
 public:
  explicit Guard(const Settings& settings = {})
      : plugin_(shipped_plugin("login_guard"), settings) {}

  std::int32_t failed(const std::string& user, std::int64_t at_s,
                      std::uint64_t id = 0) {
    return send("auth.login_failed", user, at_s, id);
  }
  std::int32_t logged_in(const std::string& user, std::int64_t at_s) {
    return send("auth.login", user, at_s, 0);
  }

  std::size_t suggestions() const { return plugin_.emitted().size(); }
  nlohmann::json last_suggestion() const {
    REQUIRE_FALSE(plugin_.emitted().empty());
    CHECK(plugin_.emitted().back().event == "login_guard.lockout_suggested");
    return nlohmann::json::parse(plugin_.emitted().back().payload);
  }
  eventhost::testing::Plugin& plugin() { return plugin_; }

 private:
  std::int32_t send(const char* event, const std::string& user,
                    std::int64_t at_s, std::uint64_t id) {
    std::string payload =
        user.empty() ? "{}" : nlohmann::json{{"username", user}}.dump();
    const auto call = plugin_.feed(
        event, payload, {id != 0 ? id : ++next_id_, kStart + at_s * kSecond});
    REQUIRE(call.called);
    return call.code;
  }

  eventhost::testing::Plugin plugin_;
  std::uint64_t next_id_ = 1000;
};

const Settings kTwoInAMinute = {{"max_attempts", "2"},
                                {"window_seconds", "60"}};

}  // namespace

TEST_CASE("login_guard suggests a lockout when a user reaches max_attempts") {
  Guard guard({{"max_attempts", "3"}, {"window_seconds", "60"}});
  CHECK(guard.failed("ann", 0) == EH_OK);
  CHECK(guard.failed("bob", 1) == EH_OK);
  CHECK(guard.failed("ann", 2) == EH_OK);
  CHECK(guard.suggestions() == 0);
  CHECK(guard.failed("ann", 3) == EH_OK);
  REQUIRE(guard.suggestions() == 1);
  CHECK(guard.last_suggestion() == nlohmann::json{{"username", "ann"},
                                                  {"attempts", 3},
                                                  {"window_seconds", 60}});
}

TEST_CASE("login_guard suggests once per window, then again after it") {
  Guard guard(kTwoInAMinute);
  guard.failed("ann", 0);
  guard.failed("ann", 1);
  guard.failed("ann", 2);
  guard.failed("ann", 30);
  CHECK(guard.suggestions() == 1);
  guard.failed("ann", 62);
  CHECK(guard.suggestions() == 2);
}

TEST_CASE("login_guard forgets failures older than the window") {
  Guard guard(kTwoInAMinute);
  guard.failed("ann", 0);
  guard.failed("ann", 61);
  CHECK(guard.suggestions() == 0);
  guard.failed("ann", 62);
  CHECK(guard.suggestions() == 1);
}

TEST_CASE("login_guard counts a redelivered failure once") {
  Guard guard(kTwoInAMinute);
  guard.failed("ann", 0, 7);
  guard.failed("ann", 0, 7);
  CHECK(guard.suggestions() == 0);
}

TEST_CASE("login_guard uses the default limits when not configured") {
  Guard guard;
  for (int i = 0; i < 4; ++i) guard.failed("ann", i * 70);
  CHECK(guard.suggestions() == 0);  // 4 failures in 300 s: below 5
  guard.failed("ann", 290);
  CHECK(guard.suggestions() == 1);
}

TEST_CASE("login_guard resets a user on a successful login") {
  Guard guard(kTwoInAMinute);
  guard.failed("ann", 0);
  CHECK(guard.logged_in("ann", 1) == EH_OK);
  guard.failed("ann", 2);
  CHECK(guard.suggestions() == 0);
}

TEST_CASE("login_guard ignores events without a username") {
  Guard guard({{"max_attempts", "1"}, {"window_seconds", "60"}});
  CHECK(guard.failed("", 0) == EH_OK);
  CHECK(guard.logged_in("", 1) == EH_OK);
  CHECK(guard.suggestions() == 0);
}

TEST_CASE("login_guard reset action clears one user or all of them") {
  Guard guard(kTwoInAMinute);
  guard.failed("ann", 0);
  guard.failed("bob", 0);
  guard.failed("cid", 0);
  auto& plugin = guard.plugin();
  auto one = plugin.action("reset", R"({"username":"ann"})");
  REQUIRE(one.ok());
  CHECK(one.result == "cleared the failed-login counters of 1 user");
  guard.failed("ann", 1);
  CHECK(guard.suggestions() == 0);
  auto all = plugin.action("reset");
  REQUIRE(all.ok());
  CHECK(all.result == "cleared the failed-login counters of 3 users");
  guard.failed("bob", 2);
  CHECK(guard.suggestions() == 0);
}

TEST_CASE("login_guard refuses a limit of zero; the host refuses the rest") {
  Guard guard;
  auto& plugin = guard.plugin();
  const auto zero = plugin.set("max_attempts", "0");
  CHECK(zero.code == EH_ERR_INVALID_ARGUMENT);
  CHECK(zero.error.find("max_attempts") != std::string::npos);
  // An undeclared action and a mistyped value never reach the plugin.
  CHECK_THROWS_AS(plugin.action("explode"), std::invalid_argument);
  CHECK_THROWS_AS(plugin.set("window_seconds", "\"soon\""),
                  std::invalid_argument);
}
