// DeliveryLog -- collects the delivery outcomes a Host reports, so emit can
// tell the user which plugins got its event and how each call went.
//
// It keeps only what the command prints, each result in constant time:
// `emit EVENT` prints every plugin's outcome of one event (Keep::kAll),
// `emit --ndjson` prints how many deliveries failed (Keep::kFailures: a
// success is not stored, it only clears an earlier failed attempt of the
// same delivery). A retried delivery reports each attempt; the log keeps
// the latest, so each plugin shows once per event with how it ended.
//
// Thread-safety: the observer runs on the host's pool threads (and on the
// emitting thread for drops); every method takes the internal mutex. The
// log must outlive the Host it observes.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "dispatch/delivery.h"

namespace eventhost::cli {

class DeliveryLog {
 public:
  enum class Keep { kAll, kFailures };
  explicit DeliveryLog(Keep keep) : keep_(keep) {}

  // The callback for HostOptions::observer.
  std::function<void(const DeliveryResult&)> observer();

  // The outcomes of event `id`, ordered by plugin key: one per plugin, its
  // last attempt's. With Keep::kFailures, only the failed ones.
  std::vector<DeliveryResult> for_event(std::uint64_t id) const;

  // How many deliveries of the events `ids` (ascending) ended failed or
  // dropped.
  std::size_t failures_among(const std::vector<std::uint64_t>& ids) const;

  // How many outcomes the log holds now.
  std::size_t retained() const;

 private:
  struct DeliveryKey {
    std::uint64_t event_id;
    std::string plugin_key;
    bool operator==(const DeliveryKey&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const DeliveryKey& k) const noexcept;
  };

  void add(const DeliveryResult& result);

  const Keep keep_;
  mutable std::mutex mutex_;
  std::unordered_map<DeliveryKey, DeliveryResult, KeyHash>
      latest_;  // GUARDED_BY(mutex_)
};

// True if the delivery did not succeed (failed, threw, timed out, dropped).
bool delivery_failed(const DeliveryResult& result);

}  // namespace eventhost::cli
