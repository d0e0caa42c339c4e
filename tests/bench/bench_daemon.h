// The benchmarks' handle on the real `eventhost` binary: run a CLI command
// to completion, or keep `eventhost run` (the daemon) alive for a suite and
// talk HTTP/1.1 to it over loopback sockets of our own.
//
// Not the tests' DaemonProcess (tests/daemon/): that one depends on Catch2's
// CliSandbox and shells out to curl per request, which would dominate what
// the benchmarks measure.
//
// Thread-safety: one thread per object; distinct objects are independent.
// Errors: throws std::runtime_error when a process cannot be started, the
// daemon does not become ready, or a connection fails.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace eventhost::bench {

namespace fs = std::filesystem;

// `eventhost --plugins-dir P --state S --log-level warn <args>` in an
// environment with HOME and XDG_* under `home` (nothing of the developer's
// EVENTHOST_* settings), plus `env` ("NAME=value").
struct EventhostArgs {
  fs::path plugins_dir, state, home;
  std::vector<std::string> env;
};

// Runs a CLI command to its end; returns its exit status and stdout.
struct CliRun {
  int status = -1;
  std::string out;
};
CliRun run_eventhost(const EventhostArgs& where,
                     const std::vector<std::string>& args);

// Same, throwing with the command and its output unless it exits 0.
std::string run_eventhost_ok(const EventhostArgs& where,
                             const std::vector<std::string>& args);

// `eventhost run --listen 127.0.0.1:0 <extra>`, ready once it wrote
// <state>.daemon.json; SIGTERM (then SIGKILL) when destroyed.
class BenchDaemon {
 public:
  BenchDaemon(const EventhostArgs& where,
              const std::vector<std::string>& extra = {});
  ~BenchDaemon();
  BenchDaemon(const BenchDaemon&) = delete;
  BenchDaemon& operator=(const BenchDaemon&) = delete;

  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  const std::string& token() const { return token_; }
  std::string log() const;  // its stderr, for error messages
  // kill -9, as a crash or the OOM killer would: no grace period, no
  // shutdown. Waits for it to be gone.
  void kill_hard();

 private:
  void stop();

  pid_t pid_ = -1;
  int port_ = 0;
  std::string token_;
  fs::path log_;
};

// A socket connected to 127.0.0.1:port (blocking, TCP_NODELAY).
int connect_loopback(int port);

// One keep-alive HTTP/1.1 connection; replies need a Content-Length (the
// daemon's all have one, except the live stream).
class HttpConnection {
 public:
  explicit HttpConnection(int port);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  struct Reply {
    int status = 0;
    std::string body;
  };
  // `headers` are whole lines without CRLF ("Content-Type: ...").
  Reply request(const std::string& method, const std::string& path,
                const std::string& body = "",
                const std::vector<std::string>& headers = {});

 private:
  int fd_ = -1;
  std::string buffer_;  // bytes read past the previous reply
};

// CPU seconds (user + system) process `pid` has used so far.
double cpu_seconds_of(pid_t pid);

// GET `path` on a fresh connection, as JSON text; throws unless 200.
std::string get_ok(int port, const std::string& path);

}  // namespace eventhost::bench
