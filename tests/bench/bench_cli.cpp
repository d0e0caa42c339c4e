// Suite "cli" -- what a user runs: the real `eventhost emit --ndjson FILE`
// process with the three example plugins enabled (audit_log writing to a
// file, event_logger, login_guard), on 100 000 and 200 000 channel.created
// lines. Reports events/s for each and the ratio of the two wall times:
// about 2.0 when the cost per event does not grow with the run (the CLI
// once scanned every earlier result for each new one, and took 110 s for
// 100 000 events). The floor is the same command with no plugin enabled.
//
// The same command through a running daemon (`eventhost run` on the same
// state: the CLI then sends the lines over the daemon's control socket) is
// timed twice: until the command exits (every line acknowledged, journaled)
// and until audit_log has written every event.
//
// Each run gets a fresh state file and audit file, and counts the audit
// file's lines afterwards: a run that did not deliver every event is an
// error, not a figure.
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "bench_daemon.h"
#include "bench_scratch.h"
#include "bench_suite.h"

namespace fs = std::filesystem;
using namespace eventhost;

namespace {

constexpr const char* kExamples[] = {"audit_log", "event_logger",
                                     "login_guard"};

fs::path write_events(const fs::path& dir, int count) {
  const fs::path file = dir / ("events-" + std::to_string(count) + ".ndjson");
  std::ofstream out(file);
  for (int i = 0; i < count; ++i) {
    out << R"({"event": "channel.created", "data": {"channel_id": )" << i
        << R"(, "channel_name": "News"}})"
        << "\n";
  }
  if (!out) throw std::runtime_error("cannot write " + file.string());
  return file;
}

std::size_t lines_with(const fs::path& file, const std::string& needle) {
  std::ifstream in(file);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    n += line.find(needle) != std::string::npos;
  }
  return n;
}

// A fresh state with the examples enabled (or none), ready for one run.
bench::EventhostArgs fresh_world(const bench::Scratch& scratch, int serial,
                                 bool with_plugins, fs::path& audit) {
  const std::string tag = std::to_string(serial);
  bench::EventhostArgs where{scratch.root / "plugins",
                             scratch.root / ("state-" + tag + ".db"),
                             scratch.root / "home",
                             {}};
  audit = scratch.root / ("audit-" + tag + ".jsonl");
  if (!with_plugins) return where;
  bench::run_eventhost_ok(
      where, {"plugins", "configure", "audit_log", "path=" + audit.string()});
  for (const char* key : kExamples) {
    bench::run_eventhost_ok(where, {"plugins", "enable", key});
  }
  return where;
}

// Wall seconds of one `emit --ndjson` of `count` events, checked.
double emit_seconds(const bench::Scratch& scratch, int& serial,
                    const fs::path& events, int count, bool with_plugins) {
  fs::path audit;
  const bench::EventhostArgs where =
      fresh_world(scratch, ++serial, with_plugins, audit);
  std::string out;
  const double seconds = bench::seconds_of([&] {
    out = bench::run_eventhost_ok(where, {"emit", "--ndjson", events.string()});
  });
  const std::string expected = std::to_string(count) + " emitted";
  if (out.find(expected) == std::string::npos ||
      out.find(" 0 delivery failures") == std::string::npos) {
    throw std::runtime_error("emit --ndjson did not deliver every event: " +
                             out);
  }
  if (with_plugins && lines_with(audit, "\"channel.created\"") !=
                          static_cast<std::size_t>(count)) {
    throw std::runtime_error("audit_log did not write every event");
  }
  fs::remove(where.state);
  return seconds;
}

struct RemoteTimes {
  double acknowledged = 0;  // the command's wall time
  double delivered = 0;     // until audit_log wrote the last event
};

// One `emit --ndjson` of `count` events through a daemon running the three
// examples, checked like emit_seconds.
RemoteTimes emit_remote_seconds(const bench::Scratch& scratch, int& serial,
                                const fs::path& events, int count) {
  fs::path audit;
  const bench::EventhostArgs where = fresh_world(scratch, ++serial, true, audit);
  RemoteTimes times;
  {
    const bench::BenchDaemon daemon(where);
    const auto start = std::chrono::steady_clock::now();
    const std::string out =
        bench::run_eventhost_ok(where, {"emit", "--ndjson", events.string()});
    times.acknowledged = std::chrono::duration<double>(
                             std::chrono::steady_clock::now() - start)
                             .count();
    if (out.find(std::to_string(count) + " emitted") == std::string::npos) {
      throw std::runtime_error("emit --ndjson through the daemon: " + out);
    }
    const auto deadline = start + std::chrono::minutes(2);
    while (lines_with(audit, "\"channel.created\"") !=
           static_cast<std::size_t>(count)) {
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error(
            "the daemon's audit_log did not write every event within 2 "
            "minutes; its log: " +
            daemon.log());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    times.delivered = std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - start)
                          .count();
  }
  fs::remove(where.state);
  return times;
}

void run_cli(const bench::Config& config, bench::Report& report) {
  bench::Scratch scratch;
  fs::remove(scratch.root / "plugins" / "noop.so");
  for (const char* key : kExamples) {
    scratch.add_plugin(fs::path(EH_PLUGINS_DIR) / (std::string(key) + ".so"));
  }
  const int small = config.scaled(100000), large = config.scaled(200000);
  const fs::path small_file = write_events(scratch.root, small);
  const fs::path large_file = write_events(scratch.root, large);
  int serial = 0;
  emit_seconds(scratch, serial, small_file, small, true);  // warm the caches

  std::vector<double> t_small, t_large, t_floor, t_acked, t_delivered;
  for (int r = 0; r < config.rounds(3); ++r) {
    t_small.push_back(emit_seconds(scratch, serial, small_file, small, true));
    t_large.push_back(emit_seconds(scratch, serial, large_file, large, true));
    t_floor.push_back(emit_seconds(scratch, serial, large_file, large, false));
    const RemoteTimes remote =
        emit_remote_seconds(scratch, serial, small_file, small);
    t_acked.push_back(remote.acknowledged);
    t_delivered.push_back(remote.delivered);
  }
  const double s = bench::median(t_small), l = bench::median(t_large),
               f = bench::median(t_floor);
  const std::string n_small = std::to_string(small),
                    n_large = std::to_string(large);
  report.add({"emit --ndjson " + n_small + ", 3 examples", small / s,
              "events/s", "process wall time; target >= 200 000/s"});
  report.add({"emit --ndjson " + n_large + ", 3 examples", large / l,
              "events/s", "target >= 200 000/s"});
  report.add(
      {"time " + n_large + " / time " + n_small, l / s, "x", "linear = 2.0"});
  report.add({"emit --ndjson " + n_large + ", no plugin", large / f, "events/s",
              "floor: parse, check, journal"});
  report.add({"3 examples / no plugin", f / l, "x", "of the floor's rate"});
  report.add({"emit --ndjson " + n_small + " via daemon, acknowledged",
              small / bench::median(t_acked), "events/s",
              "control socket; target >= 200 000/s"});
  report.add({"emit --ndjson " + n_small + " via daemon, delivered",
              small / bench::median(t_delivered), "events/s",
              "until audit_log wrote the last one"});
}

}  // namespace

EH_BENCH_SUITE(75, "cli",
               "the real `eventhost emit --ndjson` with the three example "
               "plugins on 100 000 and 200 000 events: rate and linearity",
               run_cli);
