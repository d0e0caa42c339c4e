// Suite "cluster_delivery" -- deliveries per second of a cluster with 1, 2
// and 3 real `eventhost run --cluster` nodes on one real redis-server
// (AOF on, fsync once a second), each node running the no-op plugin: NDJSON
// batches of 10k posted to the nodes round-robin, timed from the first post
// until the nodes' noop delivered counters add up to every event. With
// Redis's own counters (INFO commandstats) before and after: the commands
// per event; and, in one more run per node count through a relay that
// counts them (bench_redis_proxy.h), the round trips per event, which is
// what bounds scaling on machines with cores to spare. Skipped, with a
// line saying so, when redis-server is not installed.
#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <thread>

#include "../cluster/redis_server.h"
#include "bench_cluster_nodes.h"
#include "bench_redis_proxy.h"
#include "bench_scratch.h"
#include "bench_suite.h"

using namespace eventhost;

namespace {

constexpr int kBatch = 10000;  // events per request
constexpr int kMaxNodes = 3;

std::string ndjson_batch() {
  std::string body;
  for (int i = 0; i < kBatch; ++i) {
    body += R"({"event":"channel.created","data":{"channel_id":)" +
            std::to_string(i) +
            R"(,"channel_name":"News HD","channel_number":101}})" + "\n";
  }
  return body;
}

std::uint64_t delivered_to_noop(const bench::BenchDaemon& node) {
  const auto stats =
      nlohmann::json::parse(bench::get_ok(node.port(), "/api/events/stats"));
  return stats.at("plugins").at("noop").at("delivered").get<std::uint64_t>();
}

// The benchmark's own commands (INFO, XINFO): not the nodes' cost.
bool is_ours(const std::string& command) {
  return command == "info" || command.rfind("xinfo", 0) == 0;
}

// Commands only the cluster's Lua scripts run (host/cluster sends none of
// them itself): INFO counts them, but they cost no round trip.
bool in_scripts_only(const std::string& command) {
  static const std::set<std::string> names{
      "time", "xadd", "xpending", "xclaim", "pexpire", "xdel", "sadd", "hdel"};
  return names.count(command) != 0;
}

struct Round {
  double rate = 0;        // deliveries/s
  double executed = 0;    // Redis commands run for the nodes, per 1k events
  double sent = 0;        // of which the nodes sent (not run by scripts)
  std::string breakdown;  // the most frequent commands, per 1k events
  // Round trips per 1k events by connection role, when counted (a run
  // through the RoundTripProxy).
  std::map<std::string, double> trips;
};

std::string breakdown_of(
    const std::vector<std::pair<std::uint64_t, std::string>>& calls,
    double events) {
  std::string out;
  for (std::size_t i = 0; i < calls.size() && i < 5; ++i) {
    char figure[32];
    std::snprintf(figure, sizeof figure, "%.1f",
                  calls[i].first * 1000.0 / events);
    out += (out.empty() ? "" : ", ") + calls[i].second + " " + figure;
  }
  return out;
}

using Daemons = std::vector<std::unique_ptr<bench::BenchDaemon>>;

// Posts `requests` batches to the nodes round-robin; each must be accepted
// whole.
void post_round_robin(const Daemons& daemons, const std::string& body,
                      int requests) {
  std::vector<std::unique_ptr<bench::HttpConnection>> connections;
  for (const auto& d : daemons) {
    connections.push_back(std::make_unique<bench::HttpConnection>(d->port()));
  }
  const std::string accepted = "\"accepted\":" + std::to_string(kBatch);
  for (int r = 0; r < requests; ++r) {
    const std::size_t to = r % daemons.size();
    const auto reply = connections[to]->request(
        "POST", "/api/events", body,
        {"Authorization: Bearer " + daemons[to]->token(),
         "Content-Type: application/x-ndjson"});
    if (reply.status / 100 != 2 ||
        reply.body.find(accepted) == std::string::npos) {
      throw std::runtime_error("POST /api/events answered " +
                               std::to_string(reply.status) + ": " +
                               reply.body.substr(0, 300));
    }
  }
}

// Waits until the nodes' noop delivered counters add up to `sent`, then
// until noop's group has nothing pending (every delivery acknowledged in
// Redis too, so the counters read next hold the whole cost). Returns the
// seconds the deliveries took, from `start`.
double wait_delivered(const Daemons& daemons, cluster::RedisConnection& redis,
                      const std::string& prefix, std::uint64_t sent,
                      std::chrono::steady_clock::time_point start) {
  std::uint64_t delivered = 0;
  bench::wait_for(
      [&] {
        delivered = 0;
        for (const auto& d : daemons) delivered += delivered_to_noop(*d);
        return delivered >= sent;
      },
      120, 10);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (delivered != sent) {
    throw std::runtime_error(std::to_string(daemons.size()) +
                             " node(s): noop got " + std::to_string(delivered) +
                             " of " + std::to_string(sent) + " events");
  }
  std::uint64_t pending = 0;
  if (!bench::wait_for(
          [&] {
            pending = 0;
            for (const auto& [node, n] :
                 bench::pending_by_node(redis, prefix, "noop")) {
              pending += n;
            }
            return pending == 0;
          },
          30, 10)) {
    throw std::runtime_error(std::to_string(pending) +
                             " entries of noop's group still pending 30 s "
                             "after every delivery");
  }
  return seconds;
}

// What Redis did for the nodes between the two readings, per 1k events.
Round counted(const bench::RedisCounters& before,
              const bench::RedisCounters& after, std::uint64_t sent) {
  std::uint64_t ours = 0, scripted = 0;
  std::vector<std::pair<std::uint64_t, std::string>> calls;
  for (const auto& [command, n] : after.calls) {
    const auto was = before.calls.find(command);
    const std::uint64_t delta =
        n - (was == before.calls.end() ? 0 : was->second);
    if (is_ours(command)) {
      ours += delta;
    } else if (delta > 0) {
      calls.emplace_back(delta, command);
      if (in_scripts_only(command)) scripted += delta;
    }
  }
  std::sort(calls.rbegin(), calls.rend());
  const double per_1k = 1000.0 / static_cast<double>(sent);
  const std::uint64_t executed = after.commands - before.commands - ours;
  Round round;
  round.executed = static_cast<double>(executed) * per_1k;
  round.sent = static_cast<double>(executed - scripted) * per_1k;
  round.breakdown = breakdown_of(calls, static_cast<double>(sent));
  return round;
}

// `nodes` nodes on a fresh prefix, noop enabled on each: posts `requests`
// batches round-robin, timed until every event is delivered and
// acknowledged, with Redis's counters read before and after. With `proxy`,
// the nodes reach Redis through it and the round trips are counted too
// (the relay costs time: such a run's rate is not reported).
Round deliver(const std::vector<bench::NodeFiles>& files, int nodes,
              const test::RedisServer& server, bench::RoundTripProxy* proxy,
              const std::string& prefix, const std::string& body,
              int requests) {
  const std::string node_url =
      proxy ? "redis://127.0.0.1:" + std::to_string(proxy->port()) + "/0"
            : server.url();
  Daemons daemons;
  for (int i = 0; i < nodes; ++i) {
    daemons.push_back(
        bench::start_node(files[i], node_url, prefix, 30000,
                          {"--max-body", std::to_string(body.size() + 1024)}));
  }
  auto redis = bench::redis_client(server.url());
  // Each node's group reads from where it was made ("$"): every node must
  // have joined before the first event, or it would see none of them.
  if (!bench::wait_for(
          [&] {
            return bench::pending_by_node(redis, prefix, "noop").size() ==
                   static_cast<std::size_t>(nodes);
          },
          30, 10)) {
    throw std::runtime_error("not every node joined noop's group in 30 s");
  }
  const std::uint64_t sent = static_cast<std::uint64_t>(requests) * kBatch;
  const auto trips_before =
      proxy ? proxy->counts() : std::map<std::string, std::uint64_t>{};
  const bench::RedisCounters before = bench::redis_counters(redis);
  const auto start = std::chrono::steady_clock::now();
  post_round_robin(daemons, body, requests);
  const double seconds = wait_delivered(daemons, redis, prefix, sent, start);
  Round round = counted(before, bench::redis_counters(redis), sent);
  round.rate = static_cast<double>(sent) / seconds;
  if (proxy) {
    for (const auto& [role, n] : proxy->counts()) {
      const auto was = trips_before.find(role);
      round.trips[role] =
          static_cast<double>(n -
                              (was == trips_before.end() ? 0 : was->second)) *
          1000.0 / static_cast<double>(sent);
    }
  }
  daemons.clear();
  redis.command({"DEL", prefix + ":events"});  // keep Redis small
  return round;
}

template <typename Field>
std::vector<double> each(const std::vector<Round>& rounds, Field field) {
  std::vector<double> out;
  for (const Round& r : rounds) out.push_back(r.*field);
  return out;
}

std::string range_of(std::vector<double> samples, const char* format) {
  std::sort(samples.begin(), samples.end());
  char text[96];
  std::snprintf(text, sizeof text, format, samples.front(), samples.back());
  return text;
}

void run_cluster_delivery(const bench::Config& config, bench::Report& report) {
  if (!bench::redis_server_installed()) {
    bench::add_redis_skipped(report);
    return;
  }
  const int requests = config.scaled(10);  // 100 000 events in full runs
  const int rounds = config.rounds(3);
  bench::Scratch scratch;
  test::RedisServer redis(scratch.root / "redis", "", false);
  std::vector<bench::NodeFiles> files;
  for (int i = 1; i <= kMaxNodes; ++i) {
    files.emplace_back(scratch.root, scratch.root / "plugins",
                       "n" + std::to_string(i));
    files.back().plugins({"enable", "noop"});
  }
  const std::string body = ndjson_batch();
  std::vector<Round> by_nodes[kMaxNodes + 1];
  Round counted_run[kMaxNodes + 1];
  bench::RoundTripProxy proxy(redis.port());
  for (int r = 0; r < rounds; ++r) {
    for (int n = 1; n <= kMaxNodes; ++n) {
      by_nodes[n].push_back(deliver(
          files, n, redis, nullptr,
          "d" + std::to_string(n) + "r" + std::to_string(r), body, requests));
    }
  }
  for (int n = 1; n <= kMaxNodes; ++n) {
    counted_run[n] = deliver(files, n, redis, &proxy, "p" + std::to_string(n),
                             body, requests);
  }
  const std::string each_round =
      std::to_string(requests * kBatch) + " events, batches of 10k round-robin";
  const double one = bench::median(each(by_nodes[1], &Round::rate));
  for (int n = 1; n <= kMaxNodes; ++n) {
    const auto& rs = by_nodes[n];
    const std::string label = std::to_string(n) + (n == 1 ? " node" : " nodes");
    const double rate = bench::median(each(rs, &Round::rate));
    report.add({label + ", noop", rate, "deliveries/s",
                "first post to last delivery; " + each_round + "; range " +
                    range_of(each(rs, &Round::rate), "%.0f-%.0f")});
    if (n > 1) {
      report.add({label + " / 1 node", rate / one, "x",
                  "2 cores: shows the cost, not the scaling"});
    }
    report.add({label + ": Redis commands",
                bench::median(each(rs, &Round::sent)), "per 1k ev",
                "sent by the nodes (INFO commandstats, less what scripts "
                "run); run in Redis, scripts' included: " +
                    range_of(each(rs, &Round::executed), "%.0f-%.0f") +
                    "; most: " + rs.front().breakdown});
    auto trips = counted_run[n].trips;
    char note[200];
    std::snprintf(note, sizeof note,
                  "counted by a TCP relay, 1 run: the nodes' deliver "
                  "connections; heartbeat %.2f, control %.2f, ingest %.2f "
                  "(upper bound) per 1k events",
                  trips["heartbeat"], trips["control"], trips["ingest"]);
    report.add(
        {label + ": Redis round trips", trips["deliver"], "per 1k ev", note});
  }
}

}  // namespace

EH_BENCH_SUITE(66, "cluster_delivery",
               "deliveries/s of 1, 2 and 3 cluster nodes on one Redis, noop "
               "on each, NDJSON posted round-robin (median of 3); Redis "
               "commands and round trips per 1k events",
               run_cluster_delivery);
