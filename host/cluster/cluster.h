// Cluster -- what every part of a node's cluster mode shares: the options
// (`eventhost run --cluster ...`), the key names, the counters /metrics
// shows, and a control connection to Redis for the occasional command
// (dead letters, journal reads, configuration, status).
//
// Each busy thread (ingest, delivery, the configuration watch) opens a
// connection of its own through connect(); the control connection is
// shared under a mutex.
//
// Thread-safety: every method from any thread.
// Errors: command() and pipeline() throw Error(kUnavailable) when Redis
// cannot be reached (see cluster/redis_connection.h).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/cluster_keys.h"
#include "cluster/redis_connection.h"

namespace eventhost::cluster {

struct ClusterOptions {
  RedisEndpoint endpoint;
  std::string url;   // as given, for messages (password hidden)
  std::string node;  // this node's name
  std::string prefix = "eventhost";
  // Entries a consumer has held this long without a sign of life are
  // taken over by another node (XAUTOCLAIM); also an ordered plugin's
  // lease time.
  std::chrono::milliseconds claim{30000};
  unsigned wait_replicas = 0;  // WAIT this many replicas after each append
  std::chrono::milliseconds heartbeat{1000};
};

// For /metrics; totals since the node started.
struct ClusterCounters {
  std::atomic<std::uint64_t> reconnects{0};       // connections made again
  std::atomic<std::uint64_t> appended{0};         // events this node added
  std::atomic<std::uint64_t> append_failures{0};  // events Redis refused
  std::atomic<std::uint64_t> read{0};             // entries read for plugins
  std::atomic<std::uint64_t> acked{0};            // entries acknowledged
  std::atomic<std::uint64_t> claims{0};           // XAUTOCLAIMs that took some
  std::atomic<std::uint64_t> claimed{0};          // entries taken over
};

class Cluster {
 public:
  explicit Cluster(ClusterOptions options);
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  const ClusterOptions& options() const { return options_; }
  const ClusterKeys& keys() const { return keys_; }
  ClusterCounters& counters() { return counters_; }

  // A new connection for a thread of its own; `role` names it in Redis
  // (CLIENT LIST shows "eventhost:<node>:<role>"). `io_timeout` must
  // exceed any BLOCK its commands ask for.
  std::unique_ptr<RedisConnection> connect(
      const std::string& role,
      std::chrono::milliseconds io_timeout = std::chrono::milliseconds(5000));

  // On the shared control connection.
  RedisReply command(const RedisConnection::Args& args);
  std::vector<RedisReply> pipeline(
      const std::vector<RedisConnection::Args>& commands);

  // Connects the control connection now: throws Error(kUnavailable) with
  // a message for the operator if Redis cannot be reached or refuses the
  // login, or Error(kRefused) if it is older than Redis 7 (the cluster
  // needs XAUTOCLAIM and explicit stream ids).
  void check_reachable();

 private:
  const ClusterOptions options_;
  const ClusterKeys keys_;
  ClusterCounters counters_;
  std::mutex control_mutex_;
  std::unique_ptr<RedisConnection> control_;  // GUARDED_BY(control_mutex_)
};

}  // namespace eventhost::cluster
