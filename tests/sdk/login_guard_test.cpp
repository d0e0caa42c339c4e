// The shipped login_guard plugin: failed logins per user in a sliding
// window, one lockout suggestion per window, resets by success or action.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "loaded_plugin.h"

namespace {

constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kStart = 1'700'000'000 * kSecond;

// Feeds login_guard events with increasing ids and chosen emit times.
class Guard {
 public:
  explicit Guard(const std::string& settings) : plugin_("login_guard") {
    REQUIRE(plugin_.init_rc == EH_OK);
    REQUIRE(plugin_.configure(settings) == EH_OK);
  }

  std::int32_t failed(const std::string& user, std::int64_t at_s,
                      std::uint64_t id = 0) {
    return send("on_auth_login_failed", user, at_s, id);
  }
  std::int32_t logged_in(const std::string& user, std::int64_t at_s) {
    return send("on_auth_login", user, at_s, 0);
  }

  std::size_t suggestions() const { return plugin_.ctx.emitted.size(); }
  nlohmann::json last_suggestion() const {
    REQUIRE_FALSE(plugin_.ctx.emitted.empty());
    CHECK(plugin_.ctx.emitted.back().first == "login_guard.lockout_suggested");
    return nlohmann::json::parse(plugin_.ctx.emitted.back().second);
  }
  LoadedPlugin& plugin() { return plugin_; }

 private:
  std::int32_t send(const char* handler, const std::string& user,
                    std::int64_t at_s, std::uint64_t id) {
    std::string payload =
        user.empty() ? "{}" : nlohmann::json{{"username", user}}.dump();
    eh_event ev = recording_host::make_event("auth.x", payload);
    ev.id = id != 0 ? id : ++next_id_;
    ev.emitted_at_us = kStart + at_s * kSecond;
    return plugin_.deliver(handler, ev);
  }

  LoadedPlugin plugin_;
  std::uint64_t next_id_ = 1000;
};

}  // namespace

TEST_CASE("login_guard suggests a lockout when a user reaches max_attempts") {
  Guard guard(R"({"max_attempts":3,"window_seconds":60})");
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
  Guard guard(R"({"max_attempts":2,"window_seconds":60})");
  guard.failed("ann", 0);
  guard.failed("ann", 1);
  guard.failed("ann", 2);
  guard.failed("ann", 30);
  CHECK(guard.suggestions() == 1);
  guard.failed("ann", 62);
  CHECK(guard.suggestions() == 2);
}

TEST_CASE("login_guard forgets failures older than the window") {
  Guard guard(R"({"max_attempts":2,"window_seconds":60})");
  guard.failed("ann", 0);
  guard.failed("ann", 61);
  CHECK(guard.suggestions() == 0);
  guard.failed("ann", 62);
  CHECK(guard.suggestions() == 1);
}

TEST_CASE("login_guard counts a redelivered failure once") {
  Guard guard(R"({"max_attempts":2,"window_seconds":60})");
  guard.failed("ann", 0, 7);
  guard.failed("ann", 0, 7);
  CHECK(guard.suggestions() == 0);
}

TEST_CASE("login_guard uses the default limits when not configured") {
  Guard guard("{}");
  for (int i = 0; i < 4; ++i) guard.failed("ann", i * 70);
  CHECK(guard.suggestions() == 0);  // 4 failures in 300 s: below 5
  guard.failed("ann", 290);
  CHECK(guard.suggestions() == 1);
}

TEST_CASE("login_guard resets a user on a successful login") {
  Guard guard(R"({"max_attempts":2,"window_seconds":60})");
  guard.failed("ann", 0);
  CHECK(guard.logged_in("ann", 1) == EH_OK);
  guard.failed("ann", 2);
  CHECK(guard.suggestions() == 0);
}

TEST_CASE("login_guard ignores events without a username") {
  Guard guard(R"({"max_attempts":1,"window_seconds":60})");
  CHECK(guard.failed("", 0) == EH_OK);
  CHECK(guard.logged_in("", 1) == EH_OK);
  CHECK(guard.suggestions() == 0);
}

TEST_CASE("login_guard reset action clears one user or all of them") {
  Guard guard(R"({"max_attempts":2,"window_seconds":60})");
  guard.failed("ann", 0);
  guard.failed("bob", 0);
  guard.failed("cid", 0);
  auto& ctx = guard.plugin().ctx;
  REQUIRE(guard.plugin().action("reset", R"({"username":"ann"})") == EH_OK);
  CHECK(ctx.results.back() == "cleared the failed-login counters of 1 user");
  guard.failed("ann", 1);
  CHECK(guard.suggestions() == 0);
  REQUIRE(guard.plugin().action("reset", "{}") == EH_OK);
  CHECK(ctx.results.back() == "cleared the failed-login counters of 3 users");
  guard.failed("bob", 2);
  CHECK(guard.suggestions() == 0);
}

TEST_CASE("login_guard refuses unknown actions and bad settings") {
  Guard guard("{}");
  auto& plugin = guard.plugin();
  CHECK(plugin.action("explode", "{}") == EH_ERR_NOT_FOUND);
  CHECK(plugin.configure(R"({"max_attempts":0})") == EH_ERR_INVALID_ARGUMENT);
  CHECK(plugin.configure(R"({"window_seconds":"soon"})") ==
        EH_ERR_INVALID_ARGUMENT);
  REQUIRE(plugin.ctx.errors.size() == 3);
  CHECK(plugin.ctx.errors[1].find("max_attempts") != std::string::npos);
}
