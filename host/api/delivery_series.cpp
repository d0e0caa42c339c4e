#include "api/delivery_series.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>

namespace eventhost {
namespace {

using Clock = std::chrono::system_clock;

constexpr Outcome kAllOutcomes[] = {Outcome::kOk,        Outcome::kError,
                                    Outcome::kException, Outcome::kTimeout,
                                    Outcome::kDropped,   Outcome::kCrashed};
static_assert(std::size(kAllOutcomes) == DeliverySeries::kOutcomes);

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             Clock::now().time_since_epoch())
      .count();
}

// The value at quantile `q` of the durations counted in `bins` (their gain
// over one second), in ms; < 0 if there were none.
template <typename Bins>
float quantile_ms(const Bins& bins, double q) {
  std::uint64_t total = 0;
  for (std::uint64_t n : bins) total += n;
  if (total == 0) return -1;
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total))));
  std::uint64_t below = 0;
  for (std::size_t b = 0; b < bins.size(); ++b) {
    if (below + bins[b] >= rank) {
      return static_cast<float>(DeliverySeries::bin_middle_ns(b) / 1e6);
    }
    below += bins[b];
  }
  return static_cast<float>(DeliverySeries::bin_middle_ns(bins.size() - 1) /
                            1e6);
}

}  // namespace

DeliverySeries::DeliverySeries() = default;

DeliverySeries::~DeliverySeries() { stop(); }

std::size_t DeliverySeries::bin_of(std::uint64_t ns) {
  if (ns < 4) return ns;
  ns = std::min<std::uint64_t>(ns, (std::uint64_t{1} << 40) - 1);
  const unsigned octave = std::bit_width(ns) - 1;  // >= 2
  const std::uint64_t sub = (ns >> (octave - 2)) & 3;
  return 4 * (octave - 1) + sub;
}

double DeliverySeries::bin_middle_ns(std::size_t bin) {
  if (bin < 4) return static_cast<double>(bin) + 0.5;
  const std::size_t octave = bin / 4 + 1;
  const double width = std::ldexp(1.0, static_cast<int>(octave) - 2);
  return static_cast<double>(4 + bin % 4) * width + width / 2;
}

DeliverySeries::Plugin* DeliverySeries::find(const std::string& key) const {
  const std::size_t start = std::hash<std::string>{}(key) % kSlots;
  for (std::size_t i = 0; i < kSlots; ++i) {
    Plugin* p = slots_[(start + i) % kSlots].load(std::memory_order_acquire);
    if (p == nullptr || p->key == key) return p;
  }
  return nullptr;
}

// Inserters take the first empty slot of the key's probe sequence, under
// one mutex; readers never see a slot emptied.
DeliverySeries::Plugin* DeliverySeries::add(const std::string& key) {
  std::lock_guard lock(create_mutex_);
  if (Plugin* p = find(key)) return p;
  if (plugins_.size() == kMaxPlugins) return nullptr;
  const std::size_t start = std::hash<std::string>{}(key) % kSlots;
  for (std::size_t i = 0; i < kSlots; ++i) {
    auto& slot = slots_[(start + i) % kSlots];
    if (slot.load(std::memory_order_relaxed) != nullptr) continue;
    plugins_.push_back(std::make_unique<Plugin>(key));
    slot.store(plugins_.back().get(), std::memory_order_release);
    return plugins_.back().get();
  }
  return nullptr;
}

