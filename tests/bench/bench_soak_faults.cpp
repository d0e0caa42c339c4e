// The soak's fault driver: once a second one of plugin churn (enable,
// disable, configure), 50 live stream clients joining or leaving, or a
// replay; every --kill-every-s a kill -9 of the daemon and a start again.
//
// RSS and open files are compared within one daemon life, since each kill
// starts a fresh process. After each start comes a warm-up (every fault on
// each tick, the stream crowd up to 200 and back), then the life's
// baseline, taken with no stream client; at the end every stream client
// leaves and the driver measures again. Both with the load running, no
// request of the driver's open, median of five samples 100 ms apart (a
// restarting worker's socket comes and goes).
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <thread>

#include "bench_report.h"
#include "bench_soak.h"

namespace eventhost::bench::soak {
namespace {

constexpr int kCrowdStep = 50;   // stream clients joining or leaving at once
constexpr int kCrowdMost = 200;  // never more at once

std::int64_t seconds_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - t)
      .count();
}

// Live stream clients, read (and thrown away) by one epoll thread, so the
// daemon never has to cut one off as too slow.
class Crowd {
 public:
  Crowd() : epoll_(epoll_create1(EPOLL_CLOEXEC)) {
    reader_ = std::thread([this] { read_loop(); });
  }
  ~Crowd() {
    stopping_ = true;
    reader_.join();
    leave(size());
    ::close(epoll_);
  }

  int size() {
    std::lock_guard lock(mutex_);
    return static_cast<int>(clients_.size());
  }

  void join(int n, int port) {
    const std::string request =
        "GET /api/events/stream?events=channel.created HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n\r\n";
    for (int i = 0; i < n; ++i) {
      const int fd = connect_loopback(port);
      if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(request.size())) {
        ::close(fd);
        throw std::runtime_error("cannot send the stream request");
      }
      ::fcntl(fd, F_SETFL, O_NONBLOCK);
      std::lock_guard lock(mutex_);
      const std::uint64_t serial = ++serial_;
      clients_[serial] = fd;
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = serial;
      epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
    }
  }

  void leave(int n) {
    std::lock_guard lock(mutex_);
    for (; n > 0 && !clients_.empty(); --n) drop_locked(clients_.begin());
  }

  std::uint64_t bytes() const { return bytes_; }

 private:
  void drop_locked(std::map<std::uint64_t, int>::iterator it) {
    epoll_ctl(epoll_, EPOLL_CTL_DEL, it->second, nullptr);
    ::close(it->second);
    clients_.erase(it);
  }

  void read_loop() {
    std::vector<epoll_event> ready(256);
    std::vector<char> buffer(1 << 16);
    while (!stopping_) {
      const int n = epoll_wait(epoll_, ready.data(), 256, 50);
      std::lock_guard lock(mutex_);
      for (int k = 0; k < n; ++k) {
        const auto it = clients_.find(ready[k].data.u64);
        if (it == clients_.end()) continue;  // left meanwhile
        for (;;) {
          const ssize_t got =
              ::recv(it->second, buffer.data(), buffer.size(), 0);
          if (got > 0) {
            bytes_ += static_cast<std::uint64_t>(got);
            continue;
          }
          // The daemon closed it (a kill, a restart): it has left.
          if (got == 0 || (errno != EAGAIN && errno != EINTR)) drop_locked(it);
          break;
        }
      }
    }
  }

  const int epoll_;
  std::mutex mutex_;
  std::map<std::uint64_t, int> clients_;  // GUARDED_BY(mutex_)
  std::uint64_t serial_ = 0;              // GUARDED_BY(mutex_)
  std::atomic<std::uint64_t> bytes_{0};
  std::atomic<bool> stopping_{false};
  std::thread reader_;
};

