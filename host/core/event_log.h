// EventLog -- the one door through which the core records accepted events
// and keeps its delivery log (cursors, dead letters). Two implementations:
// SqliteEventLog (core/sqlite_event_log.h), the single-node default, over
// the state file's journal; and ClusterEventLog (cluster/), over a Redis
// stream shared by several nodes. Nothing above the Host knows which one
// runs: the journal, dead letter and replay tools see the same calls.
//
// What differs between the two, and how the Host asks:
//  - assigns_ids(): false for SQLite, whose ids the Host reserves from the
//    state file before it appends; true for a cluster, whose ids come from
//    the stream when the entry is stored (assigned_id() after wait_durable).
//  - hands_back(): false when the Host delivers each event as it emits it;
//    true when deliveries come back from the log (a cluster: every node
//    reads its share from the stream). The Host then calls
//    start_delivery() with a DeliveryPort and reports each delivery's final
//    outcome through finished(); it does not dispatch at emit.
//
// Thread-safety: every method may be called from any thread.
// Errors: append() never throws for a storage failure; wait_durable()
// reports it ("" = durable). Reads and delivery-log writes throw Error
// (kIo for the state file, kUnavailable when a cluster's Redis cannot be
// reached).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "dispatch/event.h"
#include "loader/manifest.h"
#include "state/journal.h"
#include "state/state_store.h"

namespace eventhost {

// What a log that hands events back needs from the Host: which plugins
// run on this node, and a way to queue one delivery to one of them.
class DeliveryPort {
 public:
  struct Consumer {
    std::string key;
    ClusterMode mode = ClusterMode::kShared;
    std::size_t window = 0;  // deliveries it may have outstanding at once
  };
  enum class Delivery {
    kQueued,      // its outcome will come back
    kNotTaken,    // the plugin does not handle this event: nothing to do
    kNotRunning,  // the plugin is not running here (any more)
  };
  virtual ~DeliveryPort() = default;
  // The plugins running on this node now.
  virtual std::vector<Consumer> consumers() = 0;
  // Queues `event` for plugin `key` as delivery number `attempt`; its final
  // outcome comes back through EventLog::finished() (or a dead letter).
  virtual Delivery deliver(const std::string& key, const EventPtr& event,
                           std::uint32_t attempt) = 0;
};

class EventLog {
 public:
  virtual ~EventLog() = default;

  virtual bool assigns_ids() const { return false; }
  virtual bool hands_back() const { return false; }

  // Queues `entry` to be stored; returns its ticket. Never blocks on the
  // storage. With assigns_ids(), entry.id is ignored.
  virtual std::uint64_t append(JournalEntry entry) = 0;
  // The same for an event the Host accepted and dispatches (a log that
  // does not hand back): a log may keep the event itself instead of a
  // copy of its text. The default copies it into a JournalEntry.
  virtual std::uint64_t append_event(const EventPtr& event) {
    return append({event->id, event->name, event->payload,
                   static_cast<std::uint32_t>(event->level),
                   event->emitted_at_us, event->depth});
  }
  // Blocks until every entry appended up to `ticket` is stored: "" on
  // success, else why not.
  virtual std::string wait_durable(std::uint64_t ticket) = 0;
  // With assigns_ids(): the id the entry of `ticket` got, once
  // wait_durable(ticket) returned ""; 0 otherwise.
  virtual std::uint64_t assigned_id(std::uint64_t ticket) {
    (void)ticket;
    return 0;
  }
  // Waits for everything appended so far; "" or the first failure seen.
  virtual std::string flush() = 0;
  // What a failed wait_durable() means for the emitter: kIo (the state
  // file failed: delivered, not recorded) or kUnavailable (a cluster's
  // Redis did not take the events: nothing was accepted).
  virtual ErrorKind failure_kind() const { return ErrorKind::kIo; }
  // Why the log cannot store events now ("" = it can), for /readyz; it
  // clears by itself once storing works again.
  virtual std::string problem() { return ""; }
  // A write outside the log (the id block) failed with `error`: problem()
  // says so until the log's next successful write.
  virtual void write_failed(const std::string& error) { (void)error; }

  virtual std::vector<JournalEntry> list(const JournalQuery& query) = 0;
  virtual std::optional<JournalEntry> get(std::uint64_t id) = 0;
  virtual std::uint64_t last_id() = 0;
  // Removes entries emitted before `min_time_us` (0 = no age limit), then
  // the oldest beyond `max_bytes` (0 = no limit), as far as the log can.
  virtual RetentionReport enforce_retention(std::int64_t min_time_us,
                                            std::uint64_t max_bytes) = 0;

  // Delivery cursors (state/state_store.h); a log that hands events back
  // keeps its own position and has none.
  virtual std::map<std::string, std::uint64_t> cursors() = 0;
  virtual void save_cursors(
      const std::map<std::string, std::uint64_t>& cursors) = 0;

  // Dead letters. A log that hands events back settles the event for the
  // plugin when its letter is stored.
  virtual void add_dead_letter(const DeadLetter& letter) = 0;
  virtual std::vector<DeadLetter> dead_letters(const std::string& plugin) = 0;
  virtual void remove_dead_letters(const std::vector<std::int64_t>& ids) = 0;
  virtual void remove_dead_letter(const std::string& plugin,
                                  std::uint64_t event_id) = 0;

  // With hands_back(): begins reading events for the port's consumers
  // (the port outlives the log's delivery), and stops it. finished() says
  // a delivery of `event_id` to `plugin` succeeded for good.
  // A plugin started running on this node while delivery runs (enabled):
  // a cluster's log makes its consumer group before this returns, so an
  // event accepted from then on reaches it. Throws what the log's reads
  // throw if it cannot.
  virtual void plugin_started(const std::string& key, ClusterMode mode) {
    (void)key;
    (void)mode;
  }
  virtual void start_delivery(DeliveryPort& port) { (void)port; }
  virtual void stop_delivery() {}
  virtual void finished(const std::string& plugin, std::uint64_t event_id) {
    (void)plugin;
    (void)event_id;
  }
};

}  // namespace eventhost
