// RoundTripProxy -- a TCP relay between the cluster's nodes and Redis on
// loopback that counts round trips, which Redis's own counters cannot (a
// pipelined turn is many commands and, when large, many socket reads).
//
// A round trip is counted on a connection each time Redis's bytes come
// back after the client sent some: a client of host/cluster
// (RedisConnection) writes a turn's commands, then reads every reply, so
// each turn and each blocking read is one. A request so large that Redis
// answers its first commands while the rest is still on its way (an
// append of a whole NDJSON batch) can count more than once: the counts are
// exact for small requests and an upper bound for large ones. Counted per
// connection role, read from the client's CLIENT SETNAME
// ("eventhost:NODE:ROLE": ingest, deliver, heartbeat, control).
//
// Thread-safety: one thread of its own relays; counts() may be called from
// any thread. Errors: the constructor throws std::runtime_error if it
// cannot listen; a connection that fails is closed (the node reconnects).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace eventhost::bench {

class RoundTripProxy {
 public:
  explicit RoundTripProxy(int redis_port);
  ~RoundTripProxy();
  RoundTripProxy(const RoundTripProxy&) = delete;
  RoundTripProxy& operator=(const RoundTripProxy&) = delete;

  int port() const { return port_; }
  // Round trips so far, by role ("other" when no name was set).
  std::map<std::string, std::uint64_t> counts() const;

 private:
  void run();

  int redis_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  int wake_[2] = {-1, -1};
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> counts_;
  std::thread thread_;
};

}  // namespace eventhost::bench
