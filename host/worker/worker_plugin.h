// WorkerPlugin -- the supervisor of one process-tier plugin: it keeps the
// plugin's worker process running, carries the runner's queued events to
// it in batches, and turns whatever happens to the worker into delivery
// outcomes (see DESIGN.md "Running plugins", process tier).
//
//  - Events go to the worker in frames of up to `batch`; results come back
//    in one write per frame of events. Before and after each call the
//    worker marks where it is in a page shared with the host
//    (call_progress.h), which the host reads when no results come: to
//    report finished calls without waiting for the batch to end, to time
//    out a stuck one, and after a crash.
//  - A worker that dies (SIGSEGV, abort, exit, the kernel's OOM or rlimit)
//    is noticed at once (its socket closes). The calls it finished get
//    their outcomes from the progress page; the event it was in is
//    reported kCrashed with the signal; the events after it go back to the
//    front of the queue; the worker is restarted after an exponential
//    back-off, and the queue continues.
//  - A call past the plugin's budget plus the kill grace gets the worker
//    SIGKILLed and restarted; the event is reported kTimeout.
//  - A worker that breaks the protocol (a malformed frame, a result for
//    another event) is killed; the first event without an outcome is
//    reported kCrashed (what it said since is not believed).
//  - `crash_limit` crashes within `crash_window` trip the runner's circuit
//    breaker with the reason ("crashed 5 times in 60 s: killed by SIGSEGV").
//
// The supervisor runs on its own thread: the pool never waits on a worker,
// and a dead or stuck worker fills only its own plugin's queue.
//
// Emits from the worker are served here, on the supervisor thread, with
// the plugin's per-second budget and the cause it named, looked up among
// the events sent to it (an id it was not sent counts as no cause).
//
// Thread-safety: start() and shutdown() from the controlling thread;
// wake() from any thread; configure() and action() run on the supervisor
// thread (they are lifecycle work of the runner).
// Errors: none thrown after start(); failures are outcomes and log lines.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dispatch/dispatcher.h"
#include "dispatch/emit_budget.h"
#include "dispatch/plugin_control.h"
#include "worker/call_progress.h"
#include "worker/worker_process.h"

namespace eventhost::worker {

struct WorkerPolicy {
  std::filesystem::path binary;  // the eventhost-worker executable
  WorkerLimits limits;
  // The user to run the worker as; empty: the host's own.
  std::optional<WorkerUser> user;
  std::uint32_t deny = 0;                          // sandbox.h kDeny* flags
  std::chrono::milliseconds kill_grace{1000};      // past the budget
  std::chrono::milliseconds start_timeout{10000};  // spawn to kReady
  std::uint32_t crash_limit = 5;  // 0 = never trip on crashes alone
  std::chrono::seconds crash_window{60};
  std::chrono::milliseconds backoff_first{100};
  std::chrono::milliseconds backoff_max{10000};
  std::size_t batch = 64;  // events per frame; at most two frames in flight
};

struct WorkerSpec {
  std::string key;
  std::filesystem::path plugin_file;
  std::string sha256;  // the pin; the worker loads only these bytes
  bool has_action = false;
  std::chrono::milliseconds timeout{5000};  // the plugin's budget
  // The manifest's max_emits_per_second, kept here: the worker runs the
  // plugin's code, so it is not trusted to count.
  std::uint32_t max_emits_per_second = EmitBudget::kDefaultPerSecond;
};

class WorkerPlugin final : public PluginControl, public RemoteExecutor {
 public:
  // `services` and `dispatcher` must outlive this object.
  WorkerPlugin(WorkerSpec spec, WorkerPolicy policy, PluginServices* services,
               Dispatcher* dispatcher);
  ~WorkerPlugin() override;
  WorkerPlugin(const WorkerPlugin&) = delete;
  WorkerPlugin& operator=(const WorkerPlugin&) = delete;

  // Starts the supervisor thread, which starts the worker and runs the
  // plugin's init and configure with `settings`; waits for that. Returns
  // "" or why the plugin did not start (everything is stopped again).
  // `runner` is the runner built over this object; it must outlive it.
  std::string start(PluginRunner* runner,
                    std::shared_ptr<const PluginSettings> settings);

