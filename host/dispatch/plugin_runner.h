// PluginRunner -- one enabled plugin as the dispatcher sees it: its bounded
// queue, how many of its calls may run at once, its time budget, its
// counters and its circuit breaker, and the guarded call into its code.
//
// Thread-safety: every method may be called from any thread; queue and
// in-flight bookkeeping are under one per-plugin mutex (never a global
// one), counters are atomic. The Dispatcher is the only caller of the
// executor side (pop / finish).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "dispatch/call_recorder.h"
#include "dispatch/delivery.h"
#include "dispatch/event.h"
#include "dispatch/plugin_context.h"
#include "loader/loaded_plugin.h"
#include "loader/manifest.h"

namespace eventhost {

struct RunnerConfig {
  std::string key;
  Priority priority = Priority::kNormal;
  std::uint32_t concurrency = 1;
  std::chrono::milliseconds timeout{5000};
  std::size_t queue_capacity = 1024;
  std::vector<std::string> subscribe{"*"};  // patterns for the catch-all
  // Told of every handler call; shared so that a runner kept alive past its
  // host (stuck in a call) can still leave its slot. Optional.
  std::shared_ptr<CallRecorder> recorder;
};

// One unit of work in a plugin's queue: an event for a handler, or a
// lifecycle call (configure, action) that must not overlap handlers.
struct Work {
  EventPtr event;
  eh_handler_fn handler = nullptr;
  bool catch_all = false;           // handler is eh_on_any_event
  std::function<void()> lifecycle;  // empty for event deliveries
};

struct RunnerStats {
  std::uint64_t delivered = 0, failed = 0, exceptions = 0, timeouts = 0,
                dropped = 0;
  std::size_t queue_depth = 0;
  bool tripped = false;
};

// A call still running past its budget, seen by the watchdog.
struct Overrun {
  std::uint64_t event_id;
  std::string event_name;
  std::chrono::milliseconds elapsed;
};

class PluginRunner {
 public:
  PluginRunner(RunnerConfig config, std::shared_ptr<LoadedPlugin> plugin,
               std::unique_ptr<eh_context> context);

  const RunnerConfig& config() const { return config_; }
  const std::string& key() const { return config_.key; }
  eh_context* context() const { return context_.get(); }
  const LoadedPlugin& plugin() const { return *plugin_; }

  // The function that handles `event_name`: the named on_<...> handler,
  // else the catch-all if the event matches `subscribe` (*catch_all is then
  // set). Returns nullptr if the plugin does not take the event.
  eh_handler_fn route(const std::string& event_name, bool* catch_all) const;

  // Queues work, moving from `work` only on success. Returns false if the
  // queue is full or the runner is closed; `why` then says which, and
  // `work` is left intact for a retry or a drop report.
  bool try_push(Work& work, std::string* why);

  // Executor side. pop() takes the next runnable work, or returns false if
  // none may start now (empty, at its concurrency, or a lifecycle call must
  // wait for running calls). finish() marks it done; returns true if more
  // work may start.
  bool pop(Work* out);
  bool finish();
  bool runnable() const;

  // Calls the handler for `work` with the budget, the exception barrier
  // and the per-thread error capture; records the outcome in the counters.
  DeliveryResult deliver(const Work& work);

  // Circuit breaker: counts consecutive failures; returns true exactly
  // once, when `threshold` is reached. The runner then accepts no work.
  bool record_for_breaker(Outcome outcome, std::uint32_t threshold);
  bool tripped() const { return tripped_.load(); }
  // False once closed or tripped: pushing can never succeed again.
  bool accepting() const;

  // Stops accepting work and hands back what was still queued.
  std::vector<Work> close();
  bool idle() const;

  void count_drop() { dropped_.fetch_add(1); }
  RunnerStats stats() const;
  // Calls running past the budget that were not reported before.
  std::vector<Overrun> take_overruns();

 private:
  struct InFlight {
    std::uint64_t event_id;
    std::string event_name;
    std::chrono::steady_clock::time_point started;
    bool reported = false;
  };

  Outcome classify(std::int32_t code, std::chrono::nanoseconds took) const;
  void count(Outcome outcome);

  const RunnerConfig config_;
  const std::shared_ptr<LoadedPlugin> plugin_;
  const std::unique_ptr<eh_context> context_;

  mutable std::mutex mutex_;
  std::deque<Work> queue_;           // GUARDED_BY(mutex_)
  std::uint32_t running_ = 0;        // GUARDED_BY(mutex_)
  bool lifecycle_running_ = false;   // GUARDED_BY(mutex_)
  bool closed_ = false;              // GUARDED_BY(mutex_)
  std::vector<InFlight> in_flight_;  // GUARDED_BY(mutex_)

  std::atomic<std::uint64_t> delivered_{0}, failed_{0}, exceptions_{0},
      timeouts_{0}, dropped_{0};
  std::atomic<std::uint32_t> consecutive_failures_{0};
  std::atomic<bool> tripped_{false};
};

}  // namespace eventhost
