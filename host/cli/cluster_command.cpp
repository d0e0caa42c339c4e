// `eventhost cluster status`: the cluster as its Redis sees it (nodes
// alive or gone, each plugin's consumers, pending entries, lag and last
// claim), read straight from Redis with --cluster, or from the local
// daemon's GET /api/cluster when that daemon is a node.
#include <chrono>
#include <iostream>

#include "cli/command.h"
#include "cli/daemon_client.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "cluster/cluster.h"
#include "cluster/cluster_keys.h"
#include "cluster/cluster_status.h"
#include "cluster/redis_url.h"

namespace eventhost::cli {
namespace {

std::string option_or_env(const Invocation& inv, const char* option,
                          const char* env) {
  if (inv.vm.count(option) != 0) return inv.vm[option].as<std::string>();
  const char* value = std::getenv(env);
  return value == nullptr ? "" : value;
}

nlohmann::json read_status(const Invocation& inv) {
  const std::string url = option_or_env(inv, "cluster", "EVENTHOST_CLUSTER");
  if (url.empty()) {
    if (auto daemon = connect_daemon(inv.globals)) {
      return daemon->call("GET", "/api/cluster");
    }
    throw Error(ErrorKind::kUsage,
                "no cluster named: give --cluster redis://HOST:PORT (or set "
                "EVENTHOST_CLUSTER), or run this where a cluster node's "
                "daemon runs on the same --state");
  }
  cluster::ClusterOptions options;
  options.endpoint = cluster::parse_redis_url(url);
  options.url = options.endpoint.display();
  std::string prefix =
      option_or_env(inv, "cluster-prefix", "EVENTHOST_CLUSTER_PREFIX");
  if (!prefix.empty()) options.prefix = prefix;
  cluster::check_prefix(options.prefix);
  cluster::Cluster cluster(options);
  cluster.check_reachable();
  nlohmann::json status = to_json(read_cluster_status(cluster));
  status["redis"] = options.url;
  return status;
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count();
}

std::string ago(const nlohmann::json& said, const char* field) {
  if (!said.is_object() || !said.contains(field)) return "?";
  const double seconds =
      static_cast<double>(now_ms() - said.value(field, std::int64_t{0})) /
      1000.0;
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s ago", seconds);
  return text;
}

void print_nodes(const nlohmann::json& nodes) {
  std::cout << "nodes:\n";
  if (nodes.empty()) std::cout << "  (none has beaten yet)\n";
  for (const auto& n : nodes) {
    const nlohmann::json& said = n["last_said"];
    std::cout << "  " << n.value("node", "?") << "  " << n.value("state", "?")
              << "  last beat " << ago(said, "beat_ms");
    if (said.is_object()) {
      std::cout << ", read " << said.value("read", 0) << ", acked "
                << said.value("acked", 0) << ", appended "
                << said.value("appended", 0) << ", claims "
                << said.value("claims", 0) << ", Redis reconnects "
                << said.value("reconnects", 0);
    }
    std::cout << "\n";
  }
}

void print_plugins(const nlohmann::json& groups) {
  std::cout << "plugins:\n";
  if (groups.empty()) std::cout << "  (no plugin has run in the cluster)\n";
  for (const auto& g : groups) {
    std::cout << "  " << g.value("group", "?") << "  pending "
              << g.value("pending", 0) << ", lag "
              << (g["lag"].is_null() ? std::string("unknown") : g["lag"].dump())
              << ", consumers:";
    if (g["consumers"].empty()) std::cout << " none";
    for (const auto& c : g["consumers"]) {
      std::cout << (&c == &g["consumers"].front() ? " " : ", ")
                << c.value("node", "?") << " (pending " << c.value("pending", 0)
                << ", idle " << c.value("idle_ms", 0) << " ms)";
    }
    const nlohmann::json& claim = g["last_claim"];
    if (claim.is_object()) {
      std::cout << "; last claim by " << claim.value("node", "?") << " "
                << ago(claim, "at_ms");
    }
    std::cout << "\n";
  }
}

int status(const Invocation& inv) {
  const nlohmann::json s = read_status(inv);
  if (inv.globals.json) {
    print_json(s);
    return kExitOk;
  }
  std::cout << "cluster '" << s.value("prefix", "?") << "'"
            << (s.contains("redis") ? " on " + s.value("redis", "") : "")
            << ": stream of " << s["stream"].value("length", 0)
            << " entries, newest " << s["stream"].value("last_id", "?") << "\n";
  print_nodes(s["nodes"]);
  print_plugins(s["plugins"]);
  return kExitOk;
}

}  // namespace

std::vector<Command> cluster_commands() {
  Command c;
  c.family = "cluster";
  c.name = "status";
  c.synopsis = "cluster status [--cluster URL] [--cluster-prefix P] [--json]";
  c.summary =
      "Show a cluster's nodes and each plugin's consumers, pending "
      "entries and lag";
  c.details =
      "Reads the cluster's Redis directly with --cluster (or\n"
      "EVENTHOST_CLUSTER), else asks the daemon running on this --state,\n"
      "which must be a node. A node is 'alive' while its heartbeat key\n"
      "lives (three beats), 'stopped' after a clean stop and 'gone' when it\n"
      "stopped beating (killed, frozen or cut off from Redis). Per plugin\n"
      "group: entries pending (read, not acknowledged), lag (not read yet),\n"
      "the nodes consuming it and the last claim of a dead node's entries.\n"
      "Exit 0, 1 if Redis cannot be reached, 2 for a bad URL or prefix.\n\n"
      "Examples:\n"
      "  eventhost cluster status --cluster redis://127.0.0.1:6379\n"
      "  eventhost cluster status --json | jq '.plugins[].lag'\n";
  c.declare = [](po::options_description& options,
                 po::positional_options_description&) {
    options.add_options()(
        "cluster", po::value<std::string>(),
        "the cluster's Redis: redis://[user[:password]@]HOST:PORT[/DB]")(
        "cluster-prefix", po::value<std::string>(),
        "the prefix of the cluster's keys (default eventhost)");
  };
  c.run = status;
  return {c};
}

}  // namespace eventhost::cli
