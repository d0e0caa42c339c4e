#include "core/delivery_ledger.h"

#include <algorithm>

namespace eventhost {

void DeliveryLedger::Pending::add(std::uint64_t id) {
  if (in_order_.empty() || id > in_order_.back().first) {
    in_order_.emplace_back(id, 1);
    return;
  }
  const auto it = std::lower_bound(
      in_order_.begin(), in_order_.end(), id,
      [](const auto& entry, std::uint64_t v) { return entry.first < v; });
  if (it != in_order_.end() && it->first == id) {
    ++it->second;
  } else {
    out_of_order_.insert(id);
  }
}

void DeliveryLedger::Pending::remove(std::uint64_t id) {
  // Deliveries finish in the order they were queued almost always: the
  // oldest pending id is at the front (perf: the binary search over the
  // deque's blocks was most of what a finished delivery cost the ledger
  // when the pool ran behind the emitter).
  if (!in_order_.empty() && in_order_.front().first == id) {
    if (--in_order_.front().second == 0) {
      while (!in_order_.empty() && in_order_.front().second == 0) {
        in_order_.pop_front();
      }
    }
    return;
  }
  const auto it = std::lower_bound(
      in_order_.begin(), in_order_.end(), id,
      [](const auto& entry, std::uint64_t v) { return entry.first < v; });
  if (it != in_order_.end() && it->first == id && it->second > 0) {
    --it->second;
    while (!in_order_.empty() && in_order_.front().second == 0) {
      in_order_.pop_front();
    }
    return;
  }
  const auto other = out_of_order_.find(id);
  if (other != out_of_order_.end()) out_of_order_.erase(other);
}

std::uint64_t DeliveryLedger::Pending::min() const {
  std::uint64_t low = UINT64_MAX;
  // Entries finished while not at the front stay with a zero count.
  for (const auto& [id, count] : in_order_) {
    if (count > 0) {
      low = id;
      break;
    }
  }
  if (!out_of_order_.empty()) low = std::min(low, *out_of_order_.begin());
  return low;
}

void DeliveryLedger::start_after(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  highest_ = std::max(highest_, id);
}

void DeliveryLedger::ingest_begin(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  ingesting_.push_back(id);
  highest_ = std::max(highest_, id);
}

void DeliveryLedger::ingest_end(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  const auto it = std::find(ingesting_.begin(), ingesting_.end(), id);
  if (it == ingesting_.end()) return;
  *it = ingesting_.back();
  ingesting_.pop_back();
}

void DeliveryLedger::queued(const std::string& plugin, std::uint64_t id) {
  std::lock_guard lock(mutex_);
  const auto p = pending_.find(plugin);
  (p != pending_.end() ? p->second : pending_[plugin]).add(id);
}

void DeliveryLedger::finished(const std::string& plugin, std::uint64_t id) {
  std::lock_guard lock(mutex_);
  const auto p = pending_.find(plugin);
  if (p != pending_.end()) p->second.remove(id);
}

void DeliveryLedger::forget(const std::string& plugin) {
  std::lock_guard lock(mutex_);
  const auto p = pending_.find(plugin);
  if (p != pending_.end()) pending_.erase(p);
}

std::uint64_t DeliveryLedger::cursor(const std::string& plugin) const {
  std::lock_guard lock(mutex_);
  std::uint64_t floor = highest_ + 1;
  for (const std::uint64_t id : ingesting_) floor = std::min(floor, id);
  const auto p = pending_.find(plugin);
  if (p != pending_.end() && !p->second.empty()) {
    floor = std::min(floor, p->second.min());
  }
  return floor - 1;
}

std::uint64_t DeliveryLedger::highest() const {
  std::lock_guard lock(mutex_);
  return highest_;
}

}  // namespace eventhost