// One request of the driver's on a connection of its own, retried once on
// the next life if a kill cut it. Returns the reply (status 0: no answer).
HttpConnection::Reply call(DaemonLives& daemon, const std::string& method,
                           const std::string& path, const std::string& body) {
  DaemonLives::Life life = daemon.current();
  for (int attempt = 0; attempt < 2 && life.number >= 0; ++attempt) {
    try {
      HttpConnection connection(life.port);
      return connection.request(method, path, body,
                                {"Authorization: Bearer " + life.token,
                                 "Content-Type: application/json"});
    } catch (const std::exception&) {
      life = daemon.after(life.number, std::chrono::seconds(5));
    }
  }
  return {};
}

int stream_clients(int port) {
  return nlohmann::json::parse(get_ok(port, "/api/events/stats"))
      .at("active_clients")
      .get<int>();
}

// eventhost_process_memory_bytes{kind="heap_in_use"} from /metrics.
double heap_in_use_mib(const DaemonLives::Life& life) {
  HttpConnection connection(life.port);
  const auto reply = connection.request(
      "GET", "/metrics", "", {"Authorization: Bearer " + life.token});
  const std::string key =
      "eventhost_process_memory_bytes{kind=\"heap_in_use\"} ";
  const auto at = reply.body.find(key);
  if (reply.status != 200 || at == std::string::npos) {
    throw std::runtime_error("GET /metrics answered " +
                             std::to_string(reply.status) + " without " + key);
  }
  return std::stod(reply.body.substr(at + key.size())) / (1024 * 1024);
}

