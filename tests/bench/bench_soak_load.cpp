// The soak's load: a paced producer of NDJSON batches over HTTP, and the
// daemon's lives it sends to (started, killed -9, started again).
//
// Two senders share the rate, each on its own keep-alive connection, so
// one slow answer does not hold the whole load. Each sends a batch when its
// schedule says so; a sender that falls behind sends at once, catching up
// at most a second (after a restart the schedule starts afresh: the events
// the daemon could not take while it was down are not sent in a burst).
// Most events are channel.updated; one in 400 is channel.created, which
// the slow plugin and the segfaulter handle (see bench_soak.cpp).
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "bench_soak.h"

namespace eventhost::bench::soak {

constexpr int kSenders = 2;
constexpr int kBatch = 500;        // events per request
constexpr int kSparseEvery = 400;  // one channel.created in 400 events

// ---- DaemonLives --------------------------------------------------------

DaemonLives::DaemonLives(EventhostArgs where, std::vector<std::string> options)
    : where_(std::move(where)), options_(std::move(options)) {
  std::lock_guard lock(mutex_);
  start_locked();
}

DaemonLives::~DaemonLives() { stop(); }

void DaemonLives::start_locked() {
  daemon_ = std::make_unique<BenchDaemon>(where_, options_);
  life_ = {life_.number + 1, daemon_->port(), daemon_->pid(), daemon_->token()};
  changed_.notify_all();
}

DaemonLives::Life DaemonLives::current() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !restarting_; });
  return stopped_ ? Life{} : life_;
}

DaemonLives::Life DaemonLives::after(int number,
                                     std::chrono::milliseconds patience) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, patience, [&] {
    return stopped_ || (!restarting_ && life_.number > number);
  });
  changed_.wait(lock, [&] { return !restarting_; });
  return stopped_ ? Life{} : life_;
}

DaemonLives::Life DaemonLives::kill_and_restart() {
  std::unique_lock lock(mutex_);
  restarting_ = true;
  daemon_->kill_hard();
  try {
    start_locked();
  } catch (...) {
    restarting_ = false;
    stopped_ = true;
    changed_.notify_all();
    throw;
  }
  restarting_ = false;
  changed_.notify_all();
  return life_;
}

void DaemonLives::stop() {
  std::unique_lock lock(mutex_);
  stopped_ = true;
  daemon_.reset();  // SIGTERM, waits
  changed_.notify_all();
}

ProcFigures proc_figures(pid_t pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  ProcFigures figures;
  std::ifstream status(proc + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      figures.rss_mib = std::stod(line.substr(6)) / 1024;  // kB
    }
  }
  std::error_code error;
  for (fs::directory_iterator it(proc + "/fd", error), end; !error && it != end;
       it.increment(error)) {
    ++figures.open_fds;
  }
  if (figures.rss_mib == 0 || error) {
    throw std::runtime_error("cannot read " + proc + "/status or " + proc +
                             "/fd");
  }
  return figures;
}

// ---- Load ---------------------------------------------------------------

struct Load::Sender {
  std::atomic<bool> stopping{false};
  std::thread thread;
  LoadResult result;
};

