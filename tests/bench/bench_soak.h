// The soak (issue 19), shared by its parts: the real daemon under a steady
// load (bench_soak_load.cpp) while a fault driver churns plugins, live
// stream clients and replays and kills -9 the daemon (bench_soak_faults.cpp),
// then a check that every acknowledged event reached each healthy plugin
// (bench_soak_check.cpp); bench_soak.cpp runs them and reports.
//
// Thread-safety: DaemonLives is shared by the load's and the fault
// driver's threads (every method may be called from any thread); the
// other types belong to one thread each.
// Errors: throw std::runtime_error when the soak cannot go on honestly (a
// daemon that does not start again, an unreadable record file).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bench_daemon.h"

namespace eventhost::bench::soak {

using Clock = std::chrono::steady_clock;

// The two healthy plugins, whose record files the check reads.
inline const char* const kRecorders[] = {"soak_recorder_thread",
                                         "soak_recorder_process"};

// The daemon across its lives: started, killed -9 and started again on the
// same state file. Others ask for the current life and, when a request of
// theirs fails, wait for the next one.
class DaemonLives {
 public:
  struct Life {
    int number = -1;  // 0 for the first start, +1 per restart; -1 = none
    int port = 0;
    pid_t pid = -1;
    std::string token;
  };

  DaemonLives(EventhostArgs where, std::vector<std::string> options);
  ~DaemonLives();

  // The life that is up now; waits while the daemon restarts.
  Life current();
  // A life newer than `number`, waiting up to `patience` for it; a life
  // with number -1 if none came (or the lives ended).
  Life after(int number, std::chrono::milliseconds patience);
  // kill -9, then start again; returns the new life.
  Life kill_and_restart();
  // SIGTERM and wait (the daemon drains and stops); no life follows.
  void stop();

 private:
  void start_locked();

  const EventhostArgs where_;
  const std::vector<std::string> options_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::unique_ptr<BenchDaemon> daemon_;  // GUARDED_BY(mutex_)
  Life life_;                            // GUARDED_BY(mutex_)
  bool restarting_ = false, stopped_ = false;
};

// What /proc says about one process.
struct ProcFigures {
  double rss_mib = 0;
  int open_fds = 0;
  // What the daemon's C heap holds in live allocations (its /metrics),
  // to tell memory it keeps from memory malloc keeps for it.
  double heap_in_use_mib = 0;
};
ProcFigures proc_figures(pid_t pid);

// Acknowledged POSTs: the ids the daemon answered, and how long each
// answer took, by minute of the run.
struct LoadResult {
  std::vector<std::uint64_t> acked_ids;
  std::vector<std::vector<double>> ack_ms_by_minute;
  std::uint64_t events_sent = 0;     // in requests, answered or not
  std::uint64_t batches_failed = 0;  // cut by a kill, or refused
  double seconds = 0;                // from the first request to stop
};

// The paced producer: `rate` events/s in NDJSON batches over HTTP, on its
// own threads, until stop().
class Load {
 public:
  Load(DaemonLives& daemon, int rate, Clock::time_point run_start);
  ~Load();
  Load(const Load&) = delete;
  Load& operator=(const Load&) = delete;
  void stop();
  LoadResult result();  // after stop()
  // The highest id acknowledged so far (any thread).
  std::uint64_t last_acked() const { return last_acked_; }

  struct Sender;

 private:
  DaemonLives& daemon_;
  std::atomic<std::uint64_t> last_acked_{0};
  const Clock::time_point run_start_;
  std::vector<std::unique_ptr<Sender>> senders_;
};

// What the fault driver did, and the daemon's figures it measured.
struct FaultResult {
  int ticks = 0, churn = 0, sse_joins = 0, sse_leaves = 0, replays = 0,
      kills = 0;
  std::uint64_t replayed = 0;  // deliveries the replays queued
  int sse_most = 0;            // most stream clients at once
  ProcFigures warm, end;       // the latest life: after warm-up, at the end
  double warm_at_s = 0, end_at_s = 0;  // seconds into the run
  int end_life = 0;
  std::vector<std::string> problems;  // a churn request that failed, ...
};

struct FaultPlan {
  double seconds = 60;      // how long the run lasts
  double kill_every_s = 0;  // 0 = no kill
  double warm_up_s = 10;    // after each start, before measuring
  Clock::time_point run_start;
  const Load* load = nullptr;  // where replays start from
};

// Runs the faults, one a second, on the calling thread until the plan's
// end; then leaves the live stream and measures the latest life's end.
FaultResult run_faults(DaemonLives& daemon, const FaultPlan& plan);

// How each healthy recorder did against the acknowledged ids.
struct RecorderCheck {
  std::string key;
  std::uint64_t records = 0;     // ids in its file
  std::uint64_t missing = 0;     // acknowledged, never recorded
  std::uint64_t duplicates = 0;  // acknowledged ids recorded more than once
  std::uint64_t first_missing = 0;
};
struct CheckResult {
  std::uint64_t acked = 0;
  std::uint64_t not_in_journal = 0;     // acknowledged, not held by the journal
  std::uint64_t retention_removed = 0;  // acknowledged, older than its oldest
  std::uint64_t first_not_in_journal = 0;
  std::uint64_t journal_oldest = 0;  // its oldest id from the first ack on
  std::vector<RecorderCheck> recorders;
};

// Reads each recorder's file (`<records_dir>/<key>.ids`) and the journal
// in `state` (the daemon must be stopped).
CheckResult check_soak(const std::vector<std::uint64_t>& acked_ids,
                       const fs::path& records_dir, const fs::path& state);

}  // namespace eventhost::bench::soak
