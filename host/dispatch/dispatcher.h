// Dispatcher -- delivers each event to every plugin that handles it, on a
// Boost.Asio thread pool (see DESIGN.md "Running plugins").
//
// Route: the event name maps (cached) to the runners that handle it. Queue:
// each runner has its own bounded queue, so a slow plugin fills only its
// own; what does not fit is reported as a kDropped result, never lost
// silently. Call: a runner with work claims a turn on a pool thread (one
// post per turn, not per delivery); the thread takes the highest priority
// runner waiting and runs its calls back to back until its queue is empty,
// or the turn is long enough that others should get the thread. Each
// runner serializes its calls unless its manifest allows concurrency (then
// it may hold that many turns at once). A watchdog reports calls running past
// their budget; a plugin failing `breaker_threshold` times in a row is
// tripped: it gets no more work and on_trip is called once.
//
// Thread-safety: all methods may be called from any thread, including from
// inside a plugin call (a plugin emitting an event). Callbacks run on pool
// threads (on_result also on the dispatching thread for drops, on_overrun
// on the watchdog thread) and must not block for long.
// Errors: none thrown for plugin failures; they are outcomes.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "dispatch/plugin_runner.h"
#include "dispatch/spin_lock.h"

namespace eventhost {

class Dispatcher {
 public:
  struct Options {
    unsigned threads = 0;                 // 0 = one per core
    std::uint32_t breaker_threshold = 5;  // consecutive failures; 0 = never
    std::chrono::milliseconds watchdog_period{20};
  };
  struct Callbacks {
    std::function<void(const DeliveryResult&)> on_result;
    std::function<void(PluginRunner&, const std::string& reason)> on_trip;
    std::function<void(const PluginRunner&, const Overrun&)> on_overrun;
    // Told of each delivery just before it is queued (so before its result
    // can be reported), on the dispatching thread. Must be quick.
    std::function<void(const PluginRunner&, const Event&)> on_queued;
  };
  // What to do when a plugin's queue is full. kWait is for producers the
  // host may slow down (a file being ingested); it waits up to twice the
  // plugin's time budget for room, then drops. Never use kWait from inside
  // a plugin call: a pool thread must not block on a queue.
  enum class Overflow { kDrop, kWait };

  struct Fanout {
    std::size_t queued = 0;
    std::size_t dropped = 0;
  };

  Dispatcher(Options options, Callbacks callbacks);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  unsigned threads() const { return threads_; }

  // Starts routing events to `runner`. The runner's plugin is initialized.
  void add(std::shared_ptr<PluginRunner> runner);

  // Stops routing to `key`, then waits up to `timeout` for its queued and
  // running work to finish. Returns the runner if it went idle (the caller
  // may shut it down and unload it), nullptr if unknown or still busy.
  std::shared_ptr<PluginRunner> remove(const std::string& key,
                                       std::chrono::milliseconds timeout);

  std::shared_ptr<PluginRunner> find(const std::string& key) const;
  std::vector<std::shared_ptr<PluginRunner>> runners() const;

  // Queues `event` for every plugin that handles it (taking the caller's
  // reference for the last one).
  Fanout dispatch(EventPtr event, Overflow overflow = Overflow::kDrop);

  // Queues `event` for plugin `key` alone, as delivery number `attempt`
  // (a retry, a redelivery after a restart, a replay). Returns false if the
  // plugin is not running or does not take the event.
  bool deliver_to(const std::string& key, const EventPtr& event,
                  std::uint32_t attempt, Overflow overflow);

  // Queues `fn` on `key`'s queue to run when no other call into the plugin
  // runs (configure, actions). Returns false if the plugin is not running.
  bool run_lifecycle(const std::string& key, std::function<void()> fn);

  // Waits until no work is queued or running anywhere. False on timeout.
  bool wait_idle(std::chrono::milliseconds timeout);

  // Waits up to `grace` for work to finish, then stops the pool. Returns
  // false if calls were still running: the pool's threads are then left
  // behind instead of joined, so a hung plugin cannot hang the host.
  bool shutdown(std::chrono::milliseconds grace);

  // Keys of plugins with a call in progress right now.
  std::vector<std::string> busy_plugins() const;

