// DurabilityService -- the host's background thread for at-least-once
// delivery: it fires retries when their back-off ends, writes dead letters,
// saves each plugin's delivery cursor a few times a second, and enforces
// the journal's retention.
//
// Nothing here runs on the emitter's thread or a pool thread: the
// dispatch path only hands work over (a lock and a push).
//
// Thread-safety: retry_later() and dead_letter() from any thread; stop()
// from the controlling thread, once.
// Errors: a failed write is logged; the cursor then simply does not move,
// so what was not recorded is delivered again after a restart.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "core/delivery_ledger.h"
#include "core/event_log.h"
#include "dispatch/dispatcher.h"

namespace eventhost {

struct RetentionPolicy {
  std::chrono::seconds max_age{7 * 24 * 3600};  // 0 = keep regardless of age
  std::uint64_t max_bytes = 256ull << 20;       // 0 = no size limit
  std::chrono::seconds every{60};
};

class DurabilityService {
 public:
  // Everything referred to must outlive the service.
  DurabilityService(Dispatcher& dispatcher, EventLog& log,
                    DeliveryLedger& ledger, RetentionPolicy retention);
  ~DurabilityService();
  DurabilityService(const DurabilityService&) = delete;
  DurabilityService& operator=(const DurabilityService&) = delete;

  // Delivers `event` to `key` again as `attempt` after `delay`.
  void retry_later(const std::string& key, EventPtr event,
                   std::uint32_t attempt, std::chrono::milliseconds delay);
  // Records `letter` (the event stays pending until it is written).
  void dead_letter(DeadLetter letter);
  // Removes the dead letter of `key` for `event_id`, if any (its retry
  // succeeded).
  void resolve(const std::string& key, std::uint64_t event_id);
  // Writes what is queued and saves the cursors now. Retries not yet due
  // stay pending: their events are delivered again after a restart.
  void stop();

  // True when no retry waits or is being handed over, and no dead letter
  // waits to be written.
  bool idle();

  // Runs retention once now; returns what it did.
  RetentionReport enforce_retention();

 private:
  using Clock = std::chrono::steady_clock;
  struct Retry {
    Clock::time_point due;
    std::string key;
    EventPtr event;
    std::uint32_t attempt;
    bool operator>(const Retry& o) const { return due > o.due; }
  };

  void loop();
  void fire_due_retries(std::vector<Retry>& due);
  void write_dead_letters(std::vector<DeadLetter>& letters);
  void remove_resolved(
      std::vector<std::pair<std::string, std::uint64_t>>& resolved);
  void checkpoint();

  Dispatcher& dispatcher_;
  EventLog& log_;
  DeliveryLedger& ledger_;
  const RetentionPolicy retention_;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::priority_queue<Retry, std::vector<Retry>, std::greater<>>
      retries_;                      // GUARDED_BY(mutex_)
  std::vector<DeadLetter> letters_;  // GUARDED_BY(mutex_)
  std::vector<std::pair<std::string, std::uint64_t>>
      resolved_;             // GUARDED_BY(mutex_)
  bool stopping_ = false;    // GUARDED_BY(mutex_)
  std::size_t in_hand_ = 0;  // GUARDED_BY(mutex_): popped, not yet handed over

  std::map<std::string, std::uint64_t> saved_;  // service thread only
  bool cursors_failing_ = false;                // service thread only
  Clock::time_point next_retention_;
  std::thread thread_;
};

}  // namespace eventhost
