// ClusterKeys -- the names of everything a cluster keeps in Redis, all
// under one prefix (--cluster-prefix, default "eventhost") so that two
// clusters can share one Redis:
//
//   P:events          the stream of every accepted event (XADD)
//   P:plugins         hash: plugin key -> its cluster-wide state (JSON)
//   P:level           the cluster's event level
//   P:config:version  counter, bumped by every configuration change
//   P:config          pub/sub channel announcing such a change
//   P:lease:KEY       the lease of an "ordered" plugin (SET NX PX)
//   P:dead:KEY        stream of KEY's dead letters; P:dead: set of KEYs;
//   P:deadidx:KEY     hash: event id -> its dead letter's entry in P:dead:KEY
//   P:nodes           hash: node name -> what it last said of itself
//   P:node:NAME       present while NAME beats (a TTL)
//   P:claims          hash: plugin key -> its last claim (JSON)
//
// Consumer groups live on P:events: "KEY" for a shared or ordered plugin,
// "KEY@NODE" for an every_node plugin on NODE.
//
// Thread-safety: a value. Errors: check_prefix throws Error(kUsage).
#pragma once

#include <string>

#include "loader/manifest.h"

namespace eventhost::cluster {

// Throws Error(kUsage) unless `prefix` is 1 to 64 of [A-Za-z0-9_.:-].
void check_prefix(const std::string& prefix);
// Throws Error(kUsage) unless `node` is 1 to 128 printable characters
// without spaces or '@'.
void check_node_name(const std::string& node);

class ClusterKeys {
 public:
  explicit ClusterKeys(std::string prefix) : p_(std::move(prefix) + ":") {}

  std::string events() const { return p_ + "events"; }
  std::string plugins() const { return p_ + "plugins"; }
  std::string level() const { return p_ + "level"; }
  std::string version() const { return p_ + "config:version"; }
  std::string channel() const { return p_ + "config"; }
  std::string lease(const std::string& key) const {
    return p_ + "lease:" + key;
  }
  std::string dead(const std::string& key) const { return p_ + "dead:" + key; }
  std::string dead_index() const { return p_ + "dead:"; }
  std::string dead_by_event(const std::string& key) const {
    return p_ + "deadidx:" + key;
  }
  std::string nodes() const { return p_ + "nodes"; }
  std::string alive(const std::string& node) const {
    return p_ + "node:" + node;
  }
  std::string claims() const { return p_ + "claims"; }

  static std::string group(const std::string& key, ClusterMode mode,
                           const std::string& node) {
    return mode == ClusterMode::kEveryNode ? key + "@" + node : key;
  }

 private:
  std::string p_;
};

}  // namespace eventhost::cluster
