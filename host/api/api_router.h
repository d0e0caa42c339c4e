// ApiRouter -- what the daemon's HTTP API answers: it maps an HttpRequest
// to a call on the Host (or the live stream's and metrics' figures) and the
// result to an HttpResponse with a JSON body. It knows no sockets and no
// Beast: http/ carries the bytes, this decides the meaning.
//
// The routes, their bodies and errors are listed in README.md ("HTTP API").
// Errors are JSON objects {"error": "...", "kind": "..."} with the status
// of their ErrorKind (400 bad input, 401 no token, 404 unknown, 405 wrong
// method, 409 refused, 500 internal); the CLI turns "kind" back into its
// exit status.
//
// Authorization: every request that changes something (any method but GET)
// needs "Authorization: Bearer <token>", unless it came over the control
// socket (HttpRequest::trusted), or the dashboard's session cookie with the
// session's X-CSRF-Token header (api/session_table.h; POST /api/session
// signs in with the token or a one-time login code). A refused request
// changes nothing. Only digests of the token and session secrets are kept;
// the checks take constant time, and neither the token, the Authorization
// header, the cookie nor a login code is ever logged.
//
// Thread-safety: handle() and refresh_folder() may be called from any
// thread, concurrently (the HTTP server answers several requests at once).
// What may overlap, by what it asks of the Host:
//  - events ingest (POST /api/events), /healthz and the dashboard session
//    routes use only what the Host and the session table make thread-safe
//    (emit, check, wait_durable, stats): they take no lock on the Host, so
//    nothing a management call does delays them;
//  - reads (GET and HEAD), plugin actions and replays share the Host: they
//    read its controlling state and reach plugins through the thread-safe
//    dispatcher (core/host.h allows them on several threads at once; the
//    daemon opens the journal before it serves, as replay needs), so a
//    slow action or replay holds nobody else up;
//  - every change (enable, disable, settings, isolation, level, dead
//    letters, the folder refresh) has the Host to itself: it waits for the
//    reads under way, and reads wait for it.
// The lock for that is a std::shared_mutex; with glibc, readers are not
// held back by a change that waits, so a slow action delays a change but
// never the reads behind it.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <shared_mutex>
#include <string>

#include "api/session_table.h"
#include "common/error.h"
#include "core/host.h"
#include "http/http_message.h"

namespace eventhost {

class EventStream;
class DaemonMetrics;
class DeliverySeries;

class ApiRouter {
 public:
  // Everything referred to must outlive the router.
  ApiRouter(Host& host, EventStream& stream, DaemonMetrics& metrics,
            std::string token);

  HttpResponse handle(const HttpRequest& request);

  // Picks up plugin files added to the folder since the last look; they
  // stay disabled until enabled. Logs what it found.
  void refresh_folder();

  // The dashboard's sign-ins; the daemon sets their policy and issues the
  // login code of its start-up link here.
  SessionTable& sessions() { return sessions_; }

  // The figures GET /api/series and /api/failures answer from (null: those
  // routes answer 404). Must outlive the router.
  void set_series(const DeliverySeries* series) { series_ = series; }

  // A cluster's node: GET /api/cluster answers `status()` (which may throw
  // Error, e.g. kUnavailable when Redis is down), and /metrics appends
  // `metrics()` (Prometheus text). Without them /api/cluster answers 404.
  void set_cluster(std::function<nlohmann::json()> status,
                   std::function<std::string()> metrics) {
    cluster_status_ = std::move(status);
    cluster_metrics_ = std::move(metrics);
  }

  // A cluster's node: after each change an operator makes to the
  // configuration (enable, disable, settings, isolation: the plugin's key;
  // the level: ""), `share` is called with the Host to itself, to hand
  // the change to the other nodes; `enabled` says the change was an
  // enable. If it throws Error, the request answers that error (the
  // change stays made on this node). A change that fails with
  // Error(kUnavailable) (the cluster's Redis, which the Host reached for,
  // is out of reach) may be half made on this node: `unshared` is told
  // why and throws the error the request answers.
  using ConfigShare =
      std::function<void(Host&, const std::string& key, bool enabled)>;
  using ConfigUnshared = std::function<void(const std::string& why)>;
  void set_config_share(ConfigShare share, ConfigUnshared unshared) {
    config_share_ = std::move(share);
    config_unshared_ = std::move(unshared);
  }

