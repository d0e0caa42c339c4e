// Suite "journal" -- what the journal costs: events/s through Host::emit to
// a no-op plugin with the journal off, on (the default: durable against a
// crash of the process) and on with --durability full (an fsync per
// batch), measured in one run, each round timed until the last event is
// both delivered and durable.
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

enum class Mode { kOff, kProcess, kFull };

double round_rate(Mode mode, int events) {
  bench::Scratch scratch;
  HostOptions options;
  options.plugins_dir = scratch.root / "plugins";
  options.state_path = scratch.root / "state.db";
  options.threads = 2;
  options.journal = mode != Mode::kOff;
  options.durability =
      mode == Mode::kFull ? Durability::kFull : Durability::kProcess;
  Host host(options);
  host.enable("noop");
  if (!host.start(false).empty())
    throw std::runtime_error("noop did not start");
  const CheckedEvent checked = host.check(
      "channel.created",
      R"({"channel_id":7,"channel_name":"News HD","channel_number":101})");
  const double seconds = bench::seconds_of([&] {
    std::uint64_t ticket = 0;
    for (int i = 0; i < events; ++i) {
      ticket = host.emit(checked, Dispatcher::Overflow::kWait).journal_ticket;
    }
    if (!host.wait_durable(ticket).empty())
      throw std::runtime_error("journal failed");
    if (!host.wait_idle(std::chrono::minutes(5))) {
      throw std::runtime_error("deliveries did not finish");
    }
  });
  host.stop();
  return events / seconds;
}

void run_journal(const bench::Config& config, bench::Report& report) {
  const int events = config.scaled(200000);
  const int rounds = config.rounds(5);
  std::vector<double> off, on, full;
  for (int r = 0; r < rounds; ++r) {
    off.push_back(round_rate(Mode::kOff, events));
    on.push_back(round_rate(Mode::kProcess, events));
    full.push_back(round_rate(Mode::kFull, events));
  }
  const double off_rate = bench::median(off), on_rate = bench::median(on),
               full_rate = bench::median(full);
  report.add({"journal off", off_rate, "events/s", "no durability"});
  report.add({"journal on (process)", on_rate, "events/s",
              "survives kill -9; target >= 200k/s"});
  report.add({"journal on (full)", full_rate, "events/s", "fsync per batch"});
  report.add({"on / off", on_rate / off_rate, "x", "1.0 = free"});
  report.add({"full / off", full_rate / off_rate, "x", ""});
}

}  // namespace

EH_BENCH_SUITE(50, "journal",
               "events/s through Host::emit to a no-op plugin until delivered "
               "and durable, 200k events x 5 rounds (median)",
               run_journal);
