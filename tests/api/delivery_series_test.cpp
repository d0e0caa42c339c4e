// DeliverySeries: the one-point-a-second figures behind the dashboard's
// charts, and each plugin's recent failures.
#include "api/delivery_series.h"

#include <catch2/catch.hpp>
#include <thread>

using namespace eventhost;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

DeliveryResult delivery(const std::string& plugin, Outcome outcome,
                        std::chrono::nanoseconds duration,
                        std::uint64_t event_id = 1) {
  DeliveryResult r;
  r.plugin_key = plugin;
  r.event_id = event_id;
  r.event_name = "channel.created";
  r.outcome = outcome;
  r.duration = duration;
  r.message = outcome == Outcome::kOk ? "" : "boom " + std::to_string(event_id);
  return r;
}

DeliverySeries::Gauges gauges(std::uint64_t emitted, std::uint64_t suppressed,
                              std::uint64_t clients) {
  DeliverySeries::Gauges g;
  g.emitted = emitted;
  g.suppressed = suppressed;
  g.sse_clients = clients;
  return g;
}

}  // namespace

TEST_CASE("a duration's bin stands for it to within an eighth") {
  for (std::uint64_t ns = 1; ns < (std::uint64_t{1} << 39); ns = ns * 3 + 1) {
    const std::size_t bin = DeliverySeries::bin_of(ns);
    REQUIRE(bin < DeliverySeries::kBins);
    const double middle = DeliverySeries::bin_middle_ns(bin);
    INFO(ns << " ns -> bin " << bin << " middle " << middle);
    CHECK(std::abs(middle - static_cast<double>(ns)) <=
          0.125 * static_cast<double>(ns) + 0.5);
  }
  CHECK(DeliverySeries::bin_of(UINT64_MAX) == DeliverySeries::kBins - 1);
}

TEST_CASE("each tick makes one point of what happened since the last") {
  DeliverySeries series;
  for (int i = 0; i < 98; ++i) {
    series.on_delivery(delivery("rec", Outcome::kOk, 1ms));
  }
  series.on_delivery(delivery("rec", Outcome::kOk, 100ms));
  series.on_delivery(delivery("rec", Outcome::kError, 200ms));
  series.on_delivery(delivery("rec", Outcome::kDropped, 0ns));
  series.tick(1000, gauges(40, 3, 2));
  series.on_delivery(delivery("rec", Outcome::kOk, 2ms));
  series.tick(1001, gauges(41, 3, 1));

  const json all = series.daemon_json(0);
  CHECK(all["first_s"] == 1000);
  CHECK(all["last_s"] == 1001);
  CHECK(all["emitted"] == json::array({40, 1}));
  CHECK(all["suppressed"] == json::array({3, 0}));
  CHECK(all["sse_clients"] == json::array({2, 1}));
  CHECK(all["deliveries"]["ok"] == json::array({99, 1}));
  CHECK(all["deliveries"]["error"] == json::array({1, 0}));
  CHECK(all["deliveries"]["dropped"] == json::array({1, 0}));

  const json rec = series.plugin_json("rec", 0);
  CHECK(rec["deliveries"]["ok"] == json::array({99, 1}));
  // 100 timed calls: 98 of 1 ms, one of 100 ms, one of 200 ms.
  CHECK(rec["p50_ms"][0].get<double>() == Approx(1.0).epsilon(0.13));
  CHECK(rec["p99_ms"][0].get<double>() == Approx(100.0).epsilon(0.13));
  CHECK(rec["p50_ms"][1].get<double>() == Approx(2.0).epsilon(0.13));

  // Only what the page does not have yet.
  const json newer = series.daemon_json(1000);
  CHECK(newer["first_s"] == 1001);
  CHECK(newer["emitted"] == json::array({1}));
  CHECK(series.daemon_json(1001)["emitted"].empty());
}

TEST_CASE("seconds without a tick are null, and only 15 minutes are kept") {
  DeliverySeries series;
  series.tick(100, gauges(1, 0, 0));
  series.tick(103, gauges(2, 0, 0));
  const json gap = series.daemon_json(0);
  CHECK(gap["emitted"] == json::array({1, nullptr, nullptr, 1}));
  CHECK(series.plugin_json("never_delivered", 0)["deliveries"]["ok"] ==
        json::array({0, nullptr, nullptr, 0}));

  for (std::int64_t s = 104; s < 104 + 1000; ++s) {
    series.tick(s, gauges(2 + static_cast<std::uint64_t>(s), 0, 0));
  }
  const json kept = series.daemon_json(0);
  CHECK(kept["emitted"].size() == DeliverySeries::kPoints);
  CHECK(kept["last_s"] == 1103);
  CHECK(kept["first_s"] == 1103 - 899);
  // A clock stepping back adds nothing.
  series.tick(500, gauges(0, 0, 0));
  CHECK(series.daemon_json(0)["last_s"] == 1103);
}

TEST_CASE("a plugin's failures are kept newest first, at most kFailuresKept") {
  DeliverySeries series;
  series.on_delivery(delivery("p", Outcome::kOk, 1ms, 1));
  for (std::uint64_t id = 2; id < 2 + 30; ++id) {
    series.on_delivery(delivery("p", Outcome::kException, 1ms, id));
  }
  const json failures = series.failures_json("p")["failures"];
  REQUIRE(failures.size() == DeliverySeries::kFailuresKept);
  CHECK(failures[0]["event_id"] == 31);
  CHECK(failures[0]["outcome"] == "exception");
  CHECK(failures[0]["message"] == "boom 31");
  CHECK(failures.back()["event_id"] == 12);
  CHECK(series.failures_json("other")["failures"].empty());
}

TEST_CASE("deliveries from many threads to many plugins are all counted") {
  DeliverySeries series;
  constexpr int kThreads = 4, kPlugins = 40, kEach = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&series, t] {
      for (int i = 0; i < kEach; ++i) {
        const int plugin = (i + t) % kPlugins;
        series.on_delivery(
            delivery("p" + std::to_string(plugin), Outcome::kOk, 1us));
      }
    });
  }
  for (auto& t : threads) t.join();
  series.tick(7, gauges(0, 0, 0));
  CHECK(series.daemon_json(0)["deliveries"]["ok"] ==
        json::array({kThreads * kEach}));
  std::uint64_t sum = 0;
  for (int p = 0; p < kPlugins; ++p) {
    sum += series.plugin_json("p" + std::to_string(p), 0)["deliveries"]["ok"][0]
               .get<std::uint64_t>();
  }
  CHECK(sum == kThreads * kEach);
}
