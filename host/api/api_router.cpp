// ApiRouter: the route table, authorization, and the read-only routes.
// Events ingest is in api_events.cpp, plugins and level in api_plugins.cpp,
// the journal, dead letters and replay in api_journal.cpp.
#include "api/api_router.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <set>

#include "api/api_response.h"
#include "api/daemon_metrics.h"
#include "stream/event_stream.h"

namespace eventhost {
namespace {

// A SHA-256 digest of `text`.
std::array<unsigned char, SHA256_DIGEST_LENGTH> digest_of(
    const std::string& text) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> out{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(),
         out.data());
  return out;
}

}  // namespace

ApiRouter::ApiRouter(Host& host, EventStream& stream, DaemonMetrics& metrics,
                     std::string token)
    : host_(host),
      stream_(stream),
      metrics_(metrics),
      token_digest_(digest_of(token)),
      started_at_us_(std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count()) {}

bool ApiRouter::bearer_ok(const std::string& header) const {
  const std::string prefix = "Bearer ";
  if (header.size() <= prefix.size() ||
      header.compare(0, prefix.size(), prefix) != 0) {
    return false;
  }
  // Digests of equal length, compared in a time that depends on neither
  // where they differ nor how long the guess was: response times tell
  // nothing about the token.
  const auto given = digest_of(header.substr(prefix.size()));
  return CRYPTO_memcmp(given.data(), token_digest_.data(), given.size()) == 0;
}

// Reads are open; a change needs the token, or a dashboard session with
// its CSRF token. Signing in (POST /api/session) checks its own
// credentials.
std::optional<HttpResponse> ApiRouter::refusal(const HttpRequest& req) {
  if (req.trusted || req.method == "GET" || req.method == "HEAD") return {};
  if (req.method == "POST" && req.path() == "/api/session") return {};
  const std::string bearer = req.header("authorization");
  const std::string cookie =
      cookie_value(req.header("cookie"), SessionTable::kCookieName);
  if (bearer.empty() && !cookie.empty()) {
    const auto check = sessions_.check(cookie, req.header("x-csrf-token"));
    if (check == SessionTable::Check::kValid) return {};
    if (check != SessionTable::Check::kNoSession) {
      spdlog::warn("refused {} {}: dashboard session without its CSRF token",
                   req.method, req.path());
      return error_response(
          403, ErrorKind::kRefused,
          "this request came with a dashboard session but without its "
          "X-CSRF-Token header (or with a wrong one); the dashboard sends it "
          "itself, so reload the page");
    }
    spdlog::warn("refused {} {}: dashboard session expired or unknown",
                 req.method, req.path());
    HttpResponse res = error_response(
        401, ErrorKind::kRefused,
        "your dashboard session has expired or was signed out; sign in "
        "again");
    res.headers["Set-Cookie"] = sessions_.clear_cookie();
    return res;
  }
  if (bearer_ok(bearer)) return {};
  spdlog::warn("refused {} {}: missing or wrong token", req.method, req.path());
  HttpResponse res = error_response(
      401, ErrorKind::kRefused,
      "this request changes the daemon and needs 'Authorization: Bearer "
      "<token>'; the token is in the file given by `eventhost run "
      "--token-file` (default: next to the state file)");
  res.headers["WWW-Authenticate"] = "Bearer";
  return res;
}

namespace {

enum class HostAccess { kNone, kShared, kWhole };

// How much of the Host `req` needs (see the thread-safety note in
// api_router.h). A route not listed as free or shared is a change.
HostAccess host_access(const HttpRequest& req) {
  const std::string path = req.path();
  if (path == "/healthz" || path == "/api/session") return HostAccess::kNone;
  if (path == "/api/events" && req.method == "POST") return HostAccess::kNone;
  if (req.method == "GET" || req.method == "HEAD") return HostAccess::kShared;
  if (path == "/api/replay") return HostAccess::kShared;
  if (req.method == "POST" && path.rfind("/api/plugins/", 0) == 0 &&
      path.find("/actions/") != std::string::npos) {
    return HostAccess::kShared;
  }
  return HostAccess::kWhole;
}

}  // namespace

bool ApiRouter::runs_plugin_code(const HttpRequest& req) {
  if (req.method == "GET" || req.method == "HEAD") return false;
  const std::string path = req.path();
  return path == "/api/replay" || path.rfind("/api/plugins/", 0) == 0;
}

HttpResponse ApiRouter::handle(const HttpRequest& req) {
  if (auto refused = refusal(req)) return *refused;
  try {
    std::shared_lock serving(serving_mutex_);
    if (stopping_ && req.path() != "/healthz") {
      HttpResponse res = error_response(
          503, ErrorKind::kRefused,
          "the daemon is shutting down; retry against the next one");
      res.headers["Retry-After"] = "5";
      return res;
    }
    switch (host_access(req)) {
      case HostAccess::kNone:
        return route(req);
      case HostAccess::kShared: {
        std::shared_lock host(host_mutex_);
        return route(req);
      }
      case HostAccess::kWhole:
        break;
    }
    std::unique_lock host(host_mutex_);
    return route(req);
  } catch (const Error& e) {
    return error_response(e);
  }
}