// The daemon's figures once it holds no stream client: median of five.
ProcFigures settled_figures(const DaemonLives::Life& life) {
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  while (stream_clients(life.port) != 0) {
    if (Clock::now() > deadline) {
      throw std::runtime_error(
          "the daemon still counts stream clients 15 s after they left");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::vector<double> rss, fds, heap;
  for (int i = 0; i < 5; ++i) {
    const ProcFigures f = proc_figures(life.pid);
    rss.push_back(f.rss_mib);
    fds.push_back(f.open_fds);
    heap.push_back(heap_in_use_mib(life));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return {median(rss), static_cast<int>(median(fds)), median(heap)};
}

// Plugin churn, one step a tick, in a cycle that never has the thrower
// and the emitter disabled at once (a replay needs one of them).
struct Churn {
  int step = 0, generation = 0;
  bool thrower_on = true, emitter_on = true;

  void next(DaemonLives& daemon, FaultResult& out) {
    std::string method = "POST", path, body;
    switch (step++ % 7) {
      case 0:
        path = "/api/plugins/soak_thrower/disable";
        thrower_on = false;
        break;
      case 2:
        path = "/api/plugins/soak_thrower/enable";
        thrower_on = true;
        break;
      case 3:
        path = "/api/plugins/soak_emitter/disable";
        emitter_on = false;
        break;
      case 5:
        path = "/api/plugins/soak_emitter/enable";
        emitter_on = true;
        break;
      case 1:
      case 4: {
        const char* key = kRecorders[step % 2];
        method = "PUT";
        path = std::string("/api/plugins/") + key + "/settings";
        body = R"({"generation":)" + std::to_string(++generation) + "}";
        break;
      }
      default:
        method = "PUT";
        path = "/api/plugins/slow/settings";
        body = R"({"sleep_ms":)" + std::to_string(4 + 2 * (step % 2)) + "}";
    }
    const auto reply = call(daemon, method, path, body);
    ++out.churn;
    if (reply.status / 100 != 2) {
      out.problems.push_back(method + " " + path + " answered " +
                             std::to_string(reply.status) + ": " +
                             reply.body.substr(0, 200));
    }
  }
};

void replay(DaemonLives& daemon, const FaultPlan& plan, const Churn& churn,
            FaultResult& out) {
  const std::uint64_t last = plan.load ? plan.load->last_acked() : 0;
  if (last < 2000) return;
  // The thrower or the emitter, whichever is enabled (never a recorder:
  // their duplicates must count only what a kill caused).
  const char* key =
      churn.thrower_on && (out.replays % 2 == 0 || !churn.emitter_on)
          ? "soak_thrower"
          : "soak_emitter";
  const auto reply = call(daemon, "POST", "/api/replay",
                          std::string(R"({"plugin":")") + key +
                              R"(","event":"channel.updated","after":)" +
                              std::to_string(last - 1000) + "}");
  ++out.replays;
  const auto j = nlohmann::json::parse(reply.body, nullptr, false);
  if (reply.status != 200 || j.is_discarded() || !j.contains("replayed")) {
    out.problems.push_back("POST /api/replay for " + std::string(key) +
                           " answered " + std::to_string(reply.status) + ": " +
                           reply.body.substr(0, 200));
    return;
  }
  out.replayed += j.at("replayed").get<std::uint64_t>();
}

}  // namespace

FaultResult run_faults(DaemonLives& daemon, const FaultPlan& plan) {
  FaultResult out;
  Crowd crowd;
  Churn churn;
  std::mt19937 random(19);  // the same faults every run
  const auto end =
      plan.run_start + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(plan.seconds));
  const auto seconds_of_run = [&] {
    return std::chrono::duration<double>(Clock::now() - plan.run_start).count();
  };
  auto life_start = Clock::now();
  bool warm = false;
  int warm_ticks = 0;
  auto next_tick = Clock::now() + std::chrono::seconds(1);
  while (Clock::now() < end) {
    std::this_thread::sleep_until(std::min(next_tick, end));
    if (Clock::now() >= end) break;
    next_tick += std::chrono::seconds(1);
    ++out.ticks;
    const double left =
        std::chrono::duration<double>(end - Clock::now()).count();
    if (plan.kill_every_s > 0 &&
        seconds_since(life_start) >= plan.kill_every_s &&
        left > plan.warm_up_s + 10) {
      crowd.leave(crowd.size());
      const auto life = daemon.kill_and_restart();
      std::fprintf(stderr, "soak: %.0f s: kill -9, started again (life %d)\n",
                   seconds_of_run(), life.number);
      ++out.kills;
      life_start = Clock::now();
      warm = false;
      warm_ticks = 0;
      continue;
    }
    const auto move_crowd = [&](bool join) {
      if (join) {
        crowd.join(kCrowdStep, daemon.current().port);
        ++out.sse_joins;
      } else {
        crowd.leave(kCrowdStep);
        ++out.sse_leaves;
      }
      out.sse_most = std::max(out.sse_most, crowd.size());
    };
    if (!warm) {
      // The warm-up: every kind of fault on each tick, and the stream
      // crowd once up to its most and back to none, so that what the
      // daemon keeps after a peak (the allocator's freed memory, SQLite's
      // page caches) is reached before the baseline, not counted as growth.
      const bool ramp_up = ++warm_ticks <= kCrowdMost / kCrowdStep;
      if (ramp_up || crowd.size() > 0) move_crowd(ramp_up);
      churn.next(daemon, out);
      replay(daemon, plan, churn, out);
      if (seconds_since(life_start) < plan.warm_up_s || crowd.size() > 0) {
        continue;
      }
      const DaemonLives::Life life = daemon.current();
      out.warm = settled_figures(life);
      out.warm_at_s = seconds_of_run();
      out.end_life = life.number;
      warm = true;
      continue;
    }
    switch (out.ticks % 3) {
      case 0:
        churn.next(daemon, out);
        break;
      case 1: {
        const int now = crowd.size();
        move_crowd(now == 0 || (now < kCrowdMost && random() % 2 == 0));
        break;
      }
      default:
        replay(daemon, plan, churn, out);
    }
  }
  crowd.leave(crowd.size());
  if (!warm) {
    throw std::runtime_error(
        "the run ended before the daemon's latest life was warm: make "
        "--minutes longer or --kill-every-s shorter");
  }
  out.end = settled_figures(daemon.current());
  out.end_at_s = seconds_of_run();
  return out;
}

}  // namespace eventhost::bench::soak
