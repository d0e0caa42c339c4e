// Suite "sse" -- fan-out of the daemon's live stream (GET
// /api/events/stream) to 1 000 clients on loopback: M events are POSTed as
// one NDJSON batch and timed until every client has read all M. The floor
// is the same with one client, in the same run and on the same daemon: the
// ratio of the cost per event copy says what the fan-out adds. The POST's
// acknowledgement is timed too, with the 1 000 clients and with none: the
// emitter must not wait for the fan-out.
//
// The clients are read by one epoll thread of this process, fast enough
// that the daemon never has to cut one off; a client that was cut off (an
// "overflow" event) or got fewer than M events fails the suite.
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "bench_daemon.h"
#include "bench_scratch.h"
#include "bench_suite.h"

using namespace eventhost;
using Clock = std::chrono::steady_clock;

namespace {

// 1 000 sockets do not fit the usual soft limit of 1024 open files.
void raise_open_files_limit(int needed) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < static_cast<rlim_t>(needed) + 64) {
    throw std::runtime_error("the hard limit on open files (" +
                             std::to_string(limit.rlim_max) +
                             ") is too low for " + std::to_string(needed) +
                             " clients: raise it with ulimit -Hn");
  }
}

struct Client {
  int fd = -1;
  std::string line;  // the line being read
  int events = 0;    // "id:" lines seen
  bool overflowed = false, closed = false;
  Clock::time_point done;  // when the last event arrived
};

// Counts SSE events per client, line by line: the chunked framing puts
// its size lines between whole events, so they are never read as fields.
void consume(Client& c, const char* data, std::size_t size, int wanted,
             std::atomic<int>& finished) {
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] != '\n') {
      c.line.push_back(data[i]);
      continue;
    }
    if (c.line.rfind("id: ", 0) == 0 && ++c.events == wanted) {
      c.done = Clock::now();
      ++finished;
    } else if (c.line == "event: overflow") {
      c.overflowed = true;
    }
    c.line.clear();
  }
}

struct Round {
  double seconds = 0;       // POST sent until the last client had every event
  double post_seconds = 0;  // until the POST was acknowledged
};

