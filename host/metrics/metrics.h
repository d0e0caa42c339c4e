// MetricsRegistry -- the host's Prometheus metrics, rendered as text
// exposition format 0.0.4 for GET /metrics.
//
// A registry holds metric families (name, help, type), each with children
// told apart by their labels. Counters and histograms are updated on the hot
// path without a lock (atomics); finding a labelled child takes the
// registry's lock, so callers look it up once and keep the reference, which
// stays valid as long as the registry. Gauges are read through a callback at
// scrape time, so values that live elsewhere (queue depth, SSE clients) are
// never stale.
//
// Thread-safety: every method may be called from any thread. render() calls
// the gauge callbacks on its own thread without the registry's lock held, so
// a callback may use the registry.
// Errors: Error(kInvalidInput) for a bad metric or label name, a name
// redeclared with another type (or bucket bounds), a duplicate label name,
// bad bucket bounds, or a counter decreased. An exception from a gauge
// callback propagates out of render().
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "metrics/exposition.h"

namespace eventhost {

// A monotonic count. Whole increments stay exact past 2^53.
class Counter {
 public:
  void inc(std::uint64_t n = 1) noexcept {
    whole_.fetch_add(n, std::memory_order_relaxed);
  }
  // Adds a fractional amount (seconds of CPU, bytes as double...). Throws
  // Error(kInvalidInput) if `amount` is negative or NaN.
  void add(double amount);
  double value() const noexcept;
  // The value as exposition text: integral counts print without rounding.
  std::string text() const;

 private:
  std::atomic<std::uint64_t> whole_{0};
  std::atomic<double> fraction_{0.0};
};

// Observations counted into buckets with inclusive upper bounds ("le").
class Histogram {
 public:
  // `bounds` must be finite and strictly increasing (the registry checks).
  explicit Histogram(std::vector<double> bounds);

  // Lock-free. NaN is ignored: one would poison _sum for good.
  void observe(double value) noexcept;

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    std::uint64_t count = 0;  // == cumulative.back()
  };
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // bounds + 1
  std::atomic<double> sum_{0.0};
};

// One gauge reading returned by a callback.
struct Sample {
  Labels labels;
  double value = 0;
};

// 0.0001 s to 5 s, for handler durations.
const std::vector<double>& default_duration_buckets();

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // The counter child of family `name` with these labels, declared on first
  // use (the first help text stays). Same labels in another order: same
  // child.
  Counter& counter(std::string name, std::string help, Labels labels = {});

  // Likewise for a histogram; every child of a family has the same bounds.
  Histogram& histogram(std::string name, std::string help, Labels labels = {},
                       std::vector<double> bounds = default_duration_buckets());

  // Declares gauge family `name`, read by calling `read` at each render().
  // A name may have only one callback.
  void gauge_callback(std::string name, std::string help,
                      std::function<std::vector<Sample>()> read);

  // The whole exposition, families in declaration order, children in
  // creation order.
  std::string render() const;

 private:
  enum class Type;
  struct Family;
  // REQUIRES(mutex_)
  Family& declare(std::string name, std::string help, Type type,
                  std::vector<double> bounds);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Family>> families_;     // GUARDED_BY(mutex_)
  std::unordered_map<std::string, Family*> by_name_;  // GUARDED_BY(mutex_)
};

}  // namespace eventhost
