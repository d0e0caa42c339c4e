#include "cluster/cluster_status.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"

namespace eventhost::cluster {
namespace {

// A field of a RESP2 "map": a flat array of name, value, name, value...
const RedisReply* field(const RedisReply& map, std::string_view name) {
  for (std::size_t i = 0; i + 1 < map.elements.size(); i += 2) {
    if (map.elements[i].str == name) return &map.elements[i + 1];
  }
  return nullptr;
}

std::uint64_t number(const RedisReply& map, std::string_view name) {
  const RedisReply* f = field(map, name);
  return f == nullptr ? 0 : static_cast<std::uint64_t>(f->as_integer());
}

std::string text(const RedisReply& map, std::string_view name) {
  const RedisReply* f = field(map, name);
  return f == nullptr ? "" : f->str;
}

// HGETALL's flat array as a sorted map.
std::map<std::string, std::string> hash_of(const RedisReply& reply) {
  std::map<std::string, std::string> out;
  if (!reply.is_array()) return out;
  for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    out[reply.elements[i].str] = reply.elements[i + 1].str;
  }
  return out;
}

std::string plugin_of(const std::string& group) {
  return group.substr(0, group.find('@'));
}

GroupStatus group_of(const RedisReply& info,
                     const std::map<std::string, std::string>& claims) {
  GroupStatus g;
  g.name = text(info, "name");
  g.plugin = plugin_of(g.name);
  g.pending = number(info, "pending");
  g.last_delivered = text(info, "last-delivered-id");
  if (const RedisReply* lag = field(info, "lag"); lag && !lag->is_nil()) {
    g.lag = static_cast<std::uint64_t>(lag->as_integer());
  }
  const auto claim = claims.find(g.plugin);
  if (claim != claims.end()) g.last_claim = claim->second;
  return g;
}

void read_consumers(Cluster& cluster, const std::string& stream,
                    std::vector<GroupStatus>& groups) {
  std::vector<RedisConnection::Args> commands;
  for (const GroupStatus& g : groups) {
    commands.push_back({"XINFO", "CONSUMERS", stream, g.name});
  }
  if (commands.empty()) return;
  const auto replies = cluster.pipeline(commands);
  for (std::size_t i = 0; i < groups.size() && i < replies.size(); ++i) {
    if (!replies[i].is_array()) continue;
    for (const RedisReply& c : replies[i].elements) {
      groups[i].consumers.push_back(
          {text(c, "name"), number(c, "pending"),
           static_cast<std::int64_t>(number(c, "idle"))});
    }
  }
}

void read_nodes(Cluster& cluster, const RedisReply& said,
                std::vector<NodeStatus>& nodes) {
  std::vector<RedisConnection::Args> commands;
  std::vector<std::string> keys;
  for (const auto& [name, json] : hash_of(said)) {
    nodes.push_back({name, false, json});
    keys.push_back(cluster.keys().alive(name));
  }
  for (const std::string& key : keys) commands.push_back({"EXISTS", key});
  if (commands.empty()) return;
  const auto replies = cluster.pipeline(commands);
  for (std::size_t i = 0; i < nodes.size() && i < replies.size(); ++i) {
    nodes[i].alive = replies[i].as_integer() == 1;
  }
}

nlohmann::json parsed_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  auto json = nlohmann::json::parse(text, nullptr, false);
  return json.is_discarded() ? nlohmann::json(text) : json;
}

}  // namespace