HttpResponse ApiRouter::route(const HttpRequest& req) {
  const std::string path = req.path();
  const bool get = req.method == "GET";
  if (path == "/healthz") return json_response(200, {{"status", "ok"}});
  if (path == "/readyz") return readiness();
  if (path == "/metrics") {
    HttpResponse res;
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = metrics_.render();
    if (cluster_metrics_) res.body += cluster_metrics_();
    return res;
  }
  if (path == "/api/events") {
    return req.method == "POST" ? post_events(req)
                                : method_not_allowed(req, "POST");
  }
  if (path == "/api/events/stats") {
    return get ? stats() : method_not_allowed(req, "GET");
  }
  if (path == "/api/events/catalogue") {
    return get ? catalogue() : method_not_allowed(req, "GET");
  }
  if (path == "/api/level") return level(req);
  const std::string plugins_prefix = "/api/plugins";
  if (path == plugins_prefix || path.rfind(plugins_prefix + "/", 0) == 0) {
    return plugins(req, path.substr(plugins_prefix.size()));
  }
  const auto under = [&](const std::string& prefix) {
    return path == prefix || path.rfind(prefix + "/", 0) == 0;
  };
  if (under("/api/journal")) {
    return journal(req, path.substr(std::string("/api/journal").size()));
  }
  if (under("/api/deadletters")) {
    return dead_letters(req,
                        path.substr(std::string("/api/deadletters").size()));
  }
  if (path == "/api/replay") return replay(req);
  if (path == "/api/session") return session(req);
  if (path == "/api/series") return series(req);
  if (path == "/api/failures") return failures(req);
  if (path == "/api/host") return host_info(req);
  if (path == "/api/cluster") return cluster(req);
  return error_response(
      404, ErrorKind::kNotFound,
      "no route " + path +
          "; the API has /api/events, /api/events/stream, "
          "/api/events/stats, /api/events/catalogue, /api/plugins, "
          "/api/level, /api/journal, /api/deadletters, /api/replay, "
          "/api/session, /api/series, /api/failures, /api/host, "
          "/api/cluster, /metrics, /healthz and /readyz");
}

HttpResponse ApiRouter::stats() const {
  const HostStats s = host_.stats();
  nlohmann::json levels = nlohmann::json::object();
  for (std::size_t i = 1; i < s.emitted.size(); ++i) {
    levels[to_string(static_cast<LevelSet>(i))] = {
        {"emitted", s.emitted[i]},
        {"suppressed", s.suppressed[i]},
        {"dropped", s.dropped[i]}};
  }
  nlohmann::json plugins = nlohmann::json::object();
  for (const auto& [key, r] : host_.runner_stats()) {
    plugins[key] = runner_json(r);
  }
  return json_response(
      200, {{"active_clients", stream_.active_clients()},
            {"total_events_broadcast", stream_.total_events_broadcast()},
            {"levels", levels},
            {"emits_refused",
             {{"depth", s.emits_refused[0]}, {"rate", s.emits_refused[1]}}},
            {"plugins", plugins}});
}

HttpResponse ApiRouter::catalogue() const {
  nlohmann::json events = nlohmann::json::array();
  for (const EventSpec* spec : host_.catalogue().events()) {
    events.push_back(event_json(*spec));
  }
  return json_response(200, events);
}

// Ready when start-up finished, the catalogue still validates, the state
// file answers a query, and every enabled plugin that can run is running.
HttpResponse ApiRouter::readiness() const {
  std::string catalogue = "valid";
  try {
    host_.catalogue().validate();
  } catch (const Error& e) {
    catalogue = e.what();
  }
  const std::string state_problem = host_.state_problem();
  std::set<std::string> running;
  for (const auto& [key, stats] : host_.runner_stats()) {
    if (!stats.tripped) running.insert(key);
  }
  nlohmann::json not_loaded = nlohmann::json::array();
  for (const PluginView& view : host_.plugins()) {
    if (view.enabled && view.loadable && running.count(view.key) == 0 &&
        !host_.options().safe_mode) {
      not_loaded.push_back(view.key);
    }
  }
  const std::string journal_problem = host_.journal_problem();
  const bool ready = ready_.load() && catalogue == "valid" &&
                     state_problem.empty() && journal_problem.empty() &&
                     not_loaded.empty() && !host_.folder_refused();
  return json_response(
      ready ? 200 : 503,
      {{"ready", ready},
       {"started", ready_.load()},
       {"catalogue", catalogue},
       {"state", state_problem.empty() ? "open" : state_problem},
       {"journal", journal_problem.empty() ? "ok" : journal_problem},
       {"state_file", host_.options().state_path.string()},
       {"plugins_folder",
        host_.folder_refused() ? host_.folder_problem() : "ok"},
       {"plugins_loaded", running.size()},
       {"plugins_not_loaded", not_loaded}});
}

void ApiRouter::begin_shutdown() {
  std::unique_lock serving(serving_mutex_);
  stopping_ = true;
  ready_.store(false);
}

void ApiRouter::with_host(const std::function<void(Host&)>& change) {
  std::shared_lock serving(serving_mutex_);
  if (stopping_) return;
  std::unique_lock host(host_mutex_);
  change(host_);
}

void ApiRouter::refresh_folder() {
  std::shared_lock serving(serving_mutex_);
  if (stopping_) return;
  std::unique_lock host(host_mutex_);  // the Host's controlling state
  const std::uint64_t reads = host_.folder_reads();
  for (const std::string& key : host_.refresh_folder()) {
    spdlog::info(
        "found new plugin {} in {}; it stays disabled until `eventhost "
        "plugins enable {}`",
        key, host_.options().plugins_dir.string(), key);
  }
  if (host_.folder_reads() != reads && on_folder_change_) on_folder_change_();
}

}  // namespace eventhost
