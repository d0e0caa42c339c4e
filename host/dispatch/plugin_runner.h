// PluginRunner -- one enabled plugin as the dispatcher sees it: its bounded
// queue, how many of its calls may run at once, its time budget, its
// counters and its circuit breaker, and the guarded call into its code.
//
// A runner is of one of two tiers. In the thread tier it holds the loaded
// library, and pool threads take turns at it (take / done / retake) and
// call deliver(). In the process tier the plugin lives in a worker
// process: the runner routes by the handler symbols that discovery read
// from the file, and its RemoteExecutor takes the queued work (pop_batch /
// pop_more) to the worker on its own thread.
//
// Thread-safety: every method may be called from any thread; queue and
// in-flight bookkeeping are under one per-plugin mutex (never a global
// one), counters are atomic. The Dispatcher is the only caller of the
// drainer side (take / done / retake), the RemoteExecutor of the batch
// side (pop_batch / pop_more / requeue_front / finish).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dispatch/call_recorder.h"
#include "dispatch/delivery.h"
#include "dispatch/event.h"
#include "dispatch/plugin_context.h"
#include "dispatch/plugin_control.h"
#include "dispatch/ring_queue.h"
#include "dispatch/spin_lock.h"
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
  // Deliveries in all for a failing event (the host retries, not the
  // runner), and the back-off before the second, doubling after.
  std::uint32_t max_attempts = 1;
  std::chrono::milliseconds retry_backoff{100};
  // Told of every handler call; shared so that a runner kept alive past its
  // host (stuck in a call) can still leave its slot. Optional.
  std::shared_ptr<CallRecorder> recorder;
};

// A lifecycle call (configure, action) queued between deliveries. Shared,
// so that work stays cheap to copy; null in an event delivery.
using LifecycleFn = std::shared_ptr<const std::function<void()>>;

// One unit of work in a plugin's queue: an event for a handler, or a
// lifecycle call that must not overlap handlers.
struct Work {
  EventPtr event;
  eh_handler_fn handler = nullptr;
  bool catch_all = false;     // handler is eh_on_any_event
  LifecycleFn lifecycle;      // null for event deliveries
  std::uint32_t attempt = 1;  // > 1 for a retry or a redelivery
};

// Where an event goes in a plugin: the function (null in the process tier,
// where the worker resolves it) and whether it is the catch-all.
struct RouteTarget {
  eh_handler_fn handler = nullptr;
  bool catch_all = false;
};

struct RunnerStats {
  std::uint64_t delivered = 0, failed = 0, exceptions = 0, timeouts = 0,
                dropped = 0, crashes = 0;
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
  // Thread tier: `plugin` is loaded in this process and already
  // initialized; its configure/action/shutdown go through control().
  PluginRunner(RunnerConfig config, std::shared_ptr<LoadedPlugin> plugin,
               std::unique_ptr<eh_context> context);
  // Process tier: `handler_symbols` (sorted) and `catch_all` are what
  // discovery read from the file. `control` also owns `executor` (they are
  // one supervisor); both must outlive every call into this runner.
  PluginRunner(RunnerConfig config, std::vector<std::string> handler_symbols,
               bool catch_all, std::shared_ptr<PluginControl> control,
               RemoteExecutor* executor);
  ~PluginRunner();

  const RunnerConfig& config() const { return config_; }
  const std::string& key() const { return config_.key; }
  // Thread tier only: the in-process context and library.
  eh_context* context() const { return context_.get(); }
  const LoadedPlugin& plugin() const { return *plugin_; }
  PluginControl& control() const { return *control_; }
  // Process tier only; nullptr in the thread tier.
  RemoteExecutor* executor() const { return executor_; }

  // Where `event_name` goes: its on_<...> handler, else the catch-all if
  // the event matches `subscribe`. nullopt if the plugin does not take it.
  std::optional<RouteTarget> target(const std::string& event_name) const;
  // Thread tier: target()'s function, or nullptr.
  eh_handler_fn route(const std::string& event_name, bool* catch_all) const;

  // Queues work, moving from `work` only on success. Returns false if the
  // queue is full or the runner is closed; `why` then says which, and
  // `work` is left intact for a retry or a drop report. On success,
  // `*wake` says whether the caller must get the work going: post a
  // drainer (thread tier: this push claimed one) or wake the executor
  // (process tier).
  bool try_push(Work& work, std::string* why, bool* wake);

  // Thread tier, drainer side. A drainer is a pool thread's turn at this
  // plugin, claimed by try_push() or by a drainer before it. The drainer
  // takes work in batches: every delivery it may start, up to kMaxBatch
  // (shared out among the plugin's concurrent calls), or one lifecycle
  // call. Taking one at a time made the producer and the pool thread meet
  // on this runner's lock for every event, and perf put that collision at
  // a quarter of the producer's time when dispatching to one plugin.
  //
  // take() pops the first batch and lists `slot` for the watchdog (the
  // drainer sets it around each call, and unlists it with leave() when
  // its turn ends); if nothing may start, the drainer is released and it
  // returns false. done() ends the batch: the first `ran` of `*batch`
  // ran, and the rest, which never started, go back to the front of the
  // queue (but for empty Work, dropped by the caller); then, if
  // `keep_going`, it pops the next batch into `*batch`. Work in a batch
  // still counts against the queue's capacity until done().
  // `*spawn` says the caller must post one more drainer (a concurrent
  // plugin with work for another thread).
  static constexpr std::size_t kMaxBatch = 32;
  // Below this many queued deliveries, done() does not take them at once
  // but returns kDry, so the drainer can wait a moment for a fuller batch.
  static constexpr std::size_t kGatherBatch = 8;
  using Batch = std::vector<Work>;
  enum class Turn {
    kNext,      // *batch holds the following work: run it
    kYield,     // more work waits, but the caller asked to yield: re-post
    kDry,       // the queue is empty, or holds fewer than kGatherBatch
                // deliveries; the drainer is still claimed, so the caller
                // must retake() (at once, or after waiting a moment for a
                // producer, watching depth())
    kReleased,  // nothing may start now; the drainer is released
  };
  using TimePoint = std::chrono::steady_clock::time_point;

