// WorkerPlugin -- the supervisor of one process-tier plugin: it keeps the
// plugin's worker process running, carries the runner's queued events to
// it in batches, and turns whatever happens to the worker into delivery
// outcomes (see DESIGN.md "Running plugins", process tier).
//
//  - A worker that dies (SIGSEGV, abort, exit, the kernel's OOM or rlimit)
//    is noticed at once (its socket closes). The event it was in is
//    reported kCrashed with the signal; the events after it in the batch go
//    back to the front of the queue; the worker is restarted after an
//    exponential back-off, and the queue continues.
//  - A call past the plugin's budget plus the kill grace gets the worker
//    SIGKILLed and restarted; the event is reported kTimeout.
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
  std::size_t batch = 64;  // events per frame
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
  enum class Wait { kAnswer, kTimeout, kDied };

  void loop();
  void drain();
  std::string launch();
  bool ensure_worker();
  void run_batch(std::vector<Work>& batch);
  const EventPtr* cause_of(std::uint64_t event_id) const;
  bool send_events(const std::vector<Work>& works, Clock::time_point deadline);
  void feed(std::vector<Work>& window, std::size_t next,
            Clock::time_point deadline);
  void run_lifecycle(Work& work);
  static std::string check_result(const Frame& answer, const Work& expected,
                                  WireResult* result);
  bool handle_side_frame(const Frame& frame);
  Wait await(MessageType type, Frame* answer, Clock::time_point deadline);
  Wait died(const std::string& how);
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
  std::shared_ptr<const PluginSettings> settings_;
  std::deque<Clock::time_point> crash_times_;
  std::uint32_t consecutive_crashes_ = 0;
  Clock::time_point retry_at_{};
  std::string last_loss_;  // why the last worker went away
  std::string died_how_;   // set by await() when it returns kDied
  // The events sent to the worker in the batch being run (null between
  // batches): what the worker's emits may name as their cause.
  const std::vector<Work>* window_ = nullptr;
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
