// SessionTable: sign-in sessions, their CSRF tokens, expiry, and the
// one-time login codes.
#include "api/session_table.h"

#include <catch2/catch.hpp>
#include <set>
#include <thread>

using namespace eventhost;
using namespace std::chrono_literals;

TEST_CASE("a session accepts changes only with its own CSRF token") {
  SessionTable table;
  const auto a = table.open();
  const auto b = table.open();
  CHECK(a.id != b.id);
  CHECK(a.csrf != b.csrf);
  CHECK(a.id.size() == 64);  // 256 random bits
  CHECK(table.check(a.id, a.csrf) == SessionTable::Check::kValid);
  SessionTable::Info info;
  REQUIRE(table.info(a.id, &info));  // what a reloaded page asks for
  CHECK(info.csrf == a.csrf);
  CHECK(table.check(a.id, "") == SessionTable::Check::kNoCsrf);
  CHECK(table.check(a.id, b.csrf) == SessionTable::Check::kWrongCsrf);
  CHECK(table.check("", a.csrf) == SessionTable::Check::kNoSession);
  CHECK(table.check(a.csrf, a.csrf) == SessionTable::Check::kNoSession);
  table.close(a.id);
  CHECK(table.check(a.id, a.csrf) == SessionTable::Check::kNoSession);
  CHECK(table.check(b.id, b.csrf) == SessionTable::Check::kValid);
}

TEST_CASE("a session ends after its idle time and after its absolute time") {
  SessionPolicy policy;
  policy.idle = 300ms;
  policy.absolute = 10s;
  SessionTable idle(policy);
  const auto s = idle.open();
  std::this_thread::sleep_for(400ms);
  CHECK(idle.check(s.id, s.csrf) == SessionTable::Check::kNoSession);
  CHECK(idle.size() == 0);

  policy.idle = 10s;
  policy.absolute = 300ms;
  SessionTable absolute(policy);
  const auto t = absolute.open();
  std::this_thread::sleep_for(400ms);
  SessionTable::Info info;
  CHECK_FALSE(absolute.info(t.id, &info));
  CHECK(absolute.check(t.id, t.csrf) == SessionTable::Check::kNoSession);
}

TEST_CASE("a login code works once, and only before it expires") {
  SessionPolicy policy;
  policy.code_lifetime = 300ms;
  SessionTable table(policy);
  const std::string code = table.issue_login_code();
  CHECK(code.size() == 32);
  CHECK_FALSE(table.redeem_login_code(code + "0"));
  CHECK(table.redeem_login_code(code));
  CHECK_FALSE(table.redeem_login_code(code));
  const std::string late = table.issue_login_code();
  std::this_thread::sleep_for(400ms);
  CHECK_FALSE(table.redeem_login_code(late));
}

TEST_CASE(
    "the session table holds at most max_sessions, closing the least "
    "recently used") {
  SessionPolicy policy;
  policy.max_sessions = 3;
  SessionTable table(policy);
  const auto first = table.open();
  const auto second = table.open();
  const auto third = table.open();
  std::this_thread::sleep_for(5ms);
  REQUIRE(table.check(first.id, first.csrf) == SessionTable::Check::kValid);
  const auto fourth = table.open();
  CHECK(table.size() == 3);
  CHECK(table.check(second.id, second.csrf) == SessionTable::Check::kNoSession);
  CHECK(table.check(first.id, first.csrf) == SessionTable::Check::kValid);
  CHECK(table.check(third.id, third.csrf) == SessionTable::Check::kValid);
  CHECK(table.check(fourth.id, fourth.csrf) == SessionTable::Check::kValid);
}

TEST_CASE(
    "the session cookie is HttpOnly and SameSite=Strict, Secure over "
    "HTTPS") {
  SessionTable table;
  const std::string cookie = table.set_cookie("abc");
  CHECK(cookie == "eventhost_session=abc; Path=/; HttpOnly; SameSite=Strict");
  CHECK_THAT(table.clear_cookie(), Catch::Contains("Max-Age=0"));
  SessionPolicy tls;
  tls.secure_cookie = true;
  table.set_policy(tls);
  CHECK_THAT(table.set_cookie("abc"), Catch::EndsWith("; Secure"));
}

TEST_CASE("cookie_value finds one cookie among several") {
  CHECK(cookie_value("a=1; eventhost_session=xyz; b=2", "eventhost_session") ==
        "xyz");
  CHECK(cookie_value("eventhost_session=xyz", "eventhost_session") == "xyz");
  CHECK(cookie_value("eventhost_sessionx=1; b=2", "eventhost_session").empty());
  CHECK(cookie_value("", "eventhost_session").empty());
}
