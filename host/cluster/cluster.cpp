#include "cluster/cluster.h"

#include "common/error.h"

namespace eventhost::cluster {

Cluster::Cluster(ClusterOptions options)
    : options_(std::move(options)), keys_(options_.prefix) {
  control_ = connect("control");
}

std::unique_ptr<RedisConnection> Cluster::connect(
    const std::string& role, std::chrono::milliseconds io_timeout) {
  RedisConnection::Options o;
  o.io_timeout = io_timeout;
  o.client_name = "eventhost:" + options_.node + ":" + role;
  // CLIENT SETNAME takes no spaces; node names have none (check_node_name).
  o.reconnects = &counters_.reconnects;
  return std::make_unique<RedisConnection>(options_.endpoint, o);
}

RedisReply Cluster::command(const RedisConnection::Args& args) {
  std::lock_guard lock(control_mutex_);
  return control_->command(args);
}

std::vector<RedisReply> Cluster::pipeline(
    const std::vector<RedisConnection::Args>& commands) {
  std::lock_guard lock(control_mutex_);
  return control_->pipeline(commands);
}

void Cluster::check_reachable() {
  std::lock_guard lock(control_mutex_);
  try {
    control_->open();
  } catch (const Error& e) {
    throw Error(ErrorKind::kUnavailable,
                std::string("cannot join the cluster: ") + e.what() +
                    "; check --cluster (is redis-server running there?)");
  }
  const RedisReply info = control_->command({"INFO", "server"});
  const auto at = info.str.find("redis_version:");
  const int major =
      at == std::string::npos ? 0 : std::atoi(info.str.c_str() + at + 14);
  if (major < 7) {
    throw Error(ErrorKind::kRefused,
                "the cluster's Redis at " + options_.endpoint.display() +
                    " is version " +
                    (at == std::string::npos
                         ? std::string("unknown")
                         : info.str.substr(at + 14,
                                           info.str.find('\r', at) - at - 14)) +
                    "; eventhost needs Redis 7 or later");
  }
}

}  // namespace eventhost::cluster
