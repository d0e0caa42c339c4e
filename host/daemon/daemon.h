// The eventhost daemon: a Host kept running, with the HTTP API, the live
// event stream, metrics, the control socket the CLI talks to, a watch on
// the plugins folder and (optionally) events read from stdin.
//
// run_daemon() is the whole life of `eventhost run`, in the foreground:
// start (system.startup is emitted), serve until SIGTERM or SIGINT, then
// stop taking requests, drain in-flight deliveries within the grace period
// (system.shutdown is emitted), tell stream clients, and exit.
//
// Thread-safety: call from the main thread, once per process (it blocks
// SIGTERM/SIGINT/SIGHUP for the whole process and waits for them).
// Errors: throws eventhost::Error if it cannot start (a bad address, a
// port in use, another daemon on the same state, a bad token file).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>

#include "core/host.h"

namespace eventhost {

struct DaemonOptions {
  HostOptions host;
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 = any free
  std::filesystem::path token_file;       // empty: <state>.token
  std::size_t max_body = 1 << 20;         // bytes per request
  std::chrono::milliseconds heartbeat{15000};
  std::size_t stream_ring = 1024;  // events held for Last-Event-ID resume
  std::size_t client_queue = 100;  // events queued per stream client
  std::chrono::milliseconds rescan_interval{2000};
  bool read_stdin = false;  // NDJSON events on stdin
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
