// Suite "api" -- requests answered side by side: the latency of GET
// /api/plugins and of a one-event POST /api/events while a plugin action
// runs for 5 s on another connection, over the same requests with nothing
// else running, on the same daemon in the same run. The action is the
// test plugin blocker's "sleep"; the requests go to a fresh connection
// each, one after the other, and must all be answered before the action
// is: a measurement that outlasted it would not be "during" it.
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include "bench_daemon.h"
#include "bench_scratch.h"
#include "bench_suite.h"

using namespace eventhost;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kActionMs = 5000;

struct Latencies {
  std::vector<double> plugins, events;  // seconds per request
};

// `n` of each request, alternating, each on a fresh connection (as a
// dashboard or a script would open them).
Latencies measure(const bench::BenchDaemon& daemon, int n) {
  Latencies out;
  // An event blocker has no handler for, so its queue plays no part.
  const std::string event =
      R"({"event":"channel.deleted","data":{"channel_id":1}})";
  for (int i = 0; i < n; ++i) {
    out.plugins.push_back(bench::seconds_of([&] {
      bench::HttpConnection c(daemon.port());
      const auto reply = c.request("GET", "/api/plugins");
      if (reply.status != 200)
        throw std::runtime_error("GET /api/plugins answered " +
                                 std::to_string(reply.status));
    }));
    out.events.push_back(bench::seconds_of([&] {
      bench::HttpConnection c(daemon.port());
      const auto reply = c.request("POST", "/api/events", event,
                                   {"Authorization: Bearer " + daemon.token(),
                                    "Content-Type: application/json"});
      if (reply.status != 200)
        throw std::runtime_error("POST /api/events answered " +
                                 std::to_string(reply.status) + ": " +
                                 reply.body);
    }));
  }
  return out;
}

void run_api(const bench::Config& config, bench::Report& report) {
  const int n = config.quick ? 5 : 40;
  bench::Scratch scratch;
  scratch.add_plugin(bench::fs::path(EH_TEST_PLUGINS_DIR) / "blocker.so");
  const bench::EventhostArgs where{scratch.root / "plugins",
                                   scratch.root / "state.db",
                                   scratch.root / "home",
                                   {}};
  bench::run_eventhost_ok(where, {"plugins", "enable", "blocker"});
  bench::BenchDaemon daemon(where);
  measure(daemon, 3);  // warm-up
  const Latencies idle = measure(daemon, n);

  const int action_ms = config.quick ? 1000 : kActionMs;
  const auto action_start = Clock::now();
  auto action = std::async(std::launch::async, [&] {
    bench::HttpConnection c(daemon.port());
    const auto reply = c.request("POST", "/api/plugins/blocker/actions/sleep",
                                 R"({"ms":)" + std::to_string(action_ms) + "}",
                                 {"Authorization: Bearer " + daemon.token(),
                                  "Content-Type: application/json"});
    if (reply.status != 200)
      throw std::runtime_error("the sleep action answered " +
                               std::to_string(reply.status) + ": " +
                               reply.body);
    return Clock::now();
  });
  // Let the action reach the plugin before measuring.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const Latencies busy = measure(daemon, n);
  const auto measured = Clock::now();
  const auto action_end = action.get();
  if (measured >= action_end) {
    throw std::runtime_error(
        "the requests were answered only after the action ended (" +
        std::to_string(
            std::chrono::duration<double>(measured - action_start).count()) +
        " s after it began): they waited for it");
  }

  const double get_idle = bench::median(idle.plugins),
               get_busy = bench::median(busy.plugins),
               post_idle = bench::median(idle.events),
               post_busy = bench::median(busy.events);
  const std::string each = std::to_string(n) + " requests, median";
  report.add({"GET /api/plugins, idle", get_idle * 1e3, "ms", each});
  report.add({"GET /api/plugins, during a slow action", get_busy * 1e3, "ms",
              "blocker's action sleeps " + std::to_string(action_ms) + " ms"});
  report.add({"GET /api/plugins: during / idle", get_busy / get_idle, "x",
              "target <= 1.5"});
  report.add(
      {"POST /api/events, idle", post_idle * 1e3, "ms", each + ", one event"});
  report.add(
      {"POST /api/events, during a slow action", post_busy * 1e3, "ms", ""});
  report.add({"POST /api/events: during / idle", post_busy / post_idle, "x",
              "target <= 1.5"});
}

}  // namespace

EH_BENCH_SUITE(62, "api",
               "GET /api/plugins and POST /api/events while a plugin action "
               "sleeps 5 s vs idle, same daemon (median of 40)",
               run_api);
