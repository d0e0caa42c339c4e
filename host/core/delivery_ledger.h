// DeliveryLedger -- which accepted events each plugin has not finished, so
// the host can say durably up to which event a plugin is done (its cursor)
// and, after a restart, deliver again exactly what was not done.
//
// An event is pending for a plugin from just before it is queued until its
// delivery is final: handled, or recorded as a dead letter. A retry waiting
// for its back-off is still pending. An event being ingested (id assigned,
// not yet routed) holds every cursor below it.
//
// Thread-safety: every method may be called from any thread (one lock).
// The lock is a SpinLock: the producer takes it for every delivery it
// queues and the pool threads for every one they finish, each for well
// under a microsecond, and as a std::mutex it put the ingesting thread to
// sleep on every collision (perf: the largest cause of the daemon's
// ingest thread blocking).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "dispatch/spin_lock.h"

namespace eventhost {

class DeliveryLedger {
 public:
  // Events up to `id` were accepted before this ledger existed.
  void start_after(std::uint64_t id);

  void ingest_begin(std::uint64_t id);
  void ingest_end(std::uint64_t id);
  void queued(const std::string& plugin, std::uint64_t id);
  void finished(const std::string& plugin, std::uint64_t id);

  // Forgets what was pending for `plugin` (it was disabled: its cursor is
  // set afresh when it is enabled again).
  void forget(const std::string& plugin);

  // The highest id such that this plugin has finished every event up to
  // it that it takes.
  std::uint64_t cursor(const std::string& plugin) const;
  std::uint64_t highest() const;

 private:
  // One plugin's pending ids. Deliveries are queued in id order almost
  // always, so they go to a sorted deque (no allocation per id, finished
  // ones leave from the front); the rare older id (a retry, a replay) goes
  // to a small set.
  class Pending {
   public:
    void add(std::uint64_t id);
    void remove(std::uint64_t id);
    bool empty() const { return in_order_.empty() && out_of_order_.empty(); }
    std::uint64_t min() const;  // REQUIRES(!empty())

   private:
    std::deque<std::pair<std::uint64_t, std::uint32_t>> in_order_;  // id, n
    std::multiset<std::uint64_t> out_of_order_;
  };

  mutable SpinLock mutex_;
  std::uint64_t highest_ = 0;             // GUARDED_BY(mutex_)
  std::vector<std::uint64_t> ingesting_;  // GUARDED_BY(mutex_), per emitter
  std::map<std::string, Pending, std::less<>> pending_;  // GUARDED_BY(mutex_)
};

}  // namespace eventhost
