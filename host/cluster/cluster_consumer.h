// ClusterConsumer -- the delivery half of a cluster's event log, on one
// thread with its own connection. Per plugin running on this node (from
// the DeliveryPort) it reads the plugin's consumer group with XREADGROUP
// and hands each entry to the node's dispatcher; a delivery's final
// outcome (EventLog::finished, or its dead letter) is acknowledged with
// XACK. Commands of one turn go out together (pipelined).
//
//  - shared: every node reads group KEY; every claim/4 the node also
//    XAUTOCLAIMs entries of that group idle past the claim time (another
//    node died holding them) and delivers them again.
//  - ordered: only the holder of the lease P:lease:KEY (SET NX PX, renewed
//    every claim/3) reads group KEY. A node that takes the lease first
//    claims every entry still pending in the group, oldest first, then
//    reads on: the plugin continues from the group's last acknowledged
//    entry, in stream order.
//  - every_node: this node reads group KEY@NODE; nobody else does.
//
// A node shows its entries are in progress: every claim/3 it resets their
// idle time (cluster_scripts.h kKeepScript), so only a node that stopped
// beating loses its work. At most `window` deliveries per plugin are out
// at once (read, not yet acknowledged), so a slow node does not hoard
// entries that others could run. When a consumer first appears (the
// start, or a plugin enabled) it first reads its own pending entries, left
// from before a restart (delivery number 2), then new ones. A group is
// made (XGROUP CREATE ... $) when its plugin first runs on any node: the
// construction makes those of the plugins running then, before it
// returns; a plugin enabled later gets its group within 0.2 s.
//
// It also feeds the live stream: every entry of the stream, whichever node
// accepted it, goes to `tail.publish` in stream order -- while someone
// listens. Reading the whole stream back costs Redis and the node as much
// as the events' own appends, so each turn first asks `tail.pause` with
// the position the tail would go on from: true (nobody listens; the live
// stream then takes every event up to there as skipped) and the turn only
// notes the stream's newest entry (XREVRANGE COUNT 1), the position the
// next turn offers. The position offered is always one read before the
// question was asked, so a listener that arrives later gets every event
// accepted after it arrived (and resumes older ones from the journal).
//
// Thread-safety: finished() from any thread; the rest from the owner.
// Errors: Redis failures are logged (the first, then once a minute) and
// retried with back-off; nothing is thrown.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cluster/cluster.h"
#include "core/event_log.h"

namespace eventhost::cluster {

class ClusterConsumer {
 public:
  using TailFn = std::function<void(const JournalEntry&)>;
  struct Tail {
    TailFn publish;
    // Null: never paused.
    std::function<bool(std::uint64_t newest_skipped)> pause;
  };

  // `port` and `cluster` must outlive this.
  ClusterConsumer(Cluster& cluster, DeliveryPort& port, Tail tail);
  // Stops, acknowledges what finished, hands back leases.
  ~ClusterConsumer();
  ClusterConsumer(const ClusterConsumer&) = delete;
  ClusterConsumer& operator=(const ClusterConsumer&) = delete;

  // No more reads or claims; acknowledgements go on until destruction.
  // Returns once no turn can hand the port another entry.
  void stop_reading();
  // The delivery of `event_id` to `plugin` reached its final outcome.
  void finished(const std::string& plugin, std::uint64_t event_id);

  struct GroupInfo {
    std::string key, group;
    ClusterMode mode = ClusterMode::kShared;
    std::size_t in_flight = 0;
    bool lease = false;  // an ordered plugin: this node holds the lease
  };
  std::vector<GroupInfo> groups() const;

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kAckChunk = 1000;  // ids per XACK
  // How long a turn with nothing to do waits in Redis for new entries.
  static constexpr std::chrono::milliseconds kBlock{100};
  // How often it asks the port which plugins run here.
  static constexpr std::chrono::milliseconds kRefreshEvery{200};
  struct Group {
    std::string key, name;
    ClusterMode mode = ClusterMode::kShared;
    std::size_t window = 1024;
    bool present = true;  // the port still lists it
    bool created = false;
    bool history_done = false;
    bool history_by_claim = false;  // an ordered plugin that took its lease
    std::string history_cursor = "0-0";
    bool lease = false;
    Clock::time_point lease_due{}, keep_due{}, claim_due{};
    std::string claim_cursor = "0-0";
    // Under mutex_: delivered, not yet finished; finished, not yet acked.
    std::set<std::uint64_t> in_flight;
    std::vector<std::string> acks;
  };
  enum class Step {
    kCreate,
    kLease,
    kAck,
    kTailStart,
    kTail,
    kTailPeek,
    kHistory,
    kHistoryClaim,
    kRead,
    kClaim,
    kKeep,
    kOther
  };
  struct Pending {
    Step step;
    Group* group;
  };

  void create_groups_now();
  void loop();
  void turn(RedisConnection& redis);
  void refresh_consumers();
  void handle(const Pending& p, const RedisReply& reply, bool& busy);
  void deliver_entries(Group& g, const std::vector<struct StreamEntry>& entries,
                       std::uint32_t attempt);
  void tail(const RedisReply& reply);
  void flush_acks(RedisConnection& redis);
  void release_leases(RedisConnection& redis);
  std::chrono::milliseconds claim_period() const;

  Cluster& cluster_;
  DeliveryPort& port_;
  const Tail tail_;
  const std::string stream_;

  // Held by the loop for a whole turn (stop_reading() waits for it).
  std::mutex turn_mutex_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, std::unique_ptr<Group>> groups_;  // by plugin key
  bool reading_ = true;                                   // GUARDED_BY(mutex_)
  bool stopping_ = false;                                 // GUARDED_BY(mutex_)
  bool acks_waiting_ = false;                             // GUARDED_BY(mutex_)

  // Loop thread only.
  std::string tail_id_;  // "" until the first turn finds the stream's end
  // While paused: the stream's newest entry as the last turn read it.
  std::string tail_peek_;
  std::vector<std::string> claim_notes_;  // HSET P:claims to send
  Clock::time_point next_refresh_{};
  std::thread thread_;
};

}  // namespace eventhost::cluster
