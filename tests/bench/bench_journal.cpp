// Suite "journal" -- what the journal costs: events/s through Host::emit to
// a no-op plugin with the journal off, on (the default: durable against a
// crash of the process) and on with --durability full (an fsync per
// batch), measured in one run, each round timed until the last event is
// both delivered and durable. Besides the rates, the CPU time the process
// used per event in each mode (every thread: emitter, pool, journal
// writer): on 2 cores the journal's cost shows there first.
#include <sys/resource.h>

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

// CPU seconds (user + system, all threads) this process has used so far.
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Round {
  double rate;  // events/s
  double cpu_us_per_event;
};

Round run_round(Mode mode, int events) {
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
  const double cpu_before = cpu_seconds();
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
  const double cpu = cpu_seconds() - cpu_before;
  host.stop();
  return {events / seconds, cpu * 1e6 / events};
}

void run_journal(const bench::Config& config, bench::Report& report) {
  const int events = config.scaled(200000);
  const int rounds = config.rounds(5);
  std::vector<double> off, on, full, off_cpu, on_cpu, full_cpu;
  const auto run = [&](Mode mode, std::vector<double>& rates,
                       std::vector<double>& cpu) {
    const Round round = run_round(mode, events);
    rates.push_back(round.rate);
    cpu.push_back(round.cpu_us_per_event);
  };
  for (int r = 0; r < rounds; ++r) {
    run(Mode::kOff, off, off_cpu);
    run(Mode::kProcess, on, on_cpu);
    run(Mode::kFull, full, full_cpu);
  }
  const double off_rate = bench::median(off), on_rate = bench::median(on),
               full_rate = bench::median(full);
  report.add({"journal off", off_rate, "events/s", "no durability"});
  report.add({"journal on (process)", on_rate, "events/s",
              "survives kill -9; target >= 200k/s"});
  report.add({"journal on (full)", full_rate, "events/s", "fsync per batch"});
  report.add({"on / off", on_rate / off_rate, "x", "1.0 = free"});
  report.add({"full / off", full_rate / off_rate, "x", ""});
  report.add({"CPU per event, off", bench::median(off_cpu), "us",
              "all threads, user + system"});
  report.add({"CPU per event, on (process)", bench::median(on_cpu), "us", ""});
  report.add({"CPU per event, on (full)", bench::median(full_cpu), "us", ""});
}

}  // namespace

EH_BENCH_SUITE(50, "journal",
               "events/s through Host::emit to a no-op plugin until delivered "
               "and durable, 200k events x 5 rounds (median)",
               run_journal);
