#include "cli/delivery_log.h"

#include <algorithm>

namespace eventhost::cli {

std::function<void(const DeliveryResult&)> DeliveryLog::observer() {
  return [this](const DeliveryResult& result) { add(result); };
}

// A retried delivery reports each attempt; the log keeps the latest, so
// each plugin shows once per event with how its delivery ended.
void DeliveryLog::add(const DeliveryResult& result) {
  std::lock_guard lock(mutex_);
  for (DeliveryResult& r : results_) {
    if (r.event_id == result.event_id && r.plugin_key == result.plugin_key) {
      if (result.attempt >= r.attempt) r = result;
      return;
    }
  }
  results_.push_back(result);
}

std::vector<DeliveryResult> DeliveryLog::for_event(std::uint64_t id) const {
  std::vector<DeliveryResult> matching;
  {
    std::lock_guard lock(mutex_);
    for (const DeliveryResult& r : results_) {
      if (r.event_id == id) matching.push_back(r);
    }
  }
  std::sort(matching.begin(), matching.end(),
            [](const DeliveryResult& a, const DeliveryResult& b) {
              return a.plugin_key < b.plugin_key;
            });
  return matching;
}

std::size_t DeliveryLog::failures_among(
    const std::set<std::uint64_t>& ids) const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(results_.begin(), results_.end(), [&](const auto& r) {
        return ids.count(r.event_id) > 0 && delivery_failed(r);
      }));
}

bool delivery_failed(const DeliveryResult& result) {
  return result.outcome != Outcome::kOk;
}

}  // namespace eventhost::cli