void DeliverySeries::on_delivery(const DeliveryResult& r) {
  Plugin* p = find(r.plugin_key);
  if (p == nullptr && (p = add(r.plugin_key)) == nullptr) return;
  p->outcomes[static_cast<std::size_t>(r.outcome)].fetch_add(
      1, std::memory_order_relaxed);
  if (r.outcome != Outcome::kDropped) {
    const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(
        0, static_cast<std::int64_t>(r.duration.count())));
    p->bins[bin_of(ns)].fetch_add(1, std::memory_order_relaxed);
  }
  if (r.outcome == Outcome::kOk) return;
  Failure f;
  f.event_id = r.event_id;
  f.event = r.event_name;
  f.outcome = r.outcome;
  f.message = r.message;
  f.attempt = r.attempt;
  f.at_us = now_us();
  f.duration_ms = std::chrono::duration<double, std::milli>(r.duration).count();
  std::lock_guard lock(p->failures_mutex);
  p->failures.push_front(std::move(f));
  if (p->failures.size() > kFailuresKept) p->failures.pop_back();
}

void DeliverySeries::tick(std::int64_t second, const Gauges& g) {
  std::lock_guard lock(mutex_);
  if (second <= last_second_) return;  // the clock stepped back
  DaemonPoint point;
  point.emitted = static_cast<std::uint32_t>(g.emitted - seen_gauges_.emitted);
  point.suppressed =
      static_cast<std::uint32_t>(g.suppressed - seen_gauges_.suppressed);
  point.sse_clients = static_cast<std::uint32_t>(g.sse_clients);
  seen_gauges_ = g;
  const std::size_t at = static_cast<std::size_t>(second) % kPoints;
  for (auto& slot : slots_) {
    Plugin* p = slot.load(std::memory_order_acquire);
    if (p == nullptr) continue;
    PluginPoint pp;
    for (std::size_t o = 0; o < kOutcomes; ++o) {
      const std::uint64_t now = p->outcomes[o].load(std::memory_order_relaxed);
      pp.outcomes[o] = static_cast<std::uint32_t>(now - p->seen_outcomes[o]);
      p->seen_outcomes[o] = now;
      point.outcomes[o] += pp.outcomes[o];
    }
    std::array<std::uint64_t, kBins> gained{};
    for (std::size_t b = 0; b < kBins; ++b) {
      const std::uint64_t now = p->bins[b].load(std::memory_order_relaxed);
      gained[b] = now - p->seen_bins[b];
      p->seen_bins[b] = now;
    }
    pp.p50_ms = quantile_ms(gained, 0.50);
    pp.p99_ms = quantile_ms(gained, 0.99);
    p->ring[at] = pp;
    p->stamps[at] = second;
  }
  ring_[at] = point;
  stamps_[at] = second;
  if (first_second_ < 0) first_second_ = second;
  last_second_ = second;
}

void DeliverySeries::start(std::function<Gauges()> sample) {
  stop();
  sample_ = std::move(sample);
  stopping_ = false;
  ticker_ = std::thread([this] { run(); });
}

void DeliverySeries::stop() {
  if (!ticker_.joinable()) return;
  {
    std::lock_guard lock(ticker_mutex_);
    stopping_ = true;
  }
  ticker_cv_.notify_all();
  ticker_.join();
}

// Wakes just after each whole second and takes the point of the second
// that just ended.
void DeliverySeries::run() {
  std::unique_lock lock(ticker_mutex_);
  while (!stopping_) {
    const auto next = std::chrono::floor<std::chrono::seconds>(Clock::now()) +
                      std::chrono::seconds(1) + std::chrono::milliseconds(5);
    if (ticker_cv_.wait_until(lock, next, [this] { return stopping_; })) break;
    const std::int64_t second =
        std::chrono::floor<std::chrono::seconds>(Clock::now())
            .time_since_epoch()
            .count() -
        1;
    lock.unlock();
    tick(second, sample_());
    lock.lock();
  }
}

bool DeliverySeries::window(std::int64_t since, std::int64_t* first,
                            std::int64_t* last) const {
  if (last_second_ < 0) return false;
  *last = last_second_;
  *first = std::max({last_second_ - static_cast<std::int64_t>(kPoints) + 1,
                     since + 1, first_second_});
  return *first <= *last;
}