  // For a runner's RemoteExecutor, on its own thread. complete() reports
  // one delivery it popped (result callback, breaker); lifecycle_done()
  // ends a lifecycle call it ran; drop() reports work it cannot run.
  // `finished` false leaves the delivery counted as outstanding until the
  // executor's finished(n) for its batch: the count is shared with every
  // producer, and writing it per event made each one wait for that line.
  void complete(PluginRunner& runner, const DeliveryResult& result,
                bool finished = true);
  void finished(std::size_t count) { work_done(count); }
  void lifecycle_done();
  void drop(PluginRunner& runner, const Work& work, const std::string& why);
  // Disables `runner` now for `reason` (queued work is dropped, on_trip is
  // called). Returns false if it had tripped already.
  bool trip(PluginRunner& runner, const std::string& reason);

 private:
  struct Route {
    std::shared_ptr<PluginRunner> runner;
    eh_handler_fn handler;
    bool catch_all;
  };
  using RouteList = std::vector<Route>;
  struct Pool;  // hides boost::asio from includers

  std::shared_ptr<const RouteList> routes_for(const std::string& name);
  std::shared_ptr<const RouteList> resolve_routes(const std::string& name);
  void invalidate_routes();
  void invalidate_routes_locked();  // REQUIRES(runners_mutex_)
  bool push_waiting(PluginRunner& runner, Work& work, std::string* why,
                    bool* wake);
  // The caller has counted the work in outstanding_.
  void queue(const std::shared_ptr<PluginRunner>& runner, Work work,
             Overflow overflow, Fanout* fanout);
  void start_work(const std::shared_ptr<PluginRunner>& runner);
  void post_drainer(const std::shared_ptr<PluginRunner>& runner);
  void run_next();
  bool higher_waiting(std::size_t priority) const;
  void drain(const std::shared_ptr<PluginRunner>& runner);
  std::size_t drop_tripped(PluginRunner& runner, PluginRunner::Batch& batch,
                           std::size_t ran);
  void linger(const PluginRunner& runner, bool gather);
  std::chrono::nanoseconds execute(
      PluginRunner& runner, const Work& work,
      std::chrono::steady_clock::time_point started);
  void report(PluginRunner& runner, const DeliveryResult& result);
  void close_tripped(PluginRunner& runner, const std::string& reason);
  void report_drop(const PluginRunner& runner, const Work& work,
                   const std::string& why);
  void work_done(std::size_t count = 1);
  void watchdog_loop();

  const Options options_;
  const Callbacks callbacks_;
  const unsigned threads_;
  std::unique_ptr<Pool> pool_;

  mutable std::shared_mutex runners_mutex_;
  std::vector<std::shared_ptr<PluginRunner>>
      runners_;  // GUARDED_BY(runners_mutex_)
  std::unordered_map<std::string, std::shared_ptr<const RouteList>>
      routes_;  // GUARDED_BY(runners_mutex_)
  // Changes whenever routes_ is cleared; unique across dispatchers, so an
  // emitting thread's cached route (routes_for) is never taken for
  // another dispatcher's.
  std::atomic<std::uint64_t> routes_generation_;

  // Drainers waiting for a pool thread, one list per priority (a runner
  // appears once per drainer it claimed); waiting_ mirrors their sizes so
  // a running turn can see, without the lock, that it should yield.
  SpinLock ready_mutex_;
  std::array<std::deque<std::shared_ptr<PluginRunner>>, 4>
      ready_;  // GUARDED_BY(ready_mutex_)
  // On lines of their own: pool threads read waiting_ before every call,
  // and the producer writes outstanding_ for every event.
  alignas(64) std::array<std::atomic<int>, 4> waiting_{};
  std::atomic<bool> lingering_{false};  // one pool thread spins at most

  alignas(64) std::atomic<std::int64_t> outstanding_{0};
  std::mutex idle_mutex_;
  std::condition_variable idle_cv_;

  std::mutex watchdog_mutex_;
  std::condition_variable watchdog_cv_;
  bool stopping_ = false;  // GUARDED_BY(watchdog_mutex_)
  std::thread watchdog_;
  bool shut_down_ = false;
};

}  // namespace eventhost
