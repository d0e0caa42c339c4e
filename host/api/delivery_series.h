// DeliverySeries -- the daemon's last 15 minutes, one point a second, for
// the dashboard's charts (GET /api/series): events emitted and suppressed,
// live-stream clients, deliveries by outcome (all plugins, and each
// plugin's), each plugin's handler duration p50 and p99; and each plugin's
// most recent failed deliveries (GET /api/failures).
//
// Fixed size, in memory: a ring of kPoints seconds for the daemon and one
// per plugin (created at its first delivery, at most kMaxPlugins; later
// plugins are not charted), and kFailuresKept failures per plugin.
//
// Cost on the delivery path: on_delivery() finds the plugin's counters in
// a lock-free table (a hash and a compare) and adds to two cumulative
// atomic counters (its outcome, and a duration bin of a log-scale
// histogram); only a failure takes a lock, the plugin's own. Once a second
// a ticker thread reads the counters, turns what they gained since its
// last look into that second's point (quantiles from the histogram's gain)
// and samples the gauges (emitted, suppressed, stream clients) through a
// callback; so a point is the second before the tick, to within the
// ticker's scheduling delay.
//
// Thread-safety: on_delivery() from any thread; start()/stop() from the
// owner; the JSON readers from any thread (a mutex shared with the ticker).
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "dispatch/delivery.h"

namespace eventhost {

class DeliverySeries {
 public:
  static constexpr std::size_t kPoints = 900;  // seconds kept
  static constexpr std::size_t kMaxPlugins = 256;
  static constexpr std::size_t kFailuresKept = 20;
  static constexpr std::size_t kOutcomes = 6;  // Outcome's values
  // Durations in ns, 4 bins an octave (a bin's middle is within 12.5 % of
  // its values) up to 2^40 ns (18 minutes); longer ones go in the last.
  static constexpr std::size_t kBins = 156;

  // Cumulative figures the ticker samples once a second.
  struct Gauges {
    std::uint64_t emitted = 0;      // total so far
    std::uint64_t suppressed = 0;   // total so far
    std::uint64_t sse_clients = 0;  // now
  };

  DeliverySeries();
  ~DeliverySeries();  // stop()
  DeliverySeries(const DeliverySeries&) = delete;
  DeliverySeries& operator=(const DeliverySeries&) = delete;

  void on_delivery(const DeliveryResult& result);

  // Starts the ticker; `sample` is called on its thread once a second and
  // must stay valid until stop().
  void start(std::function<Gauges()> sample);
  void stop();

  // Takes the point for Unix second `second` now (what the ticker does).
  void tick(std::int64_t second, const Gauges& gauges);

  // The daemon's points after Unix second `since` (0 = all kept):
  // {"resolution_s": 1, "first_s", "last_s", "emitted": [...],
  //  "suppressed": [...], "sse_clients": [...],
  //  "deliveries": {"ok": [...], "error": [...], ...}} -- one value a
  // second from first_s to last_s; null where no point was taken.
  nlohmann::json daemon_json(std::int64_t since) const;
  // The same for one plugin: "deliveries" by outcome, "p50_ms", "p99_ms"
  // (null in seconds without a timed delivery). A plugin with no delivery
  // yet gets zeros.
  nlohmann::json plugin_json(const std::string& key, std::int64_t since) const;
  // {"plugin", "failures": [{"event_id", "event", "outcome", "message",
  // "attempt", "at_us", "duration_ms"}, ...]}, newest first.
  nlohmann::json failures_json(const std::string& key) const;

  // The bin of a duration, and the duration a bin stands for (its middle).
  static std::size_t bin_of(std::uint64_t ns);
  static double bin_middle_ns(std::size_t bin);

 private:
  struct Failure {
    std::uint64_t event_id = 0;
    std::string event;
    Outcome outcome = Outcome::kOk;
    std::string message;
    std::uint32_t attempt = 1;
    std::int64_t at_us = 0;
    double duration_ms = 0;
  };
  struct PluginPoint {
    std::array<std::uint32_t, kOutcomes> outcomes{};
    float p50_ms = -1, p99_ms = -1;  // < 0: no timed delivery
  };
  struct DaemonPoint {
    std::uint32_t emitted = 0, suppressed = 0, sse_clients = 0;
    std::array<std::uint32_t, kOutcomes> outcomes{};
  };
  struct Plugin {
    explicit Plugin(std::string k) : key(std::move(k)) {}
    const std::string key;
    // Written on the delivery path, cumulative.
    std::array<std::atomic<std::uint64_t>, kOutcomes> outcomes{};
    std::array<std::atomic<std::uint64_t>, kBins> bins{};
    // The ticker's last look. GUARDED_BY(DeliverySeries::mutex_)
    std::array<std::uint64_t, kOutcomes> seen_outcomes{};
    std::array<std::uint64_t, kBins> seen_bins{};
    std::vector<PluginPoint> ring =
        std::vector<PluginPoint>(kPoints);  // by second % kPoints
    std::vector<std::int64_t> stamps = std::vector<std::int64_t>(kPoints, -1);
    mutable std::mutex failures_mutex;
    std::deque<Failure> failures;  // newest first; GUARDED_BY(failures_mutex)
  };

  // The plugin's counters, or null. add() creates them at a plugin's first
  // delivery; null past kMaxPlugins.
  Plugin* find(const std::string& key) const;
  Plugin* add(const std::string& key);
  // The seconds [first, last] of the points after `since`, or false.
  bool window(std::int64_t since, std::int64_t* first,
              std::int64_t* last) const;
  void run();

  // Open addressing, never removed: lookups take no lock.
  static constexpr std::size_t kSlots = 2 * kMaxPlugins;
  std::array<std::atomic<Plugin*>, kSlots> slots_{};
  std::mutex create_mutex_;                       // who inserts
  std::vector<std::unique_ptr<Plugin>> plugins_;  // GUARDED_BY(create_mutex_)

  mutable std::mutex mutex_;  // the rings, and what the ticker saw
  std::vector<DaemonPoint> ring_ = std::vector<DaemonPoint>(kPoints);
  std::vector<std::int64_t> stamps_ = std::vector<std::int64_t>(kPoints, -1);
  std::int64_t first_second_ = -1;  // the first point's second
  std::int64_t last_second_ = -1;   // the newest point's second
  Gauges seen_gauges_;              // the ticker's last look

  std::mutex ticker_mutex_;
  std::condition_variable ticker_cv_;
  bool stopping_ = false;  // GUARDED_BY(ticker_mutex_)
  std::function<Gauges()> sample_;
  std::thread ticker_;
};

}  // namespace eventhost
