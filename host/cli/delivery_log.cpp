#include "cli/delivery_log.h"

#include <algorithm>

namespace eventhost::cli {

std::function<void(const DeliveryResult&)> DeliveryLog::observer() {
  return [this](const DeliveryResult& result) { add(result); };
}

void DeliveryLog::add(const DeliveryResult& result) {
  std::lock_guard lock(mutex_);
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