nlohmann::json DeliverySeries::daemon_json(std::int64_t since) const {
  std::lock_guard lock(mutex_);
  nlohmann::json emitted = nlohmann::json::array(),
                 suppressed = nlohmann::json::array(),
                 clients = nlohmann::json::array(),
                 deliveries = nlohmann::json::object();
  for (Outcome o : kAllOutcomes)
    deliveries[to_string(o)] = nlohmann::json::array();
  std::int64_t first = 0, last = 0;
  const bool any = window(since, &first, &last);
  for (std::int64_t s = first; any && s <= last; ++s) {
    const std::size_t at = static_cast<std::size_t>(s) % kPoints;
    const bool held = stamps_[at] == s;
    const DaemonPoint& p = ring_[at];
    emitted.push_back(held ? nlohmann::json(p.emitted) : nullptr);
    suppressed.push_back(held ? nlohmann::json(p.suppressed) : nullptr);
    clients.push_back(held ? nlohmann::json(p.sse_clients) : nullptr);
    for (std::size_t o = 0; o < kOutcomes; ++o) {
      deliveries[to_string(kAllOutcomes[o])].push_back(
          held ? nlohmann::json(p.outcomes[o]) : nullptr);
    }
  }
  return {{"resolution_s", 1},
          {"first_s", any ? nlohmann::json(first) : nullptr},
          {"last_s",
           last_second_ < 0 ? nlohmann::json() : nlohmann::json(last_second_)},
          {"emitted", emitted},
          {"suppressed", suppressed},
          {"sse_clients", clients},
          {"deliveries", deliveries}};
}

nlohmann::json DeliverySeries::plugin_json(const std::string& key,
                                           std::int64_t since) const {
  Plugin* p = find(key);
  std::lock_guard lock(mutex_);
  nlohmann::json p50 = nlohmann::json::array(), p99 = nlohmann::json::array(),
                 deliveries = nlohmann::json::object();
  for (Outcome o : kAllOutcomes)
    deliveries[to_string(o)] = nlohmann::json::array();
  std::int64_t first = 0, last = 0;
  const bool any = window(since, &first, &last);
  for (std::int64_t s = first; any && s <= last; ++s) {
    const std::size_t at = static_cast<std::size_t>(s) % kPoints;
    // A plugin not yet seen had no deliveries: zero, where the daemon has
    // a point.
    const bool held = stamps_[at] == s;
    const bool own = p != nullptr && p->stamps[at] == s;
    const PluginPoint point = own ? p->ring[at] : PluginPoint{};
    for (std::size_t o = 0; o < kOutcomes; ++o) {
      deliveries[to_string(kAllOutcomes[o])].push_back(
          held ? nlohmann::json(point.outcomes[o]) : nullptr);
    }
    const auto ms = [&](float v) {
      return held && v >= 0 ? nlohmann::json(std::round(v * 1000.0) / 1000.0)
                            : nlohmann::json();
    };
    p50.push_back(ms(point.p50_ms));
    p99.push_back(ms(point.p99_ms));
  }
  return {{"plugin", key},
          {"resolution_s", 1},
          {"first_s", any ? nlohmann::json(first) : nullptr},
          {"last_s",
           last_second_ < 0 ? nlohmann::json() : nlohmann::json(last_second_)},
          {"deliveries", deliveries},
          {"p50_ms", p50},
          {"p99_ms", p99}};
}

nlohmann::json DeliverySeries::failures_json(const std::string& key) const {
  nlohmann::json list = nlohmann::json::array();
  if (Plugin* p = find(key)) {
    std::lock_guard lock(p->failures_mutex);
    for (const Failure& f : p->failures) {
      list.push_back({{"event_id", f.event_id},
                      {"event", f.event},
                      {"outcome", to_string(f.outcome)},
                      {"message", f.message},
                      {"attempt", f.attempt},
                      {"at_us", f.at_us},
                      {"duration_ms", f.duration_ms}});
    }
  }
  return {{"plugin", key}, {"failures", list}};
}

}  // namespace eventhost
