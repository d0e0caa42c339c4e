// What a cluster shows of itself: `eventhost cluster status`, GET
// /api/cluster and the cluster figures of /metrics, against real nodes on
// a real redis-server: nodes beat while they run and show as gone once
// killed; each plugin's group lists the nodes consuming it.
#include <catch2/catch.hpp>
#include <csignal>

#include "../daemon/daemon_test_support.h"
#include "redis_server.h"

namespace eventhost::test {
namespace {

constexpr const char* kPrefix = "st";

json status_from_cli(const CliSandbox& sandbox, const RedisServer& redis) {
  const CliRun run = sandbox.run({"cluster", "status", "--cluster", redis.url(),
                                  "--cluster-prefix", kPrefix, "--json"});
  INFO(run.out << run.err);
  REQUIRE(run.status == 0);
  return json::parse(run.out);
}

std::string state_of(const json& status, const std::string& node) {
  for (const auto& n : status["nodes"]) {
    if (n["node"] == node) return n["state"].get<std::string>();
  }
  return "absent";
}

std::vector<std::string> consumers_of(const json& status,
                                      const std::string& group) {
  std::vector<std::string> names;
  for (const auto& g : status["plugins"]) {
    if (g["group"] != group) continue;
    for (const auto& c : g["consumers"]) names.push_back(c["node"]);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE(
    "cluster status lists the nodes alive and each plugin's consumers, and "
    "a killed node as gone") {
  RecorderWorld a, b;
  RedisServer redis(a.sandbox.root() / "redis");
  const std::vector<std::string> common{"--cluster", redis.url(),
                                        "--cluster-prefix", kPrefix};
  auto args = [&](const std::string& node) {
    auto all = common;
    all.insert(all.end(), {"--node", node});
    return all;
  };
  DaemonProcess node_a(a.sandbox, args("a"));
  DaemonProcess node_b(b.sandbox, args("b"));
  INFO(node_a.log() << node_b.log());
  REQUIRE(node_a.ready());
  REQUIRE(node_b.ready());
  REQUIRE(node_a
              .send("POST", "/api/events", channel_event(1) + "\n",
                    "application/x-ndjson")
              .status == 200);

  json status;
  REQUIRE(wait_until([&] {
    status = status_from_cli(a.sandbox, redis);
    return state_of(status, "a") == "alive" &&
           state_of(status, "b") == "alive" &&
           consumers_of(status, "recorder") ==
               std::vector<std::string>{"a", "b"};
  }));
  CHECK(status["prefix"] == kPrefix);
  CHECK(status["stream"]["length"].get<int>() >= 1);
  for (const auto& g : status["plugins"]) {
    if (g["group"] != "recorder") continue;
    CHECK(g["pending"].is_number());
    CHECK(g["lag"].is_number());
  }

  // The same from a node's API, and its figures in /metrics.
  const HttpReply api = node_a.get("/api/cluster");
  REQUIRE(api.status == 200);
  const json from_api = json::parse(api.body);
  CHECK(from_api["node"] == "a");
  CHECK(state_of(from_api, "b") == "alive");
  const HttpReply metrics = node_a.get("/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.body.find("eventhost_cluster_redis_up 1") != std::string::npos);
  CHECK(metrics.body.find("eventhost_cluster_nodes_alive 2") !=
        std::string::npos);
  CHECK(
      metrics.body.find("eventhost_cluster_consumers{group=\"recorder\"} 2") !=
      std::string::npos);

  // Killed: its heartbeat key runs out (three beats) and it shows as gone,
  // with its last word still there.
  node_b.stop(SIGKILL);
  REQUIRE(wait_until(
      [&] {
        status = status_from_cli(a.sandbox, redis);
        return state_of(status, "b") == "gone";
      },
      std::chrono::seconds(10)));
  CHECK(state_of(status, "a") == "alive");
  // Stopped cleanly: it says so on its way out.
  REQUIRE(node_a.stop(SIGTERM) == 0);
  CHECK(state_of(status_from_cli(a.sandbox, redis), "a") == "stopped");
}

TEST_CASE("cluster status says what is wrong without a cluster to read") {
  CliSandbox sandbox;
  const CliRun none = sandbox.run({"cluster", "status"});
  CHECK(none.status == 2);
  CHECK(none.err.find("--cluster redis://HOST:PORT") != std::string::npos);
  const CliRun down =
      sandbox.run({"cluster", "status", "--cluster", "redis://127.0.0.1:1"});
  CHECK(down.status == 1);
  CHECK(down.err.find("127.0.0.1:1") != std::string::npos);
}

TEST_CASE("a daemon that is no cluster node answers 404 for /api/cluster") {
  RecorderWorld world;
  DaemonProcess daemon(world.sandbox);
  REQUIRE(daemon.ready());
  const HttpReply reply = daemon.get("/api/cluster");
  CHECK(reply.status == 404);
  CHECK(reply.body.find("--cluster") != std::string::npos);
}

}  // namespace eventhost::test
