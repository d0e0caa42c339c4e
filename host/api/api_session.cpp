// /api/session: the dashboard's sign-in. POST with {"token": "..."} (the
// API token) or {"code": "..."} (the one-time code of the link `eventhost
// run` prints) opens a session: an HttpOnly, SameSite=Strict cookie, and a
// CSRF token in the answer that every change made with the cookie must
// carry as X-CSRF-Token. GET tells a page whether its cookie is signed in
// (and gives it the CSRF token again after a reload); DELETE signs out.
// Ordinary API routes: any client may use them.
#include <spdlog/spdlog.h>

#include "api/api_response.h"
#include "api/api_router.h"

namespace eventhost {
namespace {

long long seconds(std::chrono::milliseconds ms) {
  return std::chrono::duration_cast<std::chrono::seconds>(ms).count();
}

nlohmann::json signed_in(const std::string& csrf,
                         std::chrono::milliseconds idle,
                         std::chrono::milliseconds absolute) {
  return {{"signed_in", true},
          {"csrf_token", csrf},
          {"idle_timeout_s", seconds(idle)},
          {"expires_in_s", seconds(absolute)}};
}

}  // namespace

HttpResponse ApiRouter::session(const HttpRequest& req) {
  const std::string cookie =
      cookie_value(req.header("cookie"), SessionTable::kCookieName);
  if (req.method == "GET") {
    SessionTable::Info info;
    if (!sessions_.info(cookie, &info)) {
      return json_response(200, {{"signed_in", false}});
    }
    HttpResponse res = json_response(
        200, signed_in(info.csrf, info.idle_left, info.absolute_left));
    res.headers["Cache-Control"] = "no-store";
    return res;
  }
  if (req.method == "DELETE") {
    if (!cookie.empty()) sessions_.close(cookie);
    HttpResponse res = json_response(200, {{"signed_in", false}});
    res.headers["Set-Cookie"] = sessions_.clear_cookie();
    spdlog::info("dashboard: signed out");
    return res;
  }
  if (req.method != "POST") return method_not_allowed(req, "GET, POST, DELETE");
  const nlohmann::json body = parse_json_body(req.body, "the sign-in");
  const auto text = [&](const char* name) {
    return body.is_object() && body.contains(name) && body[name].is_string()
               ? body[name].get<std::string>()
               : std::string();
  };
  const std::string token = text("token"), code = text("code");
  if (token.empty() == code.empty()) {
    throw Error(ErrorKind::kUsage,
                "sign in with {\"token\": \"...\"} (the API token) or "
                "{\"code\": \"...\"} (the one-time code of the link `eventhost "
                "run` prints)");
  }
  const bool ok = !token.empty() ? bearer_ok("Bearer " + token)
                                 : sessions_.redeem_login_code(code);
  if (!ok) {
    spdlog::warn(
        "dashboard: refused a sign-in with a {}",
        token.empty() ? "spent, expired or unknown login code" : "wrong token");
    return error_response(
        401, ErrorKind::kRefused,
        token.empty()
            ? "this sign-in link has been used or has expired (a link works "
              "once, for " +
                  std::to_string(seconds(sessions_.policy().code_lifetime) /
                                 60) +
                  " minutes); sign in with the token instead"
            : "that is not the daemon's token; copy it again from the token "
              "file (default: next to the state file, <state>.token)");
  }
  const SessionTable::Opened opened = sessions_.open();
  const SessionPolicy policy = sessions_.policy();
  spdlog::info("dashboard: signed in with {}",
               token.empty() ? "a login code" : "the token");
  HttpResponse res =
      json_response(200, signed_in(opened.csrf, policy.idle, policy.absolute));
  res.headers["Set-Cookie"] = sessions_.set_cookie(opened.id);
  res.headers["Cache-Control"] = "no-store";
  return res;
}

}  // namespace eventhost