  std::string configure(
      const std::shared_ptr<const PluginSettings>& settings) override;
  bool has_action() const override { return spec_.has_action; }
  std::string action(const std::string& id, const std::string& params_json,
                     std::string* result) override;
  // Asks the worker to run eh_plugin_shutdown and exit; kills it if it
  // does not within the kill grace. Joins the supervisor thread.
  void shutdown() override;

  void wake() override;

  // How many worker processes were started, and the pid of the live one.
  std::uint64_t starts() const { return starts_.load(); }
  int pid() const { return pid_.load(); }

 private:
  using Clock = std::chrono::steady_clock;
  // kDied: the worker exited (its socket closed); kBroke: it broke the
  // protocol and was killed.
  enum class Wait { kAnswer, kTimeout, kDied, kBroke };

  // The events of one run_batch() sent to the worker, and how far their
  // outcomes are reported.
  struct Window {
    std::vector<Work>& works;   // in the order sent; feed() appends
    std::uint64_t first_seq;    // the worker's call number for works[0]
    std::size_t next = 0;       // the first without a reported outcome
    std::size_t framed = 0;     // result frames read so far (<= next)
    std::uint64_t entered = 0;  // the page's `entered` when last read
    Clock::time_point since{};  // when the worker last showed progress
  };

  void loop();
  void drain();
  std::string launch();
  bool ensure_worker();
  void run_batch(std::vector<Work>& batch);
  const EventPtr* cause_of(std::uint64_t event_id) const;
  bool send_events(const std::vector<Work>& works, Clock::time_point deadline);
  void feed(Window& w, Clock::time_point deadline);
  std::string take_frame(const Frame& answer, Window& w);
  bool take_progress(Window& w, bool whole_only);
  bool entered_another(Window& w);
  bool progressed(Window& w);
  void deliver_result(const Work& work, const WireResult& result);
  void blame(Window& w, Outcome outcome, const std::string& message);
  void crashed(Window& w);
  void overran(Window& w);
  void run_lifecycle(Work& work);
  static std::string check_result(const WireResult& result,
                                  const Work& expected);
  bool handle_side_frame(const Frame& frame);
  Wait await(MessageType type, Frame* answer, Clock::time_point deadline);
  Wait died(const std::string& how, Wait why = Wait::kDied);
  bool request(const std::string& request, const char* what,
               std::chrono::milliseconds budget, Frame* answer,
               std::string* why);
  void lose_worker(const std::string& why, bool crashed);
  void report(const Work& work, Outcome outcome, const std::string& message,
              std::chrono::nanoseconds took, std::int32_t code = 0);
  void put_back(std::vector<Work>& rest);
  bool crash_loop(const std::string& how);
  void stop_worker();

  const WorkerSpec spec_;
  const WorkerPolicy policy_;
  PluginServices* const services_;
  Dispatcher* const dispatcher_;
  PluginRunner* runner_ = nullptr;

  // Supervisor thread only.
  std::unique_ptr<WorkerProcess> process_;
  // The live (or last) worker's progress page, kept past its death so
  // that the host can read where it was; a new one per worker.
  std::unique_ptr<CallProgress> progress_;
  std::uint64_t calls_sent_ = 0;  // events sent to the current worker
  std::shared_ptr<const PluginSettings> settings_;
  std::deque<Clock::time_point> crash_times_;
  std::uint32_t consecutive_crashes_ = 0;
  Clock::time_point retry_at_{};
  std::string last_loss_;  // why the last worker went away
  std::string died_how_;   // set by await() when it returns kDied/kBroke
  // The events sent to the worker in the batch being run (null between
  // batches): what the worker's emits may name as their cause.
  const std::vector<Work>* window_ = nullptr;
  // Deliveries of the batch being run that are reported, not yet counted
  // finished (Dispatcher::finished, once per batch).
  std::size_t reported_ = 0;
  EmitBudget emit_budget_;

  std::mutex mutex_;
  std::condition_variable cv_;
  bool woken_ = false;     // GUARDED_BY(mutex_)
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  std::thread thread_;

  std::atomic<std::uint64_t> starts_{0};
  std::atomic<int> pid_{0};
};

}  // namespace eventhost::worker
