// Suite "latency" -- emit -> handler-entry latency at half the peak rate.
//
// The latency_probe plugin stores CLOCK_MONOTONIC at the start of each
// call in a shared file, slot `event id % slots`; the benchmark takes the
// same clock (std::chrono::steady_clock) just before each Host::emit, so a
// figure is the whole path: emit, route, queue, a pool thread waking, the
// call. First the peak rate is measured with the same plugin; then events
// are paced at a fraction of it (see kSpinBeforeNs).
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

#include "bench_suite.h"
#include "bench_world.h"

namespace eventhost::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             Clock::now().time_since_epoch())
      .count();
}

// The probe's slots, mapped by the benchmark as well.
class Slots {
 public:
  Slots(const fs::path& path, std::size_t count) : count_(count) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    // Allocated, not sparse: the probe's first write to a page must not
    // wait for the file system.
    if (fd < 0 || posix_fallocate(fd, 0, static_cast<off_t>(count * 8)) != 0) {
      throw std::runtime_error("cannot create " + path.string());
    }
    void* map =
        mmap(nullptr, count * 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) throw std::runtime_error("cannot map the slots");
    slots_ = static_cast<std::uint64_t*>(map);
  }
  ~Slots() { munmap(slots_, count_ * 8); }
  Slots(const Slots&) = delete;
  Slots& operator=(const Slots&) = delete;
  std::uint64_t entry_of(std::uint64_t id) const {
    return __atomic_load_n(&slots_[id % count_], __ATOMIC_RELAXED);
  }
  std::size_t count() const { return count_; }

 private:
  std::size_t count_;
  std::uint64_t* slots_ = nullptr;
};

struct ProbeWorld {
  explicit ProbeWorld(std::size_t slots)
      : probe(scratch.root / "slots.bin", slots) {
    scratch.add_plugin(bench_plugin("latency_probe.so"));
    HostOptions options;
    options.plugins_dir = scratch.root / "plugins";
    options.state_path = scratch.root / "state.db";
    options.threads = 2;
    options.journal = false;
    host = std::make_unique<Host>(options);
    host->configure("latency_probe",
                    {{"path", (scratch.root / "slots.bin").string()}});
    host->enable("latency_probe");
    const auto problems = host->start(false);
    if (!problems.empty()) throw std::runtime_error(problems.front());
  }
  ~ProbeWorld() { host->stop(); }
  Scratch scratch;
  Slots probe;
  std::unique_ptr<Host> host;
};

constexpr const char* kPayload =
    R"({"channel_id":7,"channel_name":"News HD","channel_number":101})";

double peak_rate(int events) {
  ProbeWorld world(static_cast<std::size_t>(events) + 1);
  const CheckedEvent checked = world.host->check("channel.created", kPayload);
  const double seconds = seconds_of([&] {
    for (int i = 0; i < events; ++i) {
      world.host->emit(checked, Dispatcher::Overflow::kWait);
    }
    world.host->wait_idle(std::chrono::minutes(1));
  });
  return events / seconds;
}

// The emitter sleeps until this close to an event's time, then spins. A
// real sparse emitter does not hold a core between events; one that spun
// the whole gap left the host's pool thread one core to share with every
// other task that woke on this 2-core machine, and those preemptions were
// the whole p99.9 at 10 k events/s (2.3-3.8 ms; 49 us with a sleeping
// emitter). At half the peak rate the gap is shorter than this, so that
// emitter spins as before.
constexpr std::int64_t kSpinBeforeNs = 30000;

// Latencies in microseconds, sorted, of `events` paced at `rate` per s.
std::vector<double> paced_latencies(int events, double rate) {
  ProbeWorld world(static_cast<std::size_t>(events) + 1);
  Host& host = *world.host;
  const CheckedEvent checked = host.check("channel.created", kPayload);
  std::vector<std::pair<std::uint64_t, std::int64_t>> sent;  // id, emit ns
  sent.reserve(static_cast<std::size_t>(events));
  const double interval_ns = 1e9 / rate;
  const std::int64_t start = now_ns();
  for (int i = 0; i < events; ++i) {
    const auto due = start + static_cast<std::int64_t>(i * interval_ns);
    std::int64_t t = now_ns();
    while (t < due - kSpinBeforeNs) {
      std::this_thread::sleep_for(std::chrono::microseconds(5));
      t = now_ns();
    }
    while (t < due) t = now_ns();
    const std::uint64_t id =
        host.emit(checked, Dispatcher::Overflow::kWait).event_id;
    sent.emplace_back(id, t);
  }
  if (!host.wait_idle(std::chrono::minutes(1))) {
    throw std::runtime_error("deliveries did not finish");
  }
  std::vector<double> us;
  us.reserve(sent.size());
  for (const auto& [id, emitted] : sent) {
    const auto entered = static_cast<std::int64_t>(world.probe.entry_of(id));
    if (entered < emitted) {
      throw std::runtime_error("the probe did not see event " +
                               std::to_string(id));
    }
    us.push_back(static_cast<double>(entered - emitted) / 1000.0);
  }
  std::sort(us.begin(), us.end());
  return us;
}

void add_percentiles(Report& report, const std::string& at,
                     const std::vector<double>& us, const std::string& note) {
  report.add({at + " p50", quantile(us, 0.50), "us", note});
  report.add({at + " p99", quantile(us, 0.99), "us",
              note.empty() ? "" : "target < 100 us"});
  report.add({at + " p99.9", quantile(us, 0.999), "us", ""});
  report.add({at + " max", us.empty() ? 0 : us.back(), "us", ""});
}

void run_latency(const Config& config, Report& report) {
  const int events = config.scaled(200000);
  const double peak = peak_rate(events);
  report.add({"peak rate", peak, "events/s", "latency_probe, 2 threads"});
  const double half = peak / 2;
  add_percentiles(report, "at 50% of peak", paced_latencies(events, half),
                  "emit -> handler entry");
  // A light load: the pool threads sleep between events, so each event
  // pays for waking one.
  const double light = 10000;
  add_percentiles(report, "at 10k events/s",
                  paced_latencies(std::min(events, 50000), light), "");
}

}  // namespace
}  // namespace eventhost::bench

EH_BENCH_SUITE(20, "latency",
               "emit -> handler-entry latency, latency_probe plugin, 2 "
               "threads, 200k events paced at half the peak rate",
               eventhost::bench::run_latency);
