#include "core/delivery_ledger.h"

#include <algorithm>

namespace eventhost {

void DeliveryLedger::start_after(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  highest_ = std::max(highest_, id);
}

void DeliveryLedger::ingest_begin(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  ingesting_.insert(id);
  highest_ = std::max(highest_, id);
}

void DeliveryLedger::ingest_end(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  const auto it = ingesting_.find(id);
  if (it != ingesting_.end()) ingesting_.erase(it);
}

void DeliveryLedger::queued(const std::string& plugin, std::uint64_t id) {
  std::lock_guard lock(mutex_);
  pending_[plugin].insert(id);
}

void DeliveryLedger::finished(const std::string& plugin, std::uint64_t id) {
  std::lock_guard lock(mutex_);
  const auto p = pending_.find(plugin);
  if (p == pending_.end()) return;
  const auto it = p->second.find(id);
  if (it != p->second.end()) p->second.erase(it);
}

void DeliveryLedger::forget(const std::string& plugin) {
  std::lock_guard lock(mutex_);
  const auto p = pending_.find(plugin);
  if (p != pending_.end()) pending_.erase(p);
}

std::uint64_t DeliveryLedger::cursor(const std::string& plugin) const {
  std::lock_guard lock(mutex_);
  std::uint64_t floor = highest_ + 1;
  if (!ingesting_.empty()) floor = std::min(floor, *ingesting_.begin());
  const auto p = pending_.find(plugin);
  if (p != pending_.end() && !p->second.empty()) {
    floor = std::min(floor, *p->second.begin());
  }
  return floor - 1;
}

std::uint64_t DeliveryLedger::highest() const {
  std::lock_guard lock(mutex_);
  return highest_;
}

}  // namespace eventhost
