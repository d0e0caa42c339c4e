// The cluster benchmarks' shared parts: real `eventhost run --cluster`
// nodes (each its own state file and home, one plugins folder), a client
// of the benchmark's own to ask Redis what it did (INFO, XPENDING), and
// the check that redis-server is installed at all.
//
// Thread-safety: one thread per object. Errors: std::runtime_error saying
// what failed (a node that did not start, with its log; Redis's error).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_daemon.h"
#include "bench_report.h"
#include "cluster/redis_connection.h"

namespace eventhost::bench {

// Whether Debian's redis-server is there; the cluster suites are skipped
// (with a row saying so) when it is not.
bool redis_server_installed();
// The row a cluster suite adds instead of figures when it is skipped.
void add_redis_skipped(Report& report);

// One node's files under `root`/NAME, plugins from `plugins_dir`.
struct NodeFiles {
  std::string name;
  EventhostArgs where;
  NodeFiles(const fs::path& root, const fs::path& plugins_dir,
            std::string node_name);
  // `eventhost plugins <args...>` on this node's state, which must succeed.
  void plugins(const std::vector<std::string>& args) const;
};

// `eventhost run --cluster URL --node NAME --cluster-prefix PREFIX
// --cluster-claim-ms CLAIM <extra>` on the node's files.
std::unique_ptr<BenchDaemon> start_node(const NodeFiles& node,
                                        const std::string& redis_url,
                                        const std::string& prefix, int claim_ms,
                                        const std::vector<std::string>& extra);

// A connection of the benchmark's own to the cluster's Redis.
cluster::RedisConnection redis_client(const std::string& redis_url);

// Pending entries per consumer (node) of `group` on PREFIX:events, from
// XINFO CONSUMERS; consumers that never read are absent.
std::map<std::string, std::uint64_t> pending_by_node(
    cluster::RedisConnection& redis, const std::string& prefix,
    const std::string& group);

// Redis's own counters: calls per command (INFO commandstats, lower-case
// names; commands run by scripts included).
struct RedisCounters {
  std::map<std::string, std::uint64_t> calls;
  std::uint64_t commands = 0;  // total_commands_processed
};
RedisCounters redis_counters(cluster::RedisConnection& redis);

// Waits (polling every `poll_ms`) until `done` holds or `seconds` pass;
// returns whether it held.
template <typename Done>
bool wait_for(Done&& done, int seconds, int poll_ms) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
  return true;
}

}  // namespace eventhost::bench
