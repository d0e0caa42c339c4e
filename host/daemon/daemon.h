// The eventhost daemon: a Host kept running, with the HTTP API, the live
// event stream, metrics, the control socket the CLI talks to, a watch on
// the plugins folder and (optionally) events read from stdin.
//
// run_daemon() is the whole life of `eventhost run`, in the foreground:
// start (system.startup is emitted), serve until SIGTERM or SIGINT, then
// stop taking requests, drain in-flight deliveries within the grace period
// (system.shutdown is emitted), tell stream clients, and exit. It serves
// the dashboard (dashboard/dashboard.h) at "/" and logs a one-time sign-in
// link for it at start.
//
// Thread-safety: call from the main thread, once per process (it blocks
// SIGTERM/SIGINT/SIGHUP for the whole process and waits for them).
// Errors: throws eventhost::Error if it cannot start (a bad address, a
// network address without TLS, a port in use, another daemon on the same
// state, a bad token file, a certificate or key it cannot use).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "api/session_table.h"
#include "cluster/cluster.h"
#include "core/host.h"

namespace eventhost {

struct DaemonOptions {
  HostOptions host;
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 = any free
  std::filesystem::path token_file;       // empty: <state>.token
  std::size_t max_body = 1 << 20;         // bytes per request
  std::size_t max_connections = 1024;     // network ones, streams included
  std::chrono::milliseconds header_timeout{30000};
  std::chrono::milliseconds body_timeout{30000};  // longest pause
  // PEM files; both set = HTTPS. Without them, a --listen address beyond
  // loopback is refused unless insecure_listen (daemon/listen_policy.h).
  std::filesystem::path tls_cert, tls_key;
  bool insecure_listen = false;
  std::chrono::milliseconds heartbeat{15000};
  std::size_t stream_ring = 1024;  // events held for Last-Event-ID resume
  std::size_t client_queue = 100;  // events queued per stream client
  std::chrono::milliseconds rescan_interval{2000};
  bool read_stdin = false;  // NDJSON events on stdin
  // The dashboard's sessions: idle and absolute expiry (secure_cookie is
  // set from the TLS options).
  SessionPolicy sessions;
  // Set: join this cluster (`--cluster`; DESIGN.md "A cluster"): events go
  // to its Redis stream and this node's plugins take their share of it.
  std::optional<cluster::ClusterOptions> cluster;
};

// Returns 0 after a clean stop. If deliveries were still running when the
// grace period ended, it ends the process with status 1 (std::_Exit: the
// threads left in plugin calls must not race the static destructors).
int run_daemon(const DaemonOptions& options);

// Splits "127.0.0.1:8080" or "[::1]:8080" into host and port; throws
// Error(kUsage) saying the expected form.
std::pair<std::string, std::uint16_t> parse_listen_address(
    const std::string& text);

}  // namespace eventhost
