// RedisServer -- Debian's real `redis-server`, started by a test on a free
// loopback port in a folder of its own (AOF on, so a restart keeps what
// was acknowledged), and stopped when the test ends.
//
// A missing redis-server is a failure, never a skip: the constructor
// throws saying how to install it (CI installs it through .ci/setup).
//
// Thread-safety: used by the test's thread. Errors: std::runtime_error
// saying what failed, with the server's log.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace eventhost::test {

class RedisServer {
 public:
  // Writes its config, data and log in `dir`, picks a free port and
  // starts; `password` set: clients must AUTH with it. The AOF is synced
  // at every write, or once a second without `fsync_always`.
  explicit RedisServer(const std::filesystem::path& dir,
                       const std::string& password = "",
                       bool fsync_always = true);
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  // redis://[:password@]127.0.0.1:PORT/db
  std::string url(int db = 0) const;
  void stop();   // SHUTDOWN-like: SIGTERM (AOF is written), waits
  void start();  // again, on the same port, with the same data
  std::string log() const;

 private:
  std::filesystem::path dir_, binary_;
  std::string password_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_loopback_port();

}  // namespace eventhost::test