  // Told (with the Host held: it must be quick) when refresh_folder()
  // found a plugin file added, removed or changed, e.g. the file a
  // cluster's node lacked, or the right one in place of a mismatch.
  void set_on_folder_change(std::function<void()> told) {
    on_folder_change_ = std::move(told);
  }

  // Runs `change` with the Host to itself, as a change requested over
  // HTTP would (a cluster's configuration arriving from another node).
  // Does nothing once begin_shutdown() was called.
  void with_host(const std::function<void(Host&)>& change);

  // /readyz answers 200 once the daemon calls this after start.
  void set_ready(bool ready) { ready_.store(ready); }

  // From now on every request but GET /healthz gets 503 and the Host is
  // no longer touched, so the daemon may stop it. Waits for the requests
  // in progress to finish.
  void begin_shutdown();

  // Whether `request` runs plugin code (actions, settings, enable,
  // disable, isolation, replay), so the HTTP server answers it on threads
  // of its own (HttpServerOptions::slow).
  static bool runs_plugin_code(const HttpRequest& request);

 private:
  HttpResponse route(const HttpRequest& request);
  HttpResponse post_events(const HttpRequest& request);
  HttpResponse stats() const;
  HttpResponse catalogue() const;
  HttpResponse readiness() const;
  HttpResponse plugins(const HttpRequest& request, const std::string& rest);
  HttpResponse level(const HttpRequest& request);
  // api_journal.cpp: /api/journal[/ID], /api/deadletters[/retry|/drop] and
  // /api/replay; `rest` is the path after the prefix.
  HttpResponse journal(const HttpRequest& request, const std::string& rest);
  HttpResponse dead_letters(const HttpRequest& request,
                            const std::string& rest);
  HttpResponse replay(const HttpRequest& request);
  // api_session.cpp: /api/session (sign in, who am I, sign out).
  HttpResponse session(const HttpRequest& request);
  // api_series.cpp: /api/series, /api/failures and /api/host.
  HttpResponse series(const HttpRequest& request) const;
  HttpResponse failures(const HttpRequest& request) const;
  HttpResponse host_info(const HttpRequest& request) const;
  // api_cluster.cpp: GET /api/cluster.
  HttpResponse cluster(const HttpRequest& request) const;
  // api_settings.cpp: PUT /api/plugins/KEY/settings; errors name the
  // fields they are about ("fields"), so a form can show them in place.
  HttpResponse put_settings(const std::string& key, const std::string& body);
  // Why `request` may not be served (401, 403), or nothing.
  std::optional<HttpResponse> refusal(const HttpRequest& request);
  bool bearer_ok(const std::string& header) const;

  Host& host_;
  EventStream& stream_;
  DaemonMetrics& metrics_;
  const std::array<unsigned char, 32> token_digest_;  // SHA-256
  SessionTable sessions_;
  const DeliverySeries* series_ = nullptr;
  std::function<nlohmann::json()> cluster_status_;
  std::function<std::string()> cluster_metrics_;
  ConfigShare config_share_;
  ConfigUnshared config_unshared_;
  std::function<void()> on_folder_change_;
  void share_config(const std::string& key, bool enabled = false) {
    if (config_share_) config_share_(host_, key, enabled);
  }
  // Runs `change` on the Host, then shares it (see set_config_share).
  template <typename Change>
  auto changing(const std::string& key, Change&& change) -> decltype(change()) {
    auto result = [&] {
      try {
        return change();
      } catch (const Error& e) {
        unshared(e);
        throw;
      }
    }();
    share_config(key);
    return result;
  }
  void unshared(const Error& e) {
    if (e.kind() == ErrorKind::kUnavailable && config_unshared_)
      config_unshared_(e.what());
  }
  const std::int64_t started_at_us_;
  // Shared by every request being answered; begin_shutdown() takes it
  // whole. Taken before host_mutex_.
  std::shared_mutex serving_mutex_;
  // The Host's controlling state: shared by reads, actions and replays,
  // whole for a change (see the thread-safety note above).
  std::shared_mutex host_mutex_;
  std::atomic<bool> ready_{false};
  bool stopping_ = false;  // GUARDED_BY(serving_mutex_)
};

}  // namespace eventhost
