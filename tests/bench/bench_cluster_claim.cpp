// Suite "cluster_claim" -- how long after a node is killed (SIGKILL) the
// entries it held are delivered by another node. Two real `eventhost run
// --cluster` nodes on one real redis-server with --cluster-claim-ms 1000,
// each running the recorder, which sleeps 200 ms a call: a, alone at
// first, holds entries read and not yet acknowledged; b joins. a is
// killed, and the recorder configured through b at once to sleep no more
// and to record in b's file (settings are the cluster's, so this could
// not be set apart before: a would have finished its entries). Timed from
// the kill until a's pending entries are claimed (XINFO CONSUMERS) and
// until b's recorder has every one of them. Skipped, with a line saying
// so, when redis-server is not installed.
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

#include "../cluster/redis_server.h"
#include "bench_cluster_nodes.h"
#include "bench_scratch.h"
#include "bench_suite.h"
#include "cluster/stream_ids.h"

using namespace eventhost;

namespace {

namespace fs = std::filesystem;

constexpr int kClaimMs = 1000;
constexpr int kSlowUs = 200000;      // the recorder until a is killed
constexpr std::uint64_t kHeld = 10;  // entries a must hold when killed

// The event ids the recorder wrote to `record` (on_channel_created lines).
std::set<std::uint64_t> recorded(const fs::path& record) {
  std::ifstream in(record);
  std::set<std::uint64_t> ids;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string symbol;
    std::uint64_t id = 0;
    if (words >> symbol >> id && symbol == "on_channel_created") {
      ids.insert(id);
    }
  }
  return ids;
}

// The event ids of the entries `node` holds in the recorder's group.
std::vector<std::uint64_t> held_by(cluster::RedisConnection& redis,
                                   const std::string& prefix,
                                   const std::string& node) {
  const auto reply = redis.command(
      {"XPENDING", prefix + ":events", "recorder", "-", "+", "100000", node});
  std::vector<std::uint64_t> ids;
  for (const auto& entry : reply.elements) {
    ids.push_back(cluster::event_id_of(entry.elements[0].str));
  }
  return ids;
}

std::string batch(int first, int count) {
  std::string body;
  for (int i = first; i < first + count; ++i) {
    body += R"({"event":"channel.created","data":{"channel_id":)" +
            std::to_string(i) + "}}\n";
  }
  return body;
}

struct Round {
  double claimed_ms = 0, delivered_ms = 0;
  std::size_t held = 0;
};

