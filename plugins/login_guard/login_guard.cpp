// login_guard -- counts failed logins per username in a sliding window and
// emits login_guard.lockout_suggested (declared in the manifest, level
// CRITICAL) when a user reaches `max_attempts` within `window_seconds`, at
// most once per window. A successful login (auth.login) forgets the user;
// the action `reset` forgets one user or all.
//
// Time is the events' emitted_at_us, not the clock at delivery, so a queue
// backlog or a redelivery never stretches or shrinks the window. A
// redelivered failure (same event id) is counted once.
//
// Handlers are typed (EH_ON_EVENT): the auth events come as structs of
// eventhost/events.hpp, and its own event is emitted as the struct that
// eventhost_add_plugin() generates from manifest.json
// (login_guard_events.hpp), so a misspelt field is a compile error.
//
// State lives in the user data. No mutex: the manifest leaves
// "concurrency" at 1, so the host serializes handlers, the action and the
// lifecycle calls.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <eventhost/events.hpp>
#include <iterator>
#include <limits>
#include <string>
#include <unordered_map>

#include "login_guard_events.hpp"

namespace {

struct FailedLogin {
  std::int64_t at_us;
  std::uint64_t event_id;
};

struct UserRecord {
  std::deque<FailedLogin> failures;  // oldest first
  std::int64_t suggested_at_us = std::numeric_limits<std::int64_t>::min();
};

struct Guard {
  std::int64_t max_attempts = 5;
  std::int64_t window_us = 300'000'000;
  std::unordered_map<std::string, UserRecord> users;
  // Users who never log in again would stay forever; once the map doubles,
  // the expired ones are swept (amortized O(1) per event).
  std::size_t sweep_at = 1024;
};

Guard& guard(eventhost::Context& ctx) {
  Guard* g = ctx.user_data<Guard>();
  if (g == nullptr) {
    throw eventhost::Failure(EH_ERR_FAILED, "login_guard: not initialized");
  }
  return *g;
}

void expire(UserRecord& user, std::int64_t now_us, std::int64_t window_us) {
  std::erase_if(user.failures, [&](const FailedLogin& f) {
    return f.at_us <= now_us - window_us;
  });
}

void sweep(Guard& g, std::int64_t now_us) {
  for (auto it = g.users.begin(); it != g.users.end();) {
    expire(it->second, now_us, g.window_us);
    bool idle = it->second.failures.empty() &&
                it->second.suggested_at_us <= now_us - g.window_us;
    it = idle ? g.users.erase(it) : std::next(it);
  }
  g.sweep_at = std::max<std::size_t>(1024, 2 * g.users.size());
}

// A positive whole number setting, or a clear error naming it.
std::int64_t positive_setting(const nlohmann::json& settings, const char* id,
                              std::int64_t fallback) {
  auto it = settings.find(id);
  if (it == settings.end() || it->is_null()) return fallback;
  if (!it->is_number() || it->get<double>() < 1) {
    throw eventhost::Failure(EH_ERR_INVALID_ARGUMENT,
                             std::string("login_guard: '") + id +
                                 "' must be a number >= 1, got " + it->dump());
  }
  return static_cast<std::int64_t>(it->get<double>());
}

void suggest_lockout(Guard& g, UserRecord& user, const std::string& username,
                     std::int64_t now_us, eventhost::Context& ctx) {
  eventhost::events::LoginGuardLockoutSuggested suggested;
  suggested.username = username;
  suggested.attempts = static_cast<std::int64_t>(user.failures.size());
  suggested.window_seconds = g.window_us / 1'000'000;
  std::int32_t rc = ctx.emit_status(suggested);
  if (rc != EH_OK) {
    ctx.warn("login_guard: lockout_suggested for '" + username +
             "' not accepted by the host (code " + std::to_string(rc) + ")");
    return;
  }
  user.suggested_at_us = now_us;
}

}  // namespace

EH_PLUGIN_INIT(eventhost::Context& ctx) { ctx.emplace_user_data<Guard>(); }

EH_PLUGIN_CONFIGURE(const nlohmann::json& settings, eventhost::Context& ctx) {
  Guard& g = guard(ctx);
  std::int64_t max_attempts = positive_setting(settings, "max_attempts", 5);
  std::int64_t window_s = positive_setting(settings, "window_seconds", 300);
  g.max_attempts = max_attempts;
  g.window_us = window_s * 1'000'000;
}

EH_ON_EVENT(AuthLoginFailed)
(const eventhost::events::AuthLoginFailed& ev, eventhost::Context& ctx) {
  const std::string username = ev.username.value_or("");
  if (username.empty()) {
    ctx.debug("login_guard: auth.login_failed without a username, ignored");
    return;
  }
  Guard& g = guard(ctx);
  UserRecord& user = g.users[username];
  const eventhost::Event& event = ctx.event();
  bool seen = std::any_of(
      user.failures.begin(), user.failures.end(),
      [&](const FailedLogin& f) { return f.event_id == event.id(); });
  if (seen) return;  // a redelivery: counted the first time
  std::int64_t now_us = event.emitted_at_us();
  user.failures.push_back({now_us, event.id()});
  expire(user, now_us, g.window_us);
  bool counted_out =
      static_cast<std::int64_t>(user.failures.size()) >= g.max_attempts;
  bool suggested_in_window = user.suggested_at_us > now_us - g.window_us;
  if (counted_out && !suggested_in_window) {
    suggest_lockout(g, user, username, now_us, ctx);
  }
  if (g.users.size() >= g.sweep_at) sweep(g, now_us);
}

EH_ON_EVENT(AuthLogin)
(const eventhost::events::AuthLogin& ev, eventhost::Context& ctx) {
  if (ev.username && !ev.username->empty()) {
    guard(ctx).users.erase(*ev.username);
  }
}

EH_PLUGIN_ACTION(std::string_view id, const nlohmann::json& params,
                 eventhost::Context& ctx) {
  if (id != "reset") {
    throw eventhost::Failure(EH_ERR_NOT_FOUND, "login_guard: unknown action '" +
                                                   std::string(id) + "'");
  }
  Guard& g = guard(ctx);
  std::size_t cleared = 0;
  auto username = params.find("username");
  if (username != params.end() && username->is_string()) {
    cleared = g.users.erase(username->get<std::string>());
  } else {
    cleared = g.users.size();
    g.users.clear();
  }
  ctx.set_result("cleared the failed-login counters of " +
                 std::to_string(cleared) + (cleared == 1 ? " user" : " users"));
}

EH_PLUGIN_SHUTDOWN(eventhost::Context& ctx) { ctx.destroy_user_data<Guard>(); }
