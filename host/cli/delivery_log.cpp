#include "cli/delivery_log.h"

#include <algorithm>

namespace eventhost::cli {

std::size_t DeliveryLog::KeyHash::operator()(
    const DeliveryKey& k) const noexcept {
  return std::hash<std::uint64_t>{}(k.event_id) * 31 +
         std::hash<std::string>{}(k.plugin_key);
}

std::function<void(const DeliveryResult&)> DeliveryLog::observer() {
  return [this](const DeliveryResult& result) { add(result); };
}

void DeliveryLog::add(const DeliveryResult& result) {
  const bool failed = delivery_failed(result);
  std::lock_guard lock(mutex_);
  // The common case of `emit --ndjson`: a success with nothing to clear.
  if (!failed && keep_ == Keep::kFailures && latest_.empty()) return;
  DeliveryKey key{result.event_id, result.plugin_key};
  const auto it = latest_.find(key);
  if (it != latest_.end()) {
    if (result.attempt < it->second.attempt) return;  // an older attempt
    if (failed || keep_ == Keep::kAll) {
      it->second = result;
    } else {
      latest_.erase(it);  // the retry succeeded: nothing to report
    }
    return;
  }
  if (failed || keep_ == Keep::kAll) latest_.emplace(std::move(key), result);
}

std::vector<DeliveryResult> DeliveryLog::for_event(std::uint64_t id) const {
  std::vector<DeliveryResult> matching;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, result] : latest_) {
      if (key.event_id == id) matching.push_back(result);
    }
  }
  std::sort(matching.begin(), matching.end(),
            [](const DeliveryResult& a, const DeliveryResult& b) {
              return a.plugin_key < b.plugin_key;
            });
  return matching;
}

std::size_t DeliveryLog::failures_among(
    const std::vector<std::uint64_t>& ids) const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(latest_.begin(), latest_.end(), [&](const auto& entry) {
        return delivery_failed(entry.second) &&
               std::binary_search(ids.begin(), ids.end(), entry.first.event_id);
      }));
}

std::size_t DeliveryLog::retained() const {
  std::lock_guard lock(mutex_);
  return latest_.size();
}

bool delivery_failed(const DeliveryResult& result) {
  return result.outcome != Outcome::kOk;
}

}  // namespace eventhost::cli
