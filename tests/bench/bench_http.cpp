// Suite "http" -- NDJSON ingest into the real daemon over loopback: events/s
// acknowledged (a 2xx comes only once the batch is durable in the journal)
// with the noop plugin enabled, against the floor of the same events
// through Host::emit in this process with the same plugin and journal,
// measured in the same run. Every reply must be 2xx and, at the end, the
// daemon must report every event delivered to noop.
#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "bench_daemon.h"
#include "bench_scratch.h"
#include "bench_suite.h"
#include "core/host.h"

using namespace eventhost;

namespace {

constexpr int kBatch = 10000;  // events per request

std::string payload(int i) {
  return R"({"channel_id":)" + std::to_string(i) +
         R"(,"channel_name":"News HD","channel_number":101})";
}

std::string ndjson_batch() {
  std::string body;
  for (int i = 0; i < kBatch; ++i)
    body += R"({"event":"channel.created","data":)" + payload(i) + "}\n";
  return body;
}

// Sends `requests` batches on one connection, each checked to be fully
// accepted.
void post_batches(int port, const std::string& token, const std::string& body,
                  int requests) {
  bench::HttpConnection connection(port);
  const std::string accepted = "\"accepted\":" + std::to_string(kBatch);
  for (int r = 0; r < requests; ++r) {
    const auto reply =
        connection.request("POST", "/api/events", body,
                           {"Authorization: Bearer " + token,
                            "Content-Type: application/x-ndjson"});
    if (reply.status / 100 != 2 ||
        reply.body.find(accepted) == std::string::npos)
      throw std::runtime_error("POST /api/events answered " +
                               std::to_string(reply.status) + ": " +
                               reply.body.substr(0, 300));
  }
}

// noop's delivered count in the daemon's stats.
std::uint64_t delivered_to_noop(int port) {
  const auto stats =
      nlohmann::json::parse(bench::get_ok(port, "/api/events/stats"));
  return stats.at("plugins").at("noop").at("delivered").get<std::uint64_t>();
}

// Events/s acknowledged over `connections` connections sharing `requests`.
double http_rate(const bench::BenchDaemon& daemon, const std::string& body,
                 int requests, int connections) {
  const double seconds = bench::seconds_of([&] {
    std::vector<std::thread> senders;
    std::vector<std::exception_ptr> errors(connections);
    for (int c = 0; c < connections; ++c) {
      const int share = requests / connections + (c < requests % connections);
      senders.emplace_back([&, c, share] {
        try {
          post_batches(daemon.port(), daemon.token(), body, share);
        } catch (...) {
          errors[c] = std::current_exception();
        }
      });
    }
    for (auto& t : senders) t.join();
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);
  });
  return static_cast<double>(requests) * kBatch / seconds;
}

// The floor: the same events through Host::emit (catalogue and payload
// checks included, as the daemon does per line), timed until durable.
double in_process_rate(int events) {
  bench::Scratch scratch;
  HostOptions options;
  options.plugins_dir = scratch.root / "plugins";
  options.state_path = scratch.root / "state.db";
  Host host(options);
  host.enable("noop");
  if (!host.start(false).empty())
    throw std::runtime_error("noop did not start in process");
  std::vector<std::string> payloads;
  for (int i = 0; i < kBatch; ++i) payloads.push_back(payload(i));
  const double seconds = bench::seconds_of([&] {
    std::uint64_t ticket = 0;
    for (int i = 0; i < events; ++i) {
      ticket = host.emit("channel.created", payloads[i % kBatch],
                         Dispatcher::Overflow::kWait)
                   .journal_ticket;
    }
    if (!host.wait_durable(ticket).empty())
      throw std::runtime_error("journal failed");
  });
  if (!host.wait_idle(std::chrono::minutes(5)))
    throw std::runtime_error("in-process deliveries did not finish");
  host.stop();
  return events / seconds;
}

void run_http(const bench::Config& config, bench::Report& report) {
  const int requests = config.scaled(40);  // 400k events: ~2 s at 200k/s
  const int rounds = config.rounds(3);
  bench::Scratch scratch;
  const bench::EventhostArgs where{scratch.root / "plugins",
                                   scratch.root / "state.db",
                                   scratch.root / "home",
                                   {}};
  bench::run_eventhost_ok(where, {"plugins", "enable", "noop"});
  const std::string body = ndjson_batch();
  bench::BenchDaemon daemon(where,
                            {"--max-body", std::to_string(body.size() + 1024)});
  std::uint64_t sent = 0;
  post_batches(daemon.port(), daemon.token(), body, 1);  // warm-up
  sent += kBatch;

  std::vector<double> one, two, floor;
  for (int r = 0; r < rounds; ++r) {
    one.push_back(http_rate(daemon, body, requests, 1));
    two.push_back(http_rate(daemon, body, requests, 2));
    sent += 2ull * requests * kBatch;
    floor.push_back(in_process_rate(requests * kBatch));
  }
  // Acknowledged means durable, not yet delivered: wait for noop to catch
  // up, and refuse to report if it never does.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::minutes(2);
  std::uint64_t delivered = 0;
  while ((delivered = delivered_to_noop(daemon.port())) < sent &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (delivered != sent) {
    throw std::runtime_error("noop got " + std::to_string(delivered) + " of " +
                             std::to_string(sent) + " events");
  }

  const double one_rate = bench::median(one), two_rate = bench::median(two),
               floor_rate = bench::median(floor);
  const double bytes_per_event = static_cast<double>(body.size()) / kBatch;
  const std::string each = std::to_string(requests) + " x " +
                           std::to_string(kBatch) + " events per round";
  report.add({"1 connection", one_rate, "events/s",
              "acknowledged (durable); target >= 200k/s; " + each});
  report.add({"1 connection", one_rate * bytes_per_event / 1e6, "MB/s",
              "NDJSON request bodies"});
  report.add({"2 connections", two_rate, "events/s", "acknowledged"});
  report.add({"in process (floor)", floor_rate, "events/s",
              "Host::emit + wait_durable, noop, journal on"});
  report.add({"1 connection / floor", one_rate / floor_rate, "x",
              "1.0 = HTTP is free"});
  report.add({"2 connections / floor", two_rate / floor_rate, "x", ""});
  report.add({"2 connections / 1 connection", two_rate / one_rate, "x",
              "target >= 1.5: requests are answered side by side"});
}

}  // namespace

EH_BENCH_SUITE(60, "http",
               "NDJSON ingest into the daemon on loopback, noop enabled, "
               "batches of 10k events, vs Host::emit in process (median of 3)",
               run_http);