namespace {

std::string batch_body(std::uint64_t first) {
  std::string body;
  body.reserve(kBatch * 110);
  for (std::uint64_t n = first; n < first + kBatch; ++n) {
    body += n % kSparseEvery == 0 ? R"({"event":"channel.created")"
                                  : R"({"event":"channel.updated")";
    body += R"(,"data":{"channel_id":)" + std::to_string(n % 100000) +
            R"(,"channel_name":"News HD","channel_number":101}})"
            "\n";
  }
  return body;
}

void note_ids(const std::string& reply, LoadResult& into,
              std::atomic<std::uint64_t>& last) {
  const auto j = nlohmann::json::parse(reply, nullptr, false);
  if (j.is_discarded() || !j.contains("ids")) {
    throw std::runtime_error("POST /api/events answered without ids: " +
                             reply.substr(0, 300));
  }
  for (const auto& id : j.at("ids")) {
    into.acked_ids.push_back(id.get<std::uint64_t>());
  }
  if (!into.acked_ids.empty()) {
    std::uint64_t seen = last.load();
    while (seen < into.acked_ids.back() &&
           !last.compare_exchange_weak(seen, into.acked_ids.back())) {
    }
  }
}

void send_loop(DaemonLives& daemon, Load::Sender& me, int index, int rate,
               Clock::time_point run_start,
               std::atomic<std::uint64_t>& last_acked) {
  const auto interval =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
          static_cast<double>(kBatch) * kSenders / rate));
  DaemonLives::Life life = daemon.current();
  std::unique_ptr<HttpConnection> connection;
  // Senders interleave their batches rather than send them together.
  auto next = Clock::now() + interval * index / kSenders;
  const auto first = Clock::now();
  std::uint64_t sequence = static_cast<std::uint64_t>(index) << 40;
  while (!me.stopping && life.number >= 0) {
    const auto now = Clock::now();
    if (now < next) {
      std::this_thread::sleep_for(
          std::min<Clock::duration>(next - now, std::chrono::milliseconds(50)));
      continue;
    }
    try {
      if (!connection) connection = std::make_unique<HttpConnection>(life.port);
    } catch (const std::exception&) {
      life = daemon.after(life.number, std::chrono::seconds(1));
      next = Clock::now();
      continue;
    }
    const std::string body = batch_body(sequence);
    sequence += kBatch;
    me.result.events_sent += kBatch;
    const auto sent_at = Clock::now();
    HttpConnection::Reply reply;
    try {
      reply = connection->request("POST", "/api/events", body,
                                  {"Authorization: Bearer " + life.token,
                                   "Content-Type: application/x-ndjson"});
    } catch (const std::exception&) {
      // Cut by a kill -9 (or a daemon that went away): not acknowledged.
      ++me.result.batches_failed;
      connection.reset();
      life = daemon.after(life.number, std::chrono::seconds(5));
      next = Clock::now();
      continue;
    }
    const auto answered = Clock::now();
    if (reply.status != 200) {
      ++me.result.batches_failed;
    } else {
      note_ids(reply.body, me.result, last_acked);
      const auto minute = static_cast<std::size_t>(
          std::chrono::duration<double>(sent_at - run_start).count() / 60);
      auto& by_minute = me.result.ack_ms_by_minute;
      if (by_minute.size() <= minute) by_minute.resize(minute + 1);
      by_minute[minute].push_back(
          std::chrono::duration<double, std::milli>(answered - sent_at)
              .count());
    }
    next += interval;
    next = std::max(next, Clock::now() - std::chrono::seconds(1));
  }
  me.result.seconds =
      std::chrono::duration<double>(Clock::now() - first).count();
}

}  // namespace

Load::Load(DaemonLives& daemon, int rate, Clock::time_point run_start)
    : daemon_(daemon), run_start_(run_start) {
  for (int i = 0; i < kSenders; ++i) {
    senders_.push_back(std::make_unique<Sender>());
    Sender& sender = *senders_.back();
    sender.thread = std::thread([this, &sender, i, rate] {
      try {
        send_loop(daemon_, sender, i, rate, run_start_, last_acked_);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "soak: sender %d stopped: %s\n", i, e.what());
        ++sender.result.batches_failed;
      }
    });
  }
}

Load::~Load() { stop(); }

void Load::stop() {
  for (auto& s : senders_) s->stopping = true;
  for (auto& s : senders_) {
    if (s->thread.joinable()) s->thread.join();
  }
}

LoadResult Load::result() {
  LoadResult all;
  for (auto& s : senders_) {
    LoadResult& r = s->result;
    all.acked_ids.insert(all.acked_ids.end(), r.acked_ids.begin(),
                         r.acked_ids.end());
    if (all.ack_ms_by_minute.size() < r.ack_ms_by_minute.size()) {
      all.ack_ms_by_minute.resize(r.ack_ms_by_minute.size());
    }
    for (std::size_t m = 0; m < r.ack_ms_by_minute.size(); ++m) {
      all.ack_ms_by_minute[m].insert(all.ack_ms_by_minute[m].end(),
                                     r.ack_ms_by_minute[m].begin(),
                                     r.ack_ms_by_minute[m].end());
    }
    all.events_sent += r.events_sent;
    all.batches_failed += r.batches_failed;
    all.seconds = std::max(all.seconds, r.seconds);
  }
  return all;
}

}  // namespace eventhost::bench::soak
