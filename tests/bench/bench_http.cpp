// Suite "http" -- NDJSON ingest into the real daemon over loopback: events/s
// acknowledged (a 2xx comes only once the batch is durable in the journal)
// with the noop plugin enabled, against the floor of the same events
// through Host::emit in this process with the same plugin and journal,
// measured in the same run. Every reply must be 2xx and, at the end, the
// daemon must report every event delivered to noop.
//
// Besides the rates, the CPU time the daemon and this process (the
// clients) used during each run, read from /proc and getrusage: per event
// and in cores busy. On 2 cores, what one connection already takes of
// them bounds what a second can add.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
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

// CPU seconds this process (the bench's clients) has used so far.
double own_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Run {
  double rate = 0;                            // events/s acknowledged
  double daemon_cpu = 0;                      // CPU seconds per event
  double daemon_cores = 0, client_cores = 0;  // CPU seconds per second
};

// Events/s acknowledged over `connections` connections sharing `requests`.
Run http_rate(const bench::BenchDaemon& daemon, const std::string& body,
              int requests, int connections) {
  const double daemon_before = bench::cpu_seconds_of(daemon.pid());
  const double client_before = own_cpu_seconds();
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
  const double events = static_cast<double>(requests) * kBatch;
  const double daemon_cpu = bench::cpu_seconds_of(daemon.pid()) - daemon_before;
  const double client_cpu = own_cpu_seconds() - client_before;
  return {events / seconds, daemon_cpu / events, daemon_cpu / seconds,
          client_cpu / seconds};
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
  std::vector<double> cpu_one, cpu_two, cores_one, cores_two, clients_one,
      clients_two;
  for (int r = 0; r < rounds; ++r) {
    const Run single = http_rate(daemon, body, requests, 1);
    const Run pair = http_rate(daemon, body, requests, 2);
    one.push_back(single.rate);
    two.push_back(pair.rate);
    cpu_one.push_back(single.daemon_cpu);
    cpu_two.push_back(pair.daemon_cpu);
    cores_one.push_back(single.daemon_cores);
    cores_two.push_back(pair.daemon_cores);
    clients_one.push_back(single.client_cores);
    clients_two.push_back(pair.client_cores);
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
  report.add({"daemon CPU per event, 1 connection",
              bench::median(cpu_one) * 1e6, "us",
              "user + system, all threads"});
  report.add({"daemon CPU per event, 2 connections",
              bench::median(cpu_two) * 1e6, "us", ""});
  report.add({"daemon cores busy, 1 connection", bench::median(cores_one),
              "cores", "CPU s per wall s"});
  report.add({"daemon cores busy, 2 connections", bench::median(cores_two),
              "cores", ""});
  report.add({"clients' cores busy, 1 connection", bench::median(clients_one),
              "cores", "this process"});
  report.add({"clients' cores busy, 2 connections", bench::median(clients_two),
              "cores", ""});
  report.add({"cores online",
              static_cast<double>(::sysconf(_SC_NPROCESSORS_ONLN)), "cores",
              "shared with other processes"});
}

}  // namespace

EH_BENCH_SUITE(60, "http",
               "NDJSON ingest into the daemon on loopback, noop enabled, "
               "batches of 10k events, vs Host::emit in process (median of 3)",
               run_http);