  // The call a drainer is making, as the watchdog sees it. The drainer
  // owns it (on its stack) and sets it around each call. Its lock is
  // taken only by that drainer and the watchdog, so setting it costs no
  // traffic between cores.
  class CallSlot {
   public:
    // `event` stays alive until end(): the drainer's batch holds it.
    void begin(const Event* event, TimePoint started);
    void end();

   private:
    friend class PluginRunner;
    SpinLock lock_;
    const Event* event_ = nullptr;  // GUARDED_BY(lock_)
    TimePoint started_;             // GUARDED_BY(lock_)
    bool reported_ = false;         // GUARDED_BY(lock_)
  };

  bool take(Batch* batch, CallSlot* slot, bool* spawn);
  Turn done(Batch* batch, std::size_t ran, bool keep_going, bool* spawn);
  // After kDry: pops into `batch` (true), or releases the drainer (false).
  bool retake(Batch* batch);
  // Unlists `slot`: the drainer's turn has ended (it may still be claimed,
  // after kYield).
  void leave(CallSlot* slot);
  // The queue's length as of its last change, read without the lock.
  std::size_t depth() const { return depth_.load(std::memory_order_relaxed); }

  // Process tier: takes up to `max` event deliveries in queue order, or a
  // single lifecycle call, as one running slot (one finish() ends it).
  bool pop_batch(std::vector<Work>* out, std::size_t max);
  // Process tier, while holding the slot of a batch of deliveries: takes
  // up to `max` more deliveries (never a lifecycle call, which waits for
  // the slot), so the executor can keep its worker fed.
  bool pop_more(std::vector<Work>* out, std::size_t max);
  // Puts work that was popped but never run back at the front, in order.
  // Returns false (leaving `work` intact) if the runner no longer accepts.
  bool requeue_front(std::vector<Work>& work);
  void finish();

  // Calls the handler for `work` with the budget, the exception barrier
  // and the per-thread error capture; records the outcome in the counters.
  // `started` is when the call begins, if the caller knows; the result's
  // duration runs from it.
  DeliveryResult deliver(const Work& work);
  DeliveryResult deliver(const Work& work, TimePoint started);

  // Circuit breaker: counts consecutive failures; returns true exactly
  // once, when `threshold` is reached (the runner is then tripped).
  bool record_for_breaker(Outcome outcome, std::uint32_t threshold);
  // Trips the breaker: returns true exactly once. The runner then accepts
  // no work.
  bool trip_now();
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
  Outcome classify(std::int32_t code, std::chrono::nanoseconds took) const;
  bool may_start_locked() const;  // REQUIRES(mutex_)
  bool pop_locked(Batch* batch);  // REQUIRES(mutex_)
  bool claim_drainer_locked();    // REQUIRES(mutex_)

 public:
  // Adds one outcome to the counters (deliver() does it for its calls).
  void count(Outcome outcome);

 private:
  const RunnerConfig config_;
  const std::shared_ptr<LoadedPlugin> plugin_;  // thread tier
  const std::unique_ptr<eh_context> context_;   // thread tier
  const std::vector<std::string> symbols_;      // process tier, sorted
  const bool remote_catch_all_ = false;         // process tier
  RemoteExecutor* const executor_ = nullptr;    // process tier
  // Declared after the context and library it calls into, so it goes
  // first (a worker's supervisor thread stops before the rest).
  const std::shared_ptr<PluginControl> control_;

  // Cache lines by who uses them: the queue's (the producer and the
  // drainers, under the lock), its depth (polled by a lingering drainer),
  // the counters (the drainers, per call) and the breaker's flag (read by
  // both per event, written once). Sharing one line made every call's
  // count wait for the producer's push.
  static constexpr std::size_t kLine = 64;
  alignas(kLine) mutable SpinLock mutex_;
  RingQueue<Work> queue_;       // GUARDED_BY(mutex_)
  std::uint32_t running_ = 0;   // GUARDED_BY(mutex_)
  std::uint32_t drainers_ = 0;  // GUARDED_BY(mutex_), thread tier
  // Work taken in batches and not yet handed back by done().
  std::size_t batched_ = 0;         // GUARDED_BY(mutex_)
  bool lifecycle_running_ = false;  // GUARDED_BY(mutex_)
  bool closed_ = false;             // GUARDED_BY(mutex_)
  std::vector<CallSlot*> slots_;    // GUARDED_BY(mutex_), thread tier

  // queue_.size() as of the last change, for depth(): a lingering drainer
  // polls it, so it has a line of its own, away from the lock.
  alignas(kLine) std::atomic<std::size_t> depth_{0};

  alignas(kLine) std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> failed_{0}, exceptions_{0}, timeouts_{0},
      dropped_{0}, crashes_{0};
  std::atomic<std::uint32_t> consecutive_failures_{0};

  alignas(kLine) std::atomic<bool> tripped_{false};
};

}  // namespace eventhost
