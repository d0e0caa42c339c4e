// ClusterConfig -- a cluster's configuration, shared by its nodes in Redis
// (DESIGN.md "A cluster"): which plugins are enabled with the SHA-256 each
// was pinned to, their settings and isolation tier, and the event level.
//
//   P:plugins         hash: plugin key -> {"enabled", "sha256",
//                     "isolation", "settings": {id: JSON text}, "by": the
//                     node that changed it, "revision": the version it
//                     was changed at, "enabled_at": the version of its
//                     last enable}
//   P:level           the cluster's event level
//   P:config:version  bumped (INCR) by every change, in the same script
//   P:config          pub/sub channel: the new version, at each change
//
// A change an operator makes on any node (through its HTTP API or control
// socket) is made on that node first, with its checks, then shared
// (share()). Every node follows within a second: a watch thread of its own
// wakes on the channel's message or, at the latest, after a second, reads
// the version (one GET) and, when it moved, reads the configuration and
// makes the Host follow every plugin whose revision it has not applied
// (Host::adopt(), through the Host's own enable, disable, configure and
// set_isolation). A lost message thus delays a change by a second at most.
//
// Joining (join()): the cluster's configuration wins over the node's own;
// a plugin the cluster does not know is disabled on the node. A cluster
// with no configuration yet (no P:config:version) takes the first node's.
//
// The circuit breaker stays node-local: it is about that node's runs. A
// plugin it stopped on one node stays enabled in the cluster and stopped
// on that node, across restarts too, until an operator enables it again
// on any node ("enabled_at" moves).
//
// Thread-safety: join() and share() on threads holding the Host to
// themselves; the watch thread takes it through `with_host`.
// Errors: join() and share() throw Error(kUnavailable) when Redis cannot
// be reached; the watch logs (the first of a streak) and, once Redis
// answers again, makes the Host follow the whole configuration again.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cluster/cluster.h"
#include "core/host.h"

namespace eventhost::cluster {

class ClusterConfig {
 public:
  // Runs its argument with the Host to itself (ApiRouter::with_host).
  using WithHost = std::function<void(const std::function<void(Host&)>&)>;

  // `cluster` must outlive this.
  ClusterConfig(Cluster& cluster, WithHost with_host);
  ~ClusterConfig();
  ClusterConfig(const ClusterConfig&) = delete;
  ClusterConfig& operator=(const ClusterConfig&) = delete;

  // At start-up, before the session: makes `host` follow the cluster's
  // configuration, or seeds the cluster with this node's if it has none.
  void join(Host& host);
  // Starts the watch thread (after the session started).
  void watch();
  // Hands the change an operator just made on this node to the cluster:
  // plugin `key`'s configuration as `host` now holds it (`enabled`: the
  // change was an enable), or the level when `key` is "".
  void share(Host& host, const std::string& key, bool enabled);
  // A change that could not reach the cluster (`why`) may be made on this
  // node only: throws Error(kUnavailable) saying so, and makes the watch
  // follow the whole configuration again once Redis answers, undoing it.
  [[noreturn]] void unshared(const std::string& why);
  // Makes the watch follow the whole configuration again at its next
  // look (within a second): a plugin file added or replaced may be what
  // this node lacked, or the pinned one. Quick; any thread.
  void resync();

 private:
  struct Snapshot;
  Snapshot read(RedisConnection& redis);
  void follow(Host& host, const Snapshot& snapshot, bool joining);
  void loop();
  // Reads the version and, if it moved, follows the configuration.
  void look();

  Cluster& cluster_;
  WithHost with_host_;
  // The watch thread's: reads, and the channel's subscription.
  std::unique_ptr<RedisConnection> redis_, subscription_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  // What this node has followed: the version, each plugin's revision and
  // enabled_at. `resync_`: follow everything again at the next look (a
  // change could not be shared, or Redis was out of reach).
  long long version_ = 0;                        // GUARDED_BY(mutex_)
  std::map<std::string, long long> revisions_;   // GUARDED_BY(mutex_)
  std::map<std::string, long long> enabled_at_;  // GUARDED_BY(mutex_)
  bool resync_ = false;                          // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace eventhost::cluster
