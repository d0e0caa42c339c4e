// Suite "payload" -- what validating an event's payload costs against the
// dispatch it precedes, for channel.created payloads of ~150 B (what
// Dispatcharr sends), 1 KB and 16 KB, measured in one run:
//   - ns per Host::check (catalogue lookup, simdjson validation, the
//     field type checks, minify), and per nlohmann parse + dump of the
//     same text (what it replaced);
//   - events/s through Host::emit(name, payload), checks included, and
//     through Host::emit(checked), the same event checked once: dispatch
//     only. The noop plugin receives them; the journal is off, so the
//     figures are about validation versus dispatch.
// Payloads are spelled as Python's json.dumps writes them (", ", ": "), so
// the check has whitespace to remove; one row shows a minimal spelling.
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_scratch.h"
#include "bench_suite.h"
#include "core/host.h"

using namespace eventhost;

namespace {

constexpr const char* kEvent = "channel.created";

// A channel.created payload of at least `size` bytes: the catalogue's six
// fields, grown with a longer name and stream URLs (extra fields are
// allowed; the check reports them).
std::string channel_created(std::size_t size) {
  std::string name = "News HD";
  if (size > 150) name += " (regional feed, 1080p, backup via satellite)";
  std::string text =
      R"({"channel_id": 7, "channel_name": ")" + name +
      R"(", "channel_number": 101, )"
      R"("channel_uuid": "6f1c2d3e-4b5a-4978-8a9b-0c1d2e3f4a5b", )"
      R"("channel_group_id": 3, "channel_group_name": "News")";
  for (int i = 0; text.size() + 1 < size; ++i) {
    text += ", \"stream_" + std::to_string(i) +
            "\": \"http://streams.example.net/live/7/" + std::to_string(i) +
            ".m3u8\"";
  }
  return text + "}";
}

// The same payload without a byte of whitespace, as a machine writes it
// when its strings have no spaces either: the check copies it unchanged.
std::string minimal(std::string text) {
  std::erase(text, ' ');
  return text;
}

template <typename Fn>
double ns_per_call(int calls, Fn&& fn) {
  return bench::seconds_of([&] {
           for (int i = 0; i < calls; ++i) fn();
         }) *
         1e9 / calls;
}

struct Rates {
  double checked = 0, prechecked = 0;  // events/s
};

// One Host, both emit paths in turn, every event delivered to noop.
Rates emit_rates(const std::string& payload, int events) {
  bench::Scratch scratch;
  HostOptions options;
  options.plugins_dir = scratch.root / "plugins";
  options.state_path = scratch.root / "state.db";
  options.threads = 2;
  options.journal = false;
  Host host(options);
  host.enable("noop");
  if (!host.start(false).empty())
    throw std::runtime_error("noop did not start");
  const CheckedEvent checked = host.check(kEvent, payload);
  auto rate = [&](bool prechecked) {
    return events / bench::seconds_of([&] {
             for (int i = 0; i < events; ++i) {
               if (prechecked) {
                 host.emit(checked, Dispatcher::Overflow::kWait);
               } else {
                 host.emit(kEvent, payload, Dispatcher::Overflow::kWait);
               }
             }
             if (!host.wait_idle(std::chrono::minutes(5)))
               throw std::runtime_error("deliveries did not finish");
           });
  };
  Rates rates;
  rates.checked = rate(false);
  rates.prechecked = rate(true);
  const auto stats = host.runner_stats();
  if (stats.empty() ||
      stats[0].second.delivered != 2 * static_cast<std::uint64_t>(events)) {
    throw std::runtime_error("payload: not every event was delivered");
  }
  host.stop();
  return rates;
}

// Host::check needs no session: the Host is never started.
double check_ns(const std::string& payload, int calls) {
  bench::Scratch scratch;
  HostOptions options;
  options.plugins_dir = scratch.root / "plugins";
  options.state_path = scratch.root / "state.db";
  options.journal = false;
  const Host host(options);
  std::size_t bytes = 0;
  const double ns = ns_per_call(
      calls, [&] { bytes += host.check(kEvent, payload).payload.size(); });
  if (bytes == 0) throw std::runtime_error("payload: check produced nothing");
  return ns;
}

double nlohmann_ns(const std::string& payload, int calls) {
  std::size_t bytes = 0;
  const double ns = ns_per_call(calls, [&] {
    bytes += nlohmann::ordered_json::parse(payload).dump().size();
  });
  if (bytes == 0)
    throw std::runtime_error("payload: nlohmann produced nothing");
  return ns;
}

void run_payload(const bench::Config& config, bench::Report& report) {
  struct Size {
    std::size_t bytes;
    int events;  // fewer for big payloads, so each size takes similar time
  };
  const int rounds = config.rounds(5);
  for (const Size size :
       {Size{150, 200000}, Size{1024, 100000}, Size{16 * 1024, 10000}}) {
    const std::string payload = channel_created(size.bytes);
    const int events = config.scaled(size.events);
    const int calls = config.scaled(size.events * 2);
    std::vector<double> check, reference, with_checks, dispatch_only;
    for (int r = 0; r < rounds; ++r) {
      check.push_back(check_ns(payload, calls));
      reference.push_back(nlohmann_ns(payload, calls));
      const Rates rates = emit_rates(payload, events);
      with_checks.push_back(rates.checked);
      dispatch_only.push_back(rates.prechecked);
    }
    const std::string at = " (" + std::to_string(payload.size()) + " B)";
    const double check_med = bench::median(check);
    const double reference_med = bench::median(reference);
    const double dispatch_ns = 1e9 / bench::median(dispatch_only);
    report.add({"Host::check" + at, check_med, "ns/event",
                "simdjson validate + types + minify, extra fields"});
    report.add({"nlohmann parse+dump" + at, reference_med, "ns/event",
                "what the check did before"});
    report.add({"nlohmann / check" + at, reference_med / check_med, "x", ""});
    report.add({"emit + checks" + at, bench::median(with_checks), "events/s",
                "Host::emit(name, payload) to noop, journal off"});
    report.add({"emit pre-checked" + at, bench::median(dispatch_only),
                "events/s", "Host::emit(checked): dispatch only"});
    report.add({"validation / dispatch" + at, check_med / dispatch_ns, "ns/ns",
                size.bytes <= 300 ? "target < 1 for 100-300 B" : ""});
  }
  const std::string tight = minimal(channel_created(150));
  std::vector<double> tight_check;
  for (int r = 0; r < rounds; ++r) {
    tight_check.push_back(check_ns(tight, config.scaled(400000)));
  }
  report.add(
      {"Host::check, minimal text (" + std::to_string(tight.size()) + " B)",
       bench::median(tight_check), "ns/event",
       "no whitespace: copied, not minified"});
}

}  // namespace

EH_BENCH_SUITE(30, "payload",
               "payload validation (Host::check) vs nlohmann parse+dump and "
               "vs dispatch to a no-op plugin, ~150 B / 1 KB / 16 KB "
               "channel.created, x 5 rounds (median)",
               run_payload);
