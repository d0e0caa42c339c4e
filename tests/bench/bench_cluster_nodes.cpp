#include "bench_cluster_nodes.h"

#include <unistd.h>

#include <sstream>
#include <stdexcept>

#include "cluster/redis_url.h"

namespace eventhost::bench {

bool redis_server_installed() {
  return ::access("/usr/bin/redis-server", X_OK) == 0;
}

void add_redis_skipped(Report& report) {
  report.add({"skipped", 0, "",
              "redis-server is not installed (apt-get install "
              "redis-server; .ci/setup installs it)"});
}

NodeFiles::NodeFiles(const fs::path& root, const fs::path& plugins_dir,
                     std::string node_name)
    : name(std::move(node_name)),
      where{plugins_dir, root / name / "state.db", root / name / "home", {}} {
  fs::create_directories(root / name);
}

void NodeFiles::plugins(const std::vector<std::string>& args) const {
  std::vector<std::string> command{"plugins"};
  command.insert(command.end(), args.begin(), args.end());
  run_eventhost_ok(where, command);
}

std::unique_ptr<BenchDaemon> start_node(const NodeFiles& node,
                                        const std::string& redis_url,
                                        const std::string& prefix, int claim_ms,
                                        const std::vector<std::string>& extra) {
  std::vector<std::string> args{"--cluster",
                                redis_url,
                                "--node",
                                node.name,
                                "--cluster-prefix",
                                prefix,
                                "--cluster-claim-ms",
                                std::to_string(claim_ms)};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<BenchDaemon>(node.where, args);
}

cluster::RedisConnection redis_client(const std::string& redis_url) {
  return cluster::RedisConnection(cluster::parse_redis_url(redis_url), {});
}

std::map<std::string, std::uint64_t> pending_by_node(
    cluster::RedisConnection& redis, const std::string& prefix,
    const std::string& group) {
  const auto reply =
      redis.command({"XINFO", "CONSUMERS", prefix + ":events", group});
  std::map<std::string, std::uint64_t> out;
  if (!reply.is_array()) return out;  // no group yet
  for (const auto& consumer : reply.elements) {
    std::string name;
    std::uint64_t pending = 0;
    for (std::size_t i = 0; i + 1 < consumer.elements.size(); i += 2) {
      if (consumer.elements[i].str == "name")
        name = consumer.elements[i + 1].str;
      if (consumer.elements[i].str == "pending") {
        pending =
            static_cast<std::uint64_t>(consumer.elements[i + 1].as_integer());
      }
    }
    out[name] = pending;
  }
  return out;
}

RedisCounters redis_counters(cluster::RedisConnection& redis) {
  const auto reply = redis.command({"INFO", "stats", "commandstats"});
  if (reply.is_error() || reply.str.empty()) {
    throw std::runtime_error("INFO stats commandstats failed: " + reply.str);
  }
  RedisCounters counters;
  std::istringstream in(reply.str);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    const std::string value = line.substr(colon + 1);
    if (key == "total_commands_processed") {
      counters.commands = std::stoull(value);
    } else if (key.rfind("cmdstat_", 0) == 0 && value.rfind("calls=", 0) == 0) {
      counters.calls[key.substr(8)] = std::stoull(value.substr(6));
    }
  }
  if (counters.commands == 0) {
    throw std::runtime_error("Redis's INFO has no total_commands_processed");
  }
  return counters;
}

}  // namespace eventhost::bench
