// Suite "dispatch" -- the host's in-process dispatch against its floor.
//
// Host: N events through Host::emit (already checked: validation has its
// own suite) to P bench no-op plugins, timed until every delivery ended.
// Floor: for the same N x P calls, boost::asio::post of a direct call to
// the same handler (dlsym'd from the same files) on a thread_pool of the
// same size, timed until the pool has run them all. Both have one producer
// thread. Rounds alternate so that a noisy neighbour hurts both alike.
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "bench_suite.h"
#include "bench_world.h"

namespace eventhost::bench {
namespace {

constexpr const char* kPayload =
    R"({"channel_id":7,"channel_name":"News HD","channel_number":101})";

eh_event sample_event() {
  eh_event ev{};
  ev.struct_size = sizeof(eh_event);
  ev.level = EH_LEVEL_FULL;
  ev.name = "channel.created";
  ev.payload = kPayload;
  ev.payload_size = std::char_traits<char>::length(kPayload);
  ev.id = 1;
  ev.attempt = 1;
  return ev;
}

// Calls per second of the floor: each event posts one call per handler.
double raw_rate(const RawHandlers& raw, unsigned threads, int events) {
  const eh_event ev = sample_event();
  const auto& handlers = raw.handlers();
  boost::asio::thread_pool pool(threads);
  const double seconds = seconds_of([&] {
    for (int i = 0; i < events; ++i) {
      for (eh_handler_fn fn : handlers) {
        boost::asio::post(pool, [fn, &ev] { fn(&ev, nullptr); });
      }
    }
    pool.join();
  });
  return static_cast<double>(events) * handlers.size() / seconds;
}

// Deliveries per second through the host.
double host_rate(int plugins, unsigned threads, int events) {
  BenchWorld world(plugins, threads);
  Host& host = *world.host;
  const CheckedEvent checked = host.check("channel.created", kPayload);
  const double seconds = seconds_of([&] {
    for (int i = 0; i < events; ++i) {
      host.emit(checked, Dispatcher::Overflow::kWait);
    }
    if (!host.wait_idle(std::chrono::minutes(5))) {
      throw std::runtime_error("deliveries did not finish");
    }
  });
  const std::uint64_t expected = static_cast<std::uint64_t>(events) * plugins;
  if (world.delivered() != expected) {
    throw std::runtime_error("delivered " + std::to_string(world.delivered()) +
                             " of " + std::to_string(expected));
  }
  return expected / seconds;
}

// Nanoseconds of Host::emit for an event no plugin takes: what the host
// does per event before any delivery (id, time, route lookup, bookkeeping).
double emit_only_ns(int events) {
  BenchWorld world(1, 1);
  Host& host = *world.host;
  // The no-op plugins handle channel.created only.
  const CheckedEvent checked = host.check(
      "channel.deleted", R"({"channel_id":7,"channel_name":"News HD"})");
  const double seconds = seconds_of([&] {
    for (int i = 0; i < events; ++i) {
      host.emit(checked, Dispatcher::Overflow::kWait);
    }
  });
  return seconds * 1e9 / events;
}

// Nanoseconds of one direct call through the dlsym'd pointer.
double direct_call_ns(const RawHandlers& raw, int calls) {
  const eh_event ev = sample_event();
  eh_handler_fn volatile fn = raw.handlers().front();
  std::int32_t sink = 0;
  const double seconds = seconds_of([&] {
    for (int i = 0; i < calls; ++i) sink += fn(&ev, nullptr);
  });
  if (sink != 0) throw std::runtime_error("the no-op handler failed");
  return seconds * 1e9 / calls;
}

void run_dispatch(const Config& config, Report& report) {
  const int deliveries = config.scaled(400000);
  const int rounds = config.rounds(3);
  double host_1x1 = 0, raw_1x1 = 0;
  for (const unsigned threads : {1u, 2u}) {
    for (const int plugins : {1, 8, 64}) {
      const RawHandlers raw(plugins);
      const int events = std::max(1, deliveries / plugins);
      std::vector<double> host, floor;
      for (int r = 0; r < rounds; ++r) {
        floor.push_back(raw_rate(raw, threads, events));
        host.push_back(host_rate(plugins, threads, events));
      }
      const double h = median(host), f = median(floor);
      const std::string shape =
          std::to_string(threads) + " thread" + (threads > 1 ? "s, " : ", ") +
          std::to_string(plugins) + " plugin" + (plugins > 1 ? "s" : "");
      report.add({"host, " + shape, h, "deliv/s", "Host::emit, pre-checked"});
      report.add({"raw post, " + shape, f, "calls/s", "asio::post floor"});
      report.add({"host / raw, " + shape, h / f, "x",
                  "target >= 0.8" +
                      std::string(threads == 2 ? "; >= 2M deliv/s" : "")});
      if (threads == 1 && plugins == 1) host_1x1 = h, raw_1x1 = f;
    }
  }
  const double direct = direct_call_ns(RawHandlers(1), config.scaled(20000000));
  report.add({"direct call", direct, "ns", "through the dlsym'd pointer"});
  report.add({"raw post overhead", 1e9 / raw_1x1 - direct, "ns/call",
              "1 thread, 1 plugin, over the direct call"});
  report.add({"host overhead", 1e9 / host_1x1 - direct, "ns/deliv",
              "1 thread, 1 plugin, over the direct call"});
  report.add({"emit, no plugin takes it", emit_only_ns(deliveries), "ns/event",
              "the producer's share of that"});
}

}  // namespace
}  // namespace eventhost::bench

EH_BENCH_SUITE(10, "dispatch",
               "no-op plugins through Host::emit vs raw asio::post of the "
               "same handler, 400k deliveries x 3 rounds (median)",
               eventhost::bench::run_dispatch);
