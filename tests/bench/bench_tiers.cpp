// Suite "tiers" -- deliveries per second to a no-op plugin in the process
// tier versus the thread tier, measured in one run.
//
// Each round starts a Host on a fresh state with the noop plugin in one
// tier, emits N channel.created events through Host::emit (catalogue and
// payload checks included, as for any producer) and waits until every
// delivery finished. Rounds alternate between the tiers so that a noisy
// neighbour hurts both alike; the median of each is reported with the
// ratio.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>

#include "bench_scratch.h"
#include "bench_suite.h"
#include "core/host.h"

namespace fs = std::filesystem;
using namespace eventhost;

namespace {

// Deliveries per second for one round of `events` in `tier`. With
// `prechecked`, the catalogue and payload checks run once, not per event,
// so the figure is the delivery path's alone.
double round_rate(const char* tier, int events, bool prechecked) {
  bench::Scratch scratch;
  HostOptions options;
  options.plugins_dir = scratch.root / "plugins";
  options.state_path = scratch.root / "state.db";
  options.threads = 2;
  options.journal = false;  // its cost is the journal suite's; here, tiers
  Host host(options);
  host.set_isolation("noop", tier);
  host.enable("noop");
  if (!host.start(false).empty())
    throw std::runtime_error("noop did not start");
  const std::string payload =
      R"({"channel_id":7,"channel_name":"News HD","channel_number":101})";
  const CheckedEvent checked = host.check("channel.created", payload);
  const double seconds = bench::seconds_of([&] {
    for (int i = 0; i < events; ++i) {
      if (prechecked) {
        host.emit(checked, Dispatcher::Overflow::kWait);
      } else {
        host.emit("channel.created", payload, Dispatcher::Overflow::kWait);
      }
    }
    if (!host.wait_idle(std::chrono::minutes(5))) {
      throw std::runtime_error("deliveries did not finish");
    }
  });
  const auto stats = host.runner_stats();
  if (stats.empty() ||
      stats[0].second.delivered != static_cast<std::uint64_t>(events)) {
    throw std::runtime_error(std::string(tier) +
                             ": not every event was delivered");
  }
  host.stop();
  return events / seconds;
}

void run_tiers(const bench::Config& config, bench::Report& report) {
  const int events = config.scaled(200000);
  const int rounds = config.rounds(5);
  for (const bool prechecked : {false, true}) {
    std::vector<double> thread_rates, process_rates;
    for (int r = 0; r < rounds; ++r) {
      thread_rates.push_back(round_rate("thread", events, prechecked));
      process_rates.push_back(round_rate("process", events, prechecked));
    }
    const double thread_rate = bench::median(thread_rates);
    const double process_rate = bench::median(process_rates);
    const std::string how = prechecked ? "delivery only: " : "emit + checks: ";
    report.add(
        {how + "thread tier", thread_rate, "events/s", "in the host process"});
    report.add({how + "process tier", process_rate, "events/s",
                "worker process, batched frames"});
    report.add({how + "thread / process", thread_rate / process_rate, "x",
                "target: within 2x"});
  }
}

}  // namespace

EH_BENCH_SUITE(70, "tiers",
               "no-op plugin in the process tier vs the thread tier, "
               "200k events x 5 rounds, 2 threads (median)",
               run_tiers);
