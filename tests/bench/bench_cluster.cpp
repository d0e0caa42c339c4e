// Suite "cluster" -- NDJSON ingest into a node of a cluster (`eventhost run
// --cluster`, the events appended to a real redis-server's stream, AOF on
// with fsync once a second) against the same into a single node (the
// SQLite journal), both real daemons on loopback, measured in one run. No
// plugin is enabled: this is the cost of accepting events, acknowledged
// once stored. Skipped, with a line saying so, when redis-server is not
// installed.
#include <unistd.h>

#include <stdexcept>

#include "../cluster/redis_server.h"
#include "bench_daemon.h"
#include "bench_scratch.h"
#include "bench_suite.h"

using namespace eventhost;

namespace {

constexpr int kBatch = 10000;  // events per request

std::string ndjson_batch() {
  std::string body;
  for (int i = 0; i < kBatch; ++i) {
    body += R"({"event":"channel.created","data":{"channel_id":)" +
            std::to_string(i) +
            R"(,"channel_name":"News HD","channel_number":101}})" + "\n";
  }
  return body;
}

// Events/s acknowledged by `daemon` for `requests` batches on one
// connection; every reply must accept the whole batch.
double ingest_rate(const bench::BenchDaemon& daemon, const std::string& body,
                   int requests) {
  bench::HttpConnection connection(daemon.port());
  const std::string accepted = "\"accepted\":" + std::to_string(kBatch);
  const double seconds = bench::seconds_of([&] {
    for (int r = 0; r < requests; ++r) {
      const auto reply =
          connection.request("POST", "/api/events", body,
                             {"Authorization: Bearer " + daemon.token(),
                              "Content-Type: application/x-ndjson"});
      if (reply.status / 100 != 2 ||
          reply.body.find(accepted) == std::string::npos) {
        throw std::runtime_error("POST /api/events answered " +
                                 std::to_string(reply.status) + ": " +
                                 reply.body.substr(0, 300));
      }
    }
  });
  return static_cast<double>(requests) * kBatch / seconds;
}

void run_cluster(const bench::Config& config, bench::Report& report) {
  if (::access("/usr/bin/redis-server", X_OK) != 0) {
    report.add({"skipped", 0, "",
                "redis-server is not installed (apt-get install "
                "redis-server; .ci/setup installs it)"});
    return;
  }
  const int requests = config.scaled(20);
  const int rounds = config.rounds(3);
  bench::Scratch scratch;
  test::RedisServer redis(scratch.root / "redis", "", false);
  const std::string body = ndjson_batch();
  const std::string max_body = std::to_string(body.size() + 1024);
  const bench::EventhostArgs single{scratch.root / "plugins",
                                    scratch.root / "single.db",
                                    scratch.root / "home",
                                    {}};
  const bench::EventhostArgs node{scratch.root / "plugins",
                                  scratch.root / "node.db",
                                  scratch.root / "home",
                                  {}};
  bench::BenchDaemon single_daemon(single, {"--max-body", max_body});
  bench::BenchDaemon node_daemon(
      node, {"--max-body", max_body, "--cluster", redis.url(), "--node",
             "bench", "--cluster-prefix", "bench"});
  ingest_rate(single_daemon, body, 1);  // warm-up
  ingest_rate(node_daemon, body, 1);
  std::vector<double> one, clustered;
  for (int r = 0; r < rounds; ++r) {
    one.push_back(ingest_rate(single_daemon, body, requests));
    clustered.push_back(ingest_rate(node_daemon, body, requests));
  }
  const double one_rate = bench::median(one);
  const double cluster_rate = bench::median(clustered);
  const std::string each = std::to_string(requests) + " x " +
                           std::to_string(kBatch) + " events per round";
  report.add({"single node (SQLite journal)", one_rate, "events/s",
              "acknowledged once durable; " + each});
  report.add({"cluster, 1 node (Redis stream)", cluster_rate, "events/s",
              "acknowledged once Redis stored them (AOF, fsync 1/s)"});
  report.add(
      {"cluster / single node", cluster_rate / one_rate, "x", "target >= 0.5"});
}

}  // namespace

EH_BENCH_SUITE(65, "cluster",
               "NDJSON ingest into one cluster node (Redis stream) vs one "
               "single node (SQLite journal), no plugin, batches of 10k "
               "(median of 3)",
               run_cluster);
