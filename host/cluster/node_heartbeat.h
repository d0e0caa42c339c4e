// NodeHeartbeat -- a node telling the cluster it is alive, on a thread and
// a Redis connection of its own.
//
// Every `options.heartbeat` (1 s) it sets P:node:NAME with a time to live
// of three beats, and writes what it says of itself (its process, when it
// started and last beat, its ClusterCounters) into the hash P:nodes. A
// node that stops beating (killed, frozen, cut off from Redis) loses its
// P:node:NAME key within three beats while its last word stays in P:nodes,
// so `cluster status` can show it as gone with when it was last heard. A
// node that stops cleanly deletes its key and says "stopped".
//
// Thread-safety: construct and destroy on one thread; nothing else.
// Errors: none thrown; a beat that cannot reach Redis is logged (the
// first of a streak) and tried again at the next beat.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "cluster/cluster.h"

namespace eventhost::cluster {

class NodeHeartbeat {
 public:
  // `cluster` must outlive this. Beats once before returning, so a node is
  // listed as soon as it is up.
  explicit NodeHeartbeat(Cluster& cluster);
  ~NodeHeartbeat();
  NodeHeartbeat(const NodeHeartbeat&) = delete;
  NodeHeartbeat& operator=(const NodeHeartbeat&) = delete;

 private:
  void loop();
  // One beat (or, `last`, the goodbye); returns whether Redis took it.
  bool beat(RedisConnection& redis, bool last);

  Cluster& cluster_;
  const std::int64_t started_ms_;
  std::unique_ptr<RedisConnection> redis_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace eventhost::cluster
