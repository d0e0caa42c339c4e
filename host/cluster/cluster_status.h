// ClusterStatus -- what a cluster looks like from Redis: its nodes (alive
// or gone, and what each last said of itself), its stream, and per plugin
// group its consumers, pending entries, lag and last claim. Read for
// `eventhost cluster status`, GET /api/cluster and /metrics.
//
// Read from Redis on each call, with one pipelined round trip plus one
// per group for its consumers; nothing is cached.
//
// Thread-safety: read_cluster_status() from any thread (it uses the
// cluster's shared control connection). A value once read.
// Errors: throws Error(kUnavailable) when Redis cannot be reached.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cluster/cluster.h"

namespace eventhost::cluster {

struct NodeStatus {
  std::string name;
  bool alive = false;  // its key with a time to live is still there
  std::string said;    // its last heartbeat, JSON text ("" if none)
};

struct ConsumerStatus {
  std::string name;  // the node
  std::uint64_t pending = 0;
  std::int64_t idle_ms = 0;
};

struct GroupStatus {
  std::string name;    // "KEY", or "KEY@NODE" for an every_node plugin
  std::string plugin;  // KEY
  std::uint64_t pending = 0;
  // Entries not yet read by the group; unknown (nullopt) when Redis cannot
  // say (after entries were trimmed or deleted out of order).
  std::optional<std::uint64_t> lag;
  std::string last_delivered;  // a stream id
  std::vector<ConsumerStatus> consumers;
  std::string last_claim;  // JSON text of P:claims[KEY], "" if none
};

struct ClusterStatus {
  std::string prefix;
  std::string this_node;  // "" when read from outside the cluster
  std::uint64_t stream_length = 0;
  std::string last_id;  // the stream's newest entry ("0-0" if none)
  std::vector<NodeStatus> nodes;
  std::vector<GroupStatus> groups;
};

ClusterStatus read_cluster_status(Cluster& cluster);

nlohmann::json to_json(const ClusterStatus& status);

// The cluster's part of /metrics, in Prometheus text: this node's counters
// (appends, reads, acknowledgements, claims, Redis reconnects), whether
// Redis answered, and per plugin group its pending entries, lag and
// consumers; nodes alive. Reads the status itself; never throws (a Redis
// that does not answer gives eventhost_cluster_redis_up 0 and the
// counters only).
std::string cluster_metrics(Cluster& cluster);

}  // namespace eventhost::cluster
