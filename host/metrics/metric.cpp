// Counter and Histogram: the lock-free hot path of the metrics.
#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "metrics/metrics.h"

namespace eventhost {

static_assert(std::atomic<double>::is_always_lock_free,
              "metrics updates must not take a lock");

void Counter::add(double amount) {
  if (!(amount >= 0)) {  // also refuses NaN
    throw Error(
        ErrorKind::kInvalidInput,
        "a counter only goes up; cannot add " + format_metric_value(amount));
  }
  fraction_.fetch_add(amount, std::memory_order_relaxed);
}

double Counter::value() const noexcept {
  return static_cast<double>(whole_.load(std::memory_order_relaxed)) +
         fraction_.load(std::memory_order_relaxed);
}

std::string Counter::text() const {
  if (fraction_.load(std::memory_order_relaxed) == 0) {
    return std::to_string(whole_.load(std::memory_order_relaxed));
  }
  return format_metric_value(value());
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i] = 0;
}

void Histogram::observe(double value) noexcept {
  if (std::isnan(value)) return;
  // First bound >= value: "le" is inclusive. Past the last one is +Inf.
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  counts_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(
      1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  // _count is derived from the buckets, so a scrape during observe() is
  // still self-consistent (+Inf bucket == _count).
  Snapshot snap;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    snap.cumulative.push_back(total);
  }
  snap.count = total;
  snap.sum = sum_.load(std::memory_order_relaxed);
  return snap;
}

const std::vector<double>& default_duration_buckets() {
  static const std::vector<double> kBuckets{0.0001, 0.0005, 0.001, 0.005, 0.01,
                                            0.05,   0.1,    0.5,   1,     5};
  return kBuckets;
}

}  // namespace eventhost