ClusterStatus read_cluster_status(Cluster& cluster) {
  const ClusterKeys& keys = cluster.keys();
  const std::string stream = keys.events();
  const auto replies = cluster.pipeline({{"XINFO", "STREAM", stream},
                                         {"XINFO", "GROUPS", stream},
                                         {"HGETALL", keys.nodes()},
                                         {"HGETALL", keys.claims()}});
  ClusterStatus status;
  status.prefix = cluster.options().prefix;
  status.this_node = cluster.options().node;
  // No stream yet (no event accepted): XINFO answers "no such key".
  if (replies[0].is_array()) {
    status.stream_length = number(replies[0], "length");
    status.last_id = text(replies[0], "last-generated-id");
  } else {
    status.last_id = "0-0";
  }
  const auto claims = hash_of(replies[3]);
  if (replies[1].is_array()) {
    for (const RedisReply& info : replies[1].elements) {
      status.groups.push_back(group_of(info, claims));
    }
  }
  std::sort(status.groups.begin(), status.groups.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  read_consumers(cluster, stream, status.groups);
  read_nodes(cluster, replies[2], status.nodes);
  return status;
}

nlohmann::json to_json(const ClusterStatus& status) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const NodeStatus& n : status.nodes) {
    const nlohmann::json said = parsed_or_null(n.said);
    const bool stopped = said.is_object() && said.value("stopped", false);
    nodes.push_back({{"node", n.name},
                     {"state", n.alive   ? "alive"
                               : stopped ? "stopped"
                                         : "gone"},
                     {"last_said", said}});
  }
  nlohmann::json groups = nlohmann::json::array();
  for (const GroupStatus& g : status.groups) {
    nlohmann::json consumers = nlohmann::json::array();
    for (const ConsumerStatus& c : g.consumers) {
      consumers.push_back(
          {{"node", c.name}, {"pending", c.pending}, {"idle_ms", c.idle_ms}});
    }
    groups.push_back({{"group", g.name},
                      {"plugin", g.plugin},
                      {"pending", g.pending},
                      {"lag", g.lag ? nlohmann::json(*g.lag) : nullptr},
                      {"last_delivered", g.last_delivered},
                      {"consumers", consumers},
                      {"last_claim", parsed_or_null(g.last_claim)}});
  }
  return {{"prefix", status.prefix},
          {"node", status.this_node.empty() ? nlohmann::json(nullptr)
                                            : nlohmann::json(status.this_node)},
          {"stream",
           {{"length", status.stream_length}, {"last_id", status.last_id}}},
          {"nodes", nodes},
          {"plugins", groups}};
}

namespace {

// A label value: Prometheus escapes backslash, quote and newline.
std::string label(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void counter(std::ostringstream& out, const char* name, const char* help,
             std::uint64_t value) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " counter\n"
      << name << " " << value << "\n";
}

// One gauge with a value per plugin group; a group `value` has none of
// is left out.
template <class Value>
void group_gauge(std::ostringstream& out, const char* name, const char* help,
                 const ClusterStatus& status, Value value) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n";
  for (const GroupStatus& g : status.groups) {
    const std::optional<std::uint64_t> v = value(g);
    if (!v) continue;
    out << name << "{group=\"" << label(g.name) << "\"} " << *v << "\n";
  }
}

void group_gauges(std::ostringstream& out, const ClusterStatus& status) {
  using Figure = std::optional<std::uint64_t>;
  group_gauge(out, "eventhost_cluster_pending",
              "Entries read by a plugin's group and not yet acknowledged.",
              status, [](const GroupStatus& g) -> Figure { return g.pending; });
  group_gauge(out, "eventhost_cluster_lag",
              "Entries of the stream a plugin's group has not read yet.",
              status, [](const GroupStatus& g) -> Figure { return g.lag; });
  group_gauge(
      out, "eventhost_cluster_consumers", "Nodes reading a plugin's group.",
      status,
      [](const GroupStatus& g) -> Figure { return g.consumers.size(); });
}

}  // namespace

std::string cluster_metrics(Cluster& cluster) {
  const ClusterCounters& c = cluster.counters();
  std::ostringstream out;
  counter(out, "eventhost_cluster_appended_total",
          "Events this node appended to the cluster's stream.",
          c.appended.load());
  counter(out, "eventhost_cluster_append_failures_total",
          "Events this node could not append (Redis refused or was down).",
          c.append_failures.load());
  counter(out, "eventhost_cluster_read_total",
          "Stream entries this node read for its plugins.", c.read.load());
  counter(out, "eventhost_cluster_acked_total",
          "Stream entries this node acknowledged (final outcome known).",
          c.acked.load());
  counter(out, "eventhost_cluster_claims_total",
          "Times this node took over entries idle past the claim time.",
          c.claims.load());
  counter(out, "eventhost_cluster_claimed_total",
          "Entries this node took over from a node that stopped.",
          c.claimed.load());
  counter(out, "eventhost_cluster_redis_reconnects_total",
          "Connections to Redis this node made again after losing one.",
          c.reconnects.load());
  std::optional<ClusterStatus> status;
  try {
    status = read_cluster_status(cluster);
  } catch (const Error&) {
    // Reported as redis_up 0 below; the counters above still tell.
  }
  out << "# HELP eventhost_cluster_redis_up Whether Redis answered this "
         "scrape.\n# TYPE eventhost_cluster_redis_up gauge\n"
      << "eventhost_cluster_redis_up " << (status ? 1 : 0) << "\n";
  if (!status) return out.str();
  std::size_t alive = 0;
  for (const NodeStatus& n : status->nodes) alive += n.alive ? 1 : 0;
  out << "# HELP eventhost_cluster_nodes_alive Nodes whose heartbeat is "
         "current.\n# TYPE eventhost_cluster_nodes_alive gauge\n"
      << "eventhost_cluster_nodes_alive " << alive << "\n";
  group_gauges(out, *status);
  return out.str();
}

}  // namespace eventhost::cluster
