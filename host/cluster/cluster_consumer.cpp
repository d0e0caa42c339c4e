#include "cluster/cluster_consumer.h"

#include <spdlog/spdlog.h>

#include "cluster/cluster_scripts.h"
#include "cluster/stream_ids.h"
#include "common/error.h"

namespace eventhost::cluster {
namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::milliseconds(5000);

}  // namespace

ClusterConsumer::ClusterConsumer(Cluster& cluster, DeliveryPort& port,
                                 Tail tail)
    : cluster_(cluster),
      port_(port),
      tail_(std::move(tail)),
      stream_(cluster.keys().events()) {
  create_groups_now();
  thread_ = std::thread([this] { loop(); });
}

// The groups of the plugins running now exist before the node says it is
// ready: an event accepted from then on reaches them (a group made later
// would start after it).
void ClusterConsumer::create_groups_now() {
  refresh_consumers();
  next_refresh_ = Clock::now() + kRefreshEvery;
  std::vector<RedisConnection::Args> cmds;
  std::vector<Group*> made;
  for (auto& [key, g] : groups_) {
    cmds.push_back({"XGROUP", "CREATE", stream_, g->name, "$", "MKSTREAM"});
    made.push_back(g.get());
  }
  try {
    const auto replies = cluster_.pipeline(cmds);
    for (std::size_t i = 0; i < replies.size(); ++i) {
      const RedisReply& r = replies[i];
      if (!r.is_error() || r.str.rfind("BUSYGROUP", 0) == 0) {
        made[i]->created = true;
      }
    }
  } catch (const Error& e) {
    // The delivery loop makes them once Redis answers.
    spdlog::warn("cluster: could not create consumer groups yet: {}", e.what());
  }
}

ClusterConsumer::~ClusterConsumer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    reading_ = false;
  }
  wake_.notify_all();
  thread_.join();
}

void ClusterConsumer::stop_reading() {
  {
    std::lock_guard lock(mutex_);
    reading_ = false;
  }
  wake_.notify_all();
  // A turn that began reading may still hand entries to the port: wait
  // for it to end, so the port may go once this returns.
  std::lock_guard turn_done(turn_mutex_);
}

std::chrono::milliseconds ClusterConsumer::claim_period() const {
  const auto claim = cluster_.options().claim;
  return std::clamp(claim / 4, std::chrono::milliseconds(50),
                    std::chrono::milliseconds(5000));
}

void ClusterConsumer::finished(const std::string& plugin,
                               std::uint64_t event_id) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    const auto it = groups_.find(plugin);
    if (it == groups_.end()) return;  // not read from the stream here
    Group& g = *it->second;
    // A replay or a dead letter's retry delivers an event the group has
    // long acknowledged: acknowledging it again changes nothing.
    const bool held = g.in_flight.erase(event_id) != 0;
    g.acks.push_back(stream_id_of(event_id));
    wake = held && (!acks_waiting_ || g.in_flight.size() + 1 >= g.window);
    acks_waiting_ = true;
  }
  if (wake) wake_.notify_one();
}

std::vector<ClusterConsumer::GroupInfo> ClusterConsumer::groups() const {
  std::lock_guard lock(mutex_);
  std::vector<GroupInfo> out;
  for (const auto& [key, g] : groups_) {
    out.push_back({g->key, g->name, g->mode, g->in_flight.size(), g->lease});
  }
  return out;
}

void ClusterConsumer::loop() {
  auto redis =
      cluster_.connect("deliver", std::chrono::milliseconds(5000) + kBlock);
  auto backoff = std::chrono::milliseconds(0);
  auto last_log = Clock::time_point{};
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    try {
      std::lock_guard in_turn(turn_mutex_);
      turn(*redis);
      backoff = std::chrono::milliseconds(0);
    } catch (const Error& e) {
      const auto now = Clock::now();
      if (backoff.count() == 0 || now - last_log > std::chrono::minutes(1)) {
        spdlog::warn("cluster delivery paused: {}; trying again with back-off",
                     e.what());
        last_log = now;
      }
      backoff = backoff.count() == 0 ? kFirstBackoff
                                     : std::min(backoff * 2, kMaxBackoff);
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, backoff, [&] { return stopping_; });
    }
  }
  // Settle what finished before the end, and let another node take over
  // ordered plugins at once instead of after the lease times out.
  try {
    flush_acks(*redis);
    release_leases(*redis);
  } catch (const Error& e) {
    spdlog::warn(
        "cluster: could not acknowledge the last deliveries ({}); other nodes "
        "will deliver them again after the claim time",
        e.what());
  }
}

// Which plugins run here now: new ones get a group state, gone ones are
// forgotten once nothing of theirs is in flight.
void ClusterConsumer::refresh_consumers() {
  const auto consumers = port_.consumers();
  std::lock_guard lock(mutex_);
  for (auto& [key, g] : groups_) g->present = false;
  for (const DeliveryPort::Consumer& c : consumers) {
    auto& slot = groups_[c.key];
    const std::string name =
        ClusterKeys::group(c.key, c.mode, cluster_.options().node);
    if (!slot || slot->name != name) {
      auto g = std::make_unique<Group>();
      g->key = c.key;
      g->name = name;
      g->mode = c.mode;
      if (slot) {  // its mode changed: keep what is in flight
        g->in_flight = std::move(slot->in_flight);
        g->acks = std::move(slot->acks);
      }
      slot = std::move(g);
    }
    slot->window = std::max<std::size_t>(c.window, 1);
    if (!slot->present) slot->present = true;
  }
  for (auto it = groups_.begin(); it != groups_.end();) {
    Group& g = *it->second;
    if (!g.present && g.in_flight.empty() && g.acks.empty()) {
      it = groups_.erase(it);
    } else {
      if (!g.present) {
        g.history_done = false;  // read again if it comes back
        g.lease = false;
      }
      ++it;
    }
  }
}

void ClusterConsumer::flush_acks(RedisConnection& redis) {
  std::vector<std::pair<std::string, std::vector<std::string>>> acks;
  {
    std::lock_guard lock(mutex_);
    for (auto& [key, g] : groups_) {
      if (!g->acks.empty()) acks.emplace_back(g->name, std::move(g->acks));
      g->acks.clear();
    }
    acks_waiting_ = false;
  }
  std::vector<RedisConnection::Args> cmds;
  for (const auto& [group, ids] : acks) {
    for (std::size_t i = 0; i < ids.size(); i += kAckChunk) {
      RedisConnection::Args a{"XACK", stream_, group};
      for (std::size_t j = i; j < std::min(ids.size(), i + kAckChunk); ++j) {
        a.push_back(ids[j]);
      }
      cmds.push_back(std::move(a));
    }
  }
  for (const RedisReply& r : redis.pipeline(cmds)) {
    cluster_.counters().acked.fetch_add(
        static_cast<std::uint64_t>(r.as_integer()));
  }
}

void ClusterConsumer::release_leases(RedisConnection& redis) {
  std::vector<RedisConnection::Args> cmds;
  std::vector<std::string> keys;
  for (const auto& [key, g] : groups_) {
    if (g->mode == ClusterMode::kOrdered && g->lease) {
      keys.push_back(cluster_.keys().lease(key));
    }
  }
  for (const std::string& k : keys) {
    cmds.push_back({"EVAL", kReleaseScript, "1", k, cluster_.options().node});
  }
  redis.pipeline(cmds);
}

}  // namespace eventhost::cluster
