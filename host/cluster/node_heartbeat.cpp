#include "cluster/node_heartbeat.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cluster/stream_ids.h"
#include "common/error.h"
#include "eventhost/version.h"

namespace eventhost::cluster {

NodeHeartbeat::NodeHeartbeat(Cluster& cluster)
    : cluster_(cluster),
      started_ms_(unix_ms()),
      redis_(cluster.connect("heartbeat")) {
  if (!beat(*redis_, false)) {
    spdlog::warn(
        "cluster: the first heartbeat of node {} did not reach "
        "Redis; trying again every beat",
        cluster.options().node);
  }
  thread_ = std::thread([this] { loop(); });
}

NodeHeartbeat::~NodeHeartbeat() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  beat(*redis_, true);
}

void NodeHeartbeat::loop() {
  bool failing = false;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, cluster_.options().heartbeat,
                         [this] { return stopping_; })) {
    lock.unlock();
    const bool ok = beat(*redis_, false);
    if (ok && failing) spdlog::info("cluster: heartbeat reaches Redis again");
    if (!ok && !failing) {
      spdlog::warn(
          "cluster: heartbeat of node {} did not reach Redis; other nodes "
          "will show it as gone until it does",
          cluster_.options().node);
    }
    failing = !ok;
    lock.lock();
  }
}

bool NodeHeartbeat::beat(RedisConnection& redis, bool last) {
  const ClusterOptions& o = cluster_.options();
  const ClusterCounters& c = cluster_.counters();
  const std::int64_t now = unix_ms();
  const nlohmann::json said{{"node", o.node},
                            {"pid", static_cast<std::int64_t>(::getpid())},
                            {"version", kHostVersion},
                            {"started_ms", started_ms_},
                            {"beat_ms", now},
                            {"heartbeat_ms", o.heartbeat.count()},
                            {"stopped", last},
                            {"appended", c.appended.load()},
                            {"append_failures", c.append_failures.load()},
                            {"read", c.read.load()},
                            {"acked", c.acked.load()},
                            {"claims", c.claims.load()},
                            {"claimed", c.claimed.load()},
                            {"reconnects", c.reconnects.load()}};
  const std::string text = said.dump();
  const std::string ttl = std::to_string(3 * o.heartbeat.count());
  const std::string alive = cluster_.keys().alive(o.node);
  try {
    if (last) {
      redis.pipeline(
          {{"DEL", alive}, {"HSET", cluster_.keys().nodes(), o.node, text}});
    } else {
      redis.pipeline({{"SET", alive, "1", "PX", ttl},
                      {"HSET", cluster_.keys().nodes(), o.node, text}});
    }
    return true;
  } catch (const Error& e) {
    spdlog::debug("cluster: heartbeat not sent: {}", e.what());
    return false;
  }
}

}  // namespace eventhost::cluster
