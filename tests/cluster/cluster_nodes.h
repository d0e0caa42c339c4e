// Helpers for tests that run real `eventhost run --cluster` nodes on one
// real redis-server: each node a sandbox of its own (state, plugins
// folder), started as a daemon of the cluster under a test's prefix.
//
// Thread-safety: the test's thread. Errors: Catch2 REQUIRE failures.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "../daemon/daemon_test_support.h"
#include "cluster/redis_connection.h"
#include "cluster/redis_url.h"
#include "redis_server.h"

namespace eventhost::test {

// `eventhost run` arguments that make a sandbox's daemon node `name` of
// the cluster on `redis` under `prefix`.
inline std::vector<std::string> node_args(const RedisServer& redis,
                                          const std::string& name,
                                          const std::string& prefix) {
  return {"--cluster", redis.url(), "--node", name, "--cluster-prefix", prefix};
}

// Starts the sandbox's daemon as a node; REQUIREs that it is ready.
inline std::unique_ptr<DaemonProcess> start_node(CliSandbox& sandbox,
                                                 const RedisServer& redis,
                                                 const std::string& name,
                                                 const std::string& prefix) {
  auto daemon =
      std::make_unique<DaemonProcess>(sandbox, node_args(redis, name, prefix));
  INFO(daemon->log());
  REQUIRE(daemon->ready());
  return daemon;
}

inline cluster::RedisConnection redis_client(const RedisServer& redis) {
  return cluster::RedisConnection(cluster::parse_redis_url(redis.url()), {});
}

inline std::string channel_batch(int first, int count) {
  std::string body;
  for (int i = first; i < first + count; ++i) body += channel_event(i) + "\n";
  return body;
}

// Posts `body` as NDJSON to `node`; returns the ids it acknowledged.
inline std::vector<std::uint64_t> post_batch(const DaemonProcess& node,
                                             const std::string& body) {
  const HttpReply reply =
      node.send("POST", "/api/events", body, "application/x-ndjson");
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  const json answer = parse(reply);
  std::vector<std::uint64_t> ids;
  for (const auto& id : answer["ids"]) ids.push_back(id.get<std::uint64_t>());
  return ids;
}

}  // namespace eventhost::test
