// DeliveryLog -- collects the delivery outcomes a Host reports, so emit can
// tell the user which plugins got its event and how each call went.
//
// Thread-safety: the observer runs on the host's pool threads (and on the
// emitting thread for drops); every method takes the internal mutex. The
// log must outlive the Host it observes.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <vector>

#include "dispatch/delivery.h"

namespace eventhost::cli {

class DeliveryLog {
 public:
  // The callback for HostOptions::observer.
  std::function<void(const DeliveryResult&)> observer();

  // The outcomes of event `id`, ordered by plugin key: one per plugin, its
  // last attempt's (a failed delivery is retried).
  std::vector<DeliveryResult> for_event(std::uint64_t id) const;

  // How many outcomes of the events `ids` failed or were dropped.
  std::size_t failures_among(const std::set<std::uint64_t>& ids) const;

 private:
  void add(const DeliveryResult& result);

  mutable std::mutex mutex_;
  std::vector<DeliveryResult> results_;  // GUARDED_BY(mutex_)
};

// True if the delivery did not succeed (failed, threw, timed out, dropped).
bool delivery_failed(const DeliveryResult& result);

}  // namespace eventhost::cli
