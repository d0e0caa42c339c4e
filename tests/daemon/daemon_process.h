// DaemonProcess -- runs `eventhost run` (the real binary) as a child process
// against a CliSandbox's plugins folder and state file, waits until it has
// written <state>.daemon.json, and offers an HTTP client (curl) against it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <string>
#include <vector>

#include "../cli/cli_sandbox.h"

namespace eventhost::test {

struct HttpReply {
  int status = 0;  // HTTP status; 0 if curl could not get one
  std::string body;
};

// Shell-quotes one argument ('...').
std::string shell_quote(const std::string& arg);

// Polls `done` every 10 ms until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

class DaemonProcess {
 public:
  // What the daemon's stdin is: /dev/null, or a pipe that write_stdin()
  // feeds (for `run --stdin`).
  enum class Stdin { kNull, kPipe };

  // Starts `eventhost --plugins-dir P --state S run --listen 127.0.0.1:0
  // <extra>` (no --listen of its own if `extra` has one) with the sandbox's
  // environment (set_env included) and waits (up to 10 s) for the daemon
  // info file. url() follows its scheme (https with --tls-cert).
  explicit DaemonProcess(const CliSandbox& sandbox,
                         const std::vector<std::string>& extra = {},
                         Stdin in = Stdin::kNull);
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  bool ready() const { return ready_; }
  int port() const { return port_; }
  const std::string& token() const { return token_; }
  std::string url(const std::string& path) const;
  // What the daemon wrote to stderr (its log) and to stdout.
  std::string log() const;
  std::string out() const;
  const fs::path& log_file() const { return log_; }
  pid_t pid() const { return pid_; }

  // With Stdin::kPipe: writes `text` to the daemon's stdin (false if it
  // cannot), or closes it so that the daemon reads end of input.
  bool write_stdin(const std::string& text);
  void close_stdin();

  // Sends `sig`, waits up to `timeout` for exit (SIGKILL after); returns the
  // exit status, or 128 + signal if killed.
  int stop(int sig = SIGTERM,
           std::chrono::milliseconds timeout = std::chrono::seconds(15));

  // Runs curl -s with `args` (after the URL has been put in by the caller).
  static HttpReply curl(const std::vector<std::string>& args);
  HttpReply get(const std::string& path) const;
  // A request with the bearer token.
  HttpReply send(const std::string& method, const std::string& path,
                 const std::string& body,
                 const std::string& content_type = "application/json") const;
  // Same, but with exactly these extra headers (no token added).
  HttpReply send_with(const std::string& method, const std::string& path,
                      const std::string& body,
                      const std::vector<std::string>& headers) const;

 private:
  const CliSandbox& sandbox_;
  pid_t pid_ = -1;
  bool ready_ = false;
  bool exited_ = false;
  int status_ = -1;
  int port_ = 0;
  std::string scheme_ = "http";
  std::string token_;
  fs::path log_, out_;
  int stdin_ = -1;  // the pipe's write end, with Stdin::kPipe
};

}  // namespace eventhost::test
