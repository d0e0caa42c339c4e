// SessionTable -- the dashboard's sign-ins: browser sessions held in memory
// and the one-time login codes that `eventhost run` prints in its start-up
// link. A person signs in once with the API token or a code; the browser
// then holds only a session id in an HttpOnly cookie, and every change it
// asks for must also carry the session's CSRF token (X-CSRF-Token), which
// the page keeps in memory and a page on another site cannot read.
//
// What it owns: the sessions (at most SessionPolicy::max_sessions; past
// that the least recently used one is closed) and the unredeemed login
// codes. Only SHA-256 digests of session ids and codes are kept, and every
// comparison of a secret is made on digests in constant time, so neither
// the table nor response times give a secret away. Nothing is persisted: a
// restart signs everyone out.
//
// Expiry: a session ends after `idle` without a change request that
// carries it (reads need no session, so they do not count), or `absolute`
// after it was opened, whichever comes first; a login code
// works once, within `code_lifetime`.
//
// Thread-safety: every method may be called from any thread (one internal
// mutex). Errors: open() and issue_login_code() throw Error(kIo) if the
// system has no random bytes to give.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>

namespace eventhost {

struct SessionPolicy {
  std::chrono::milliseconds idle = std::chrono::hours(1);
  std::chrono::milliseconds absolute = std::chrono::hours(12);
  std::chrono::milliseconds code_lifetime = std::chrono::minutes(10);
  std::size_t max_sessions = 64;
  bool secure_cookie = false;  // served over HTTPS: add "Secure"
};

class SessionTable {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr char kCookieName[] = "eventhost_session";

  explicit SessionTable(SessionPolicy policy = {}) : policy_(policy) {}
  SessionTable(const SessionTable&) = delete;
  SessionTable& operator=(const SessionTable&) = delete;

  void set_policy(const SessionPolicy& policy);
  SessionPolicy policy() const;

  // A new one-time login code (32 hex digits), valid for code_lifetime.
  std::string issue_login_code();
  // True once for a code issued and not yet expired; the code is spent.
  bool redeem_login_code(const std::string& code);

  struct Opened {
    std::string id;    // the cookie's value
    std::string csrf;  // what X-CSRF-Token must say
  };
  Opened open();
  void close(const std::string& id);

  enum class Check {
    kValid,      // the session is live and the CSRF token matches
    kNoSession,  // no such session: never opened, signed out or expired
    kNoCsrf,     // the session is live but no X-CSRF-Token was sent
    kWrongCsrf,  // the session is live but the token is not its own
  };
  // Checks a change request's cookie value and CSRF header; a valid one
  // counts as activity (the idle clock restarts).
  Check check(const std::string& id, const std::string& csrf);

  // The live session `id`'s CSRF token and how long it has left, or
  // false. Not activity: a page that only looks keeps no session alive.
  struct Info {
    std::string csrf;
    std::chrono::milliseconds idle_left{0};
    std::chrono::milliseconds absolute_left{0};
  };
  bool info(const std::string& id, Info* out);

  // The "Set-Cookie" values that set and clear the session cookie.
  std::string set_cookie(const std::string& id) const;
  std::string clear_cookie() const;

  std::size_t size() const;

 private:
  using Digest = std::array<unsigned char, 32>;
  struct Session {
    std::string csrf;
    Clock::time_point opened, last_used;
  };
  // Finds a live session by its id; drops it if it expired.
  Session* find(const std::string& id, Clock::time_point now);
  void expire(Clock::time_point now);

  mutable std::mutex mutex_;
  SessionPolicy policy_;                       // GUARDED_BY(mutex_)
  std::map<Digest, Session> sessions_;         // GUARDED_BY(mutex_)
  std::map<Digest, Clock::time_point> codes_;  // expiry; GUARDED_BY(mutex_)
};

// The value of cookie `name` in a Cookie header ("" if absent).
std::string cookie_value(const std::string& header, const std::string& name);

}  // namespace eventhost
