// ClusterEventLog -- the EventLog of a node in a cluster (core/event_log.h):
// events go to the cluster's Redis stream (cluster/cluster_writer.h) and
// come back to the plugins of whichever node reads them
// (cluster/cluster_consumer.h). Reads (journal list/show, the live
// stream's resume, replay) use XRANGE on the stream; dead letters are a
// stream per plugin; there are no cursors (each plugin's consumer group
// keeps its position).
//
// Retention: each append trims the stream to about (journal-max-bytes /
// the average size of the events appended so far) entries (MAXLEN ~), and
// enforce_retention() drops entries older than journal-max-age (XTRIM
// MINID ~).
//
// Thread-safety: every method from any thread.
// Errors: reads and dead-letter writes throw Error(kUnavailable) when Redis
// cannot be reached; append() does not throw (wait_durable() says why).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

#include "cluster/cluster.h"
#include "cluster/cluster_consumer.h"
#include "cluster/cluster_writer.h"
#include "core/durability.h"
#include "core/event_log.h"

namespace eventhost::cluster {

class ClusterEventLog final : public EventLog {
 public:
  using TailFn = ClusterConsumer::TailFn;
  // `cluster` must outlive this. `tail` gets every event of the cluster's
  // stream while delivery runs and someone listens (the live stream; see
  // ClusterConsumer). `on_append`, if set, sees each event this node
  // accepts, on the emitter's thread, before it is stored (the metrics).
  ClusterEventLog(Cluster& cluster, std::uint64_t max_bytes,
                  ClusterConsumer::Tail tail, TailFn on_append = nullptr);
  ~ClusterEventLog() override;

  bool assigns_ids() const override { return true; }
  bool hands_back() const override { return true; }

  std::uint64_t append(JournalEntry entry) override;
  std::string wait_durable(std::uint64_t ticket) override {
    return writer_.wait_durable(ticket);
  }
  std::uint64_t assigned_id(std::uint64_t ticket) override {
    return writer_.assigned_id(ticket);
  }
  std::string flush() override { return writer_.flush(); }
  ErrorKind failure_kind() const override { return ErrorKind::kUnavailable; }

  std::vector<JournalEntry> list(const JournalQuery& query) override;
  std::optional<JournalEntry> get(std::uint64_t id) override;
  std::uint64_t last_id() override;
  RetentionReport enforce_retention(std::int64_t min_time_us,
                                    std::uint64_t max_bytes) override;

  void plugin_started(const std::string& key, ClusterMode mode) override;

  std::map<std::string, std::uint64_t> cursors() override { return {}; }
  void save_cursors(const std::map<std::string, std::uint64_t>&) override {}

  void add_dead_letter(const DeadLetter& letter) override;
  std::vector<DeadLetter> dead_letters(const std::string& plugin) override;
  void remove_dead_letters(const std::vector<std::int64_t>& ids) override;
  void remove_dead_letter(const std::string& plugin,
                          std::uint64_t event_id) override;

  void start_delivery(DeliveryPort& port) override;
  void stop_delivery() override;
  void finished(const std::string& plugin, std::uint64_t event_id) override;

  // What this node's consumer reads now (for status); empty if delivery
  // has not started.
  std::vector<ClusterConsumer::GroupInfo> groups() const;

 private:
  std::uint64_t max_entries() const;

  Cluster& cluster_;
  const std::uint64_t max_bytes_;
  const ClusterConsumer::Tail tail_;
  const TailFn on_append_;
  // The running average size of an appended event, for MAXLEN.
  std::atomic<std::uint64_t> bytes_seen_{0}, events_seen_{0};
  ClusterWriter writer_;
  mutable std::mutex consumer_mutex_;
  std::unique_ptr<ClusterConsumer> consumer_;  // GUARDED_BY(consumer_mutex_)
};

}  // namespace eventhost::cluster