// Waits until the daemon counts `n` live stream clients.
void wait_for_clients(int port, std::size_t n) {
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  std::size_t active = 0;
  while (
      (active = nlohmann::json::parse(bench::get_ok(port, "/api/events/stats"))
                    .at("active_clients")
                    .get<std::size_t>()) != n) {
    if (Clock::now() > deadline) {
      throw std::runtime_error("the daemon counts " + std::to_string(active) +
                               " stream clients, not " + std::to_string(n));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Waits until the daemon has put `n` events on its live stream in all:
// the stream's feed publishes after the POST is answered, and a round's
// clients must not count the previous round's events as their own.
void wait_for_broadcast(int port, std::uint64_t n) {
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  std::uint64_t done = 0;
  while ((done = nlohmann::json::parse(bench::get_ok(port, "/api/events/stats"))
                     .at("total_events_broadcast")
                     .get<std::uint64_t>()) < n) {
    if (Clock::now() > deadline) {
      throw std::runtime_error("the daemon broadcast " + std::to_string(done) +
                               " events, not " + std::to_string(n));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

// `posted`: the events POSTed to this daemon so far, this round's added.
Round fan_out(const bench::BenchDaemon& daemon, int clients,
              const std::string& batch, int events, std::uint64_t& posted) {
  wait_for_broadcast(daemon.port(), posted);
  std::vector<Client> all(clients);
  const int epoll = epoll_create1(EPOLL_CLOEXEC);
  const std::string request =
      "GET /api/events/stream?events=channel.created HTTP/1.1\r\n"
      "Host: 127.0.0.1\r\n\r\n";
  for (int i = 0; i < clients; ++i) {
    all[i].fd = bench::connect_loopback(daemon.port());
    if (::send(all[i].fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size()))
      throw std::runtime_error("cannot send the stream request");
    ::fcntl(all[i].fd, F_SETFL, O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<std::uint32_t>(i);
    epoll_ctl(epoll, EPOLL_CTL_ADD, all[i].fd, &ev);
  }
  std::atomic<bool> give_up{false};
  // Written by the reader, polled by this thread.
  std::atomic<int> finished{0}, gone{0};
  std::thread reader([&] {
    std::vector<epoll_event> ready(256);
    std::vector<char> buffer(1 << 16);
    while (finished + gone < clients && !give_up) {
      const int n = epoll_wait(epoll, ready.data(), 256, 50);
      for (int k = 0; k < n; ++k) {
        Client& c = all[ready[k].data.u32];
        for (;;) {
          const ssize_t got = ::recv(c.fd, buffer.data(), buffer.size(), 0);
          if (got > 0) {
            consume(c, buffer.data(), static_cast<std::size_t>(got), events,
                    finished);
            continue;
          }
          if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
            c.closed = true;
            ++gone;
            epoll_ctl(epoll, EPOLL_CTL_DEL, c.fd, nullptr);
          }
          break;
        }
      }
    }
  });
  Round round;
  try {
    wait_for_clients(daemon.port(), clients);
    const auto start = Clock::now();
    bench::HttpConnection poster(daemon.port());
    const auto reply =
        poster.request("POST", "/api/events", batch,
                       {"Authorization: Bearer " + daemon.token(),
                        "Content-Type: application/x-ndjson"});
    round.post_seconds =
        std::chrono::duration<double>(Clock::now() - start).count();
    if (reply.status != 200)
      throw std::runtime_error("POST answered " + std::to_string(reply.status));
    posted += static_cast<std::uint64_t>(events);
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < deadline && finished + gone < clients) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    give_up = true;
    reader.join();
    int short_clients = 0, overflowed = 0;
    Clock::time_point last = start;
    for (const Client& c : all) {
      short_clients += c.events < events;
      overflowed += c.overflowed;
      if (c.events >= events) last = std::max(last, c.done);
    }
    if (short_clients > 0) {
      throw std::runtime_error(
          std::to_string(short_clients) + " of " + std::to_string(clients) +
          " clients did not get all " + std::to_string(events) + " events (" +
          std::to_string(overflowed) + " cut off by the daemon as too slow)");
    }
    round.seconds = std::chrono::duration<double>(last - start).count();
  } catch (...) {
    give_up = true;
    if (reader.joinable()) reader.join();
    for (const Client& c : all) ::close(c.fd);
    ::close(epoll);
    throw;
  }
  for (const Client& c : all) ::close(c.fd);
  ::close(epoll);
  wait_for_clients(daemon.port(), 0);  // the next round counts from zero
  return round;
}

void run_sse(const bench::Config& config, bench::Report& report) {
  const int clients = config.quick ? 50 : 1000;
  const int events = config.scaled(1000);
  const int rounds = config.rounds(5);
  raise_open_files_limit(clients);
  bench::Scratch scratch;
  const bench::EventhostArgs where{scratch.root / "plugins",
                                   scratch.root / "state.db",
                                   scratch.root / "home",
                                   {}};
  // The whole burst is published within milliseconds, before the daemon's
  // one I/O thread has written to every client: each client's queue must
  // hold all of it, or the daemon rightly cuts the client off.
  bench::BenchDaemon daemon(where,
                            {"--client-queue", std::to_string(events + 100)});
  std::string batch;
  for (int i = 0; i < events; ++i) {
    batch += R"({"event":"channel.created","data":{"channel_id":)" +
             std::to_string(i) +
             R"(,"channel_name":"News HD","channel_number":101}})"
             "\n";
  }
  std::vector<double> one, many, post, post_alone;
  std::uint64_t posted = 0;
  for (int r = 0; r < rounds; ++r) {
    post_alone.push_back(
        fan_out(daemon, 0, batch, events, posted).post_seconds);
    one.push_back(fan_out(daemon, 1, batch, events, posted).seconds);
    const Round round = fan_out(daemon, clients, batch, events, posted);
    many.push_back(round.seconds);
    post.push_back(round.post_seconds);
  }
  const double one_s = bench::median(one), many_s = bench::median(many);
  const double copies = static_cast<double>(clients) * events;
  const std::string what = std::to_string(clients) + " clients x " +
                           std::to_string(events) + " events";
  report.add({"fan-out", copies / many_s, "copies/s",
              what + ", POST to last event read"});
  report.add({"all clients have the last event", many_s * 1e3, "ms", what});
  const double post_s = bench::median(post),
               alone_s = bench::median(post_alone);
  report.add({"POST acknowledged", post_s * 1e3, "ms",
              "while " + std::to_string(clients) + " clients listen"});
  report.add({"POST acknowledged, no client", alone_s * 1e3, "ms",
              std::to_string(events) + " events"});
  report.add({"POST with " + std::to_string(clients) + " clients / with none",
              post_s / alone_s, "x", "target <= 1.5"});
  report.add({"1 client (floor)", one_s * 1e3, "ms",
              std::to_string(events) + " events"});
  report.add({"cost per copy / floor", (many_s / copies) / (one_s / events),
              "x", "< 1: ingest is shared by all clients"});
}

}  // namespace

EH_BENCH_SUITE(65, "sse",
               "live stream fan-out: 1000 events to 1000 SSE clients on "
               "loopback vs 1 client (median of 5)",
               run_sse);