Round claim_round(const bench::NodeFiles& a_files,
                  const bench::NodeFiles& b_files, const fs::path& b_record,
                  const std::string& url, const std::string& prefix) {
  auto a = bench::start_node(a_files, url, prefix, kClaimMs, {});
  auto redis = bench::redis_client(url);
  const auto pending = [&](const std::string& node) {
    const auto all = bench::pending_by_node(redis, prefix, "recorder");
    const auto it = all.find(node);
    return it == all.end() ? 0 : it->second;
  };
  const auto joined = [&](std::size_t nodes) {
    if (!bench::wait_for(
            [&] {
              return bench::pending_by_node(redis, prefix, "recorder").size() ==
                     nodes;
            },
            30, 10)) {
      throw std::runtime_error(std::to_string(nodes) +
                               " node(s) did not join the group in 30 s");
    }
  };
  joined(1);
  // a alone reads what is posted and holds it: post until it holds enough.
  bench::HttpConnection to_a(a->port());
  for (int i = 0; i < 20 && pending("a") < kHeld; ++i) {
    const auto reply = to_a.request("POST", "/api/events", batch(i * 20, 20),
                                    {"Authorization: Bearer " + a->token(),
                                     "Content-Type: application/x-ndjson"});
    if (reply.status != 200) {
      throw std::runtime_error("POST /api/events answered " +
                               std::to_string(reply.status) + ": " +
                               reply.body);
    }
    bench::wait_for([&] { return pending("a") >= kHeld; }, 1, 10);
  }
  auto b = bench::start_node(b_files, url, prefix, kClaimMs, {});
  joined(2);
  const std::vector<std::uint64_t> held = held_by(redis, prefix, "a");
  if (held.size() < kHeld) {
    throw std::runtime_error("node a holds " + std::to_string(held.size()) +
                             " entries, not the " + std::to_string(kHeld) +
                             " the measure needs");
  }
  ::kill(a->pid(), SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  // Well within the claim time (b claims 2/3 of it after the kill at the
  // earliest); a delivery b made before would miss b_record and fail.
  bench::HttpConnection to_b(b->port());
  const auto configured = to_b.request(
      "PUT", "/api/plugins/recorder/settings",
      nlohmann::json{{"sleep_us", 0}, {"path", b_record.string()}}.dump(),
      {"Authorization: Bearer " + b->token(),
       "Content-Type: application/json"});
  if (configured.status != 200) {
    throw std::runtime_error("configuring the recorder through b answered " +
                             std::to_string(configured.status) + ": " +
                             configured.body);
  }
  const auto since_kill = [&] {
    return std::chrono::duration<double, std::milli>(
               std::chrono::steady_clock::now() - killed)
        .count();
  };
  Round round;
  round.held = held.size();
  const bool done = bench::wait_for(
      [&] {
        if (round.claimed_ms == 0 && pending("a") == 0) {
          round.claimed_ms = since_kill();
        }
        const auto got = recorded(b_record);
        for (std::uint64_t id : held) {
          if (got.count(id) == 0) return false;
        }
        round.delivered_ms = since_kill();
        return true;
      },
      30, 2);
  if (!done || round.claimed_ms == 0) {
    throw std::runtime_error(
        "30 s after node a was killed, node b had not delivered every "
        "one of the " +
        std::to_string(held.size()) + " entries a held: " + b->log());
  }
  return round;
}

std::string range_ms(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  char text[64];
  std::snprintf(text, sizeof text, "range %.0f-%.0f ms", samples.front(),
                samples.back());
  return text;
}

void run_cluster_claim(const bench::Config& config, bench::Report& report) {
  if (!bench::redis_server_installed()) {
    bench::add_redis_skipped(report);
    return;
  }
  const int rounds = config.rounds(3);
  bench::Scratch scratch;
  scratch.add_plugin(fs::path(EH_TEST_PLUGINS_DIR) / "recorder.so");
  test::RedisServer redis(scratch.root / "redis", "", false);
  const bench::NodeFiles a(scratch.root, scratch.root / "plugins", "a");
  const bench::NodeFiles b(scratch.root, scratch.root / "plugins", "b");
  const fs::path b_record = scratch.root / "b" / "record.txt";
  const fs::path a_record = scratch.root / "a" / "record.txt";
  // Each round is a cluster of its own (prefix), which a joins first:
  // these are its settings, which b follows until a is killed.
  a.plugins({"configure", "recorder", "path=" + a_record.string(),
             "sleep_us=" + std::to_string(kSlowUs)});
  a.plugins({"enable", "recorder"});
  std::vector<double> claimed, delivered;
  std::size_t held = 0;
  for (int r = 0; r < rounds; ++r) {
    const Round round =
        claim_round(a, b, b_record, redis.url(), "c" + std::to_string(r));
    claimed.push_back(round.claimed_ms);
    delivered.push_back(round.delivered_ms);
    held = std::max(held, round.held);
  }
  report.add({"claim time (--cluster-claim-ms)", kClaimMs, "ms",
              "2 nodes; the killed one held >= " + std::to_string(kHeld) +
                  " entries (at most " + std::to_string(held) + ")"});
  report.add({"kill -9 to its entries claimed", bench::median(claimed), "ms",
              "its pending count in the group reaches 0; " + range_ms(claimed) +
                  "; expected 2/3 to 5/4 of the claim time"});
  report.add({"kill -9 to all delivered again", bench::median(delivered), "ms",
              "every entry it held recorded by the other node; " +
                  range_ms(delivered)});
}

}  // namespace

EH_BENCH_SUITE(67, "cluster_claim",
               "2 cluster nodes, --cluster-claim-ms 1000: time from kill -9 "
               "of one holding entries until the other delivered them "
               "(median of 3)",
               run_cluster_claim);
