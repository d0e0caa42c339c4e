#include "dispatch/dispatcher.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "common/keep_until_exit.h"

namespace eventhost {

struct Dispatcher::Pool {
  explicit Pool(unsigned threads) : pool(threads) {}
  boost::asio::thread_pool pool;
};

namespace {

// Route generations, unique in the process (see routes_generation_).
std::uint64_t next_routes_generation() {
  static std::atomic<std::uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

unsigned pool_size(unsigned requested) {
  if (requested != 0) return requested;
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

Dispatcher::Dispatcher(Options options, Callbacks callbacks)
    : options_(options),
      callbacks_(std::move(callbacks)),
      threads_(pool_size(options.threads)),
      pool_(std::make_unique<Pool>(threads_)),
      routes_generation_(next_routes_generation()),
      watchdog_([this] { watchdog_loop(); }) {}

Dispatcher::~Dispatcher() {
  if (!shut_down_) shutdown(std::chrono::milliseconds(0));
}

void Dispatcher::add(std::shared_ptr<PluginRunner> runner) {
  std::unique_lock lock(runners_mutex_);
  runners_.push_back(std::move(runner));
  invalidate_routes_locked();
}

std::shared_ptr<PluginRunner> Dispatcher::remove(
    const std::string& key, std::chrono::milliseconds timeout) {
  std::shared_ptr<PluginRunner> runner;
  {
    std::unique_lock lock(runners_mutex_);
    auto it = std::find_if(runners_.begin(), runners_.end(),
                           [&](const auto& r) { return r->key() == key; });
    if (it == runners_.end()) return nullptr;
    runner = *it;
    runners_.erase(it);
    invalidate_routes_locked();
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!runner->idle()) {
    if (std::chrono::steady_clock::now() >= deadline) return nullptr;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return runner;
}

std::shared_ptr<PluginRunner> Dispatcher::find(const std::string& key) const {
  std::shared_lock lock(runners_mutex_);
  for (const auto& r : runners_) {
    if (r->key() == key) return r;
  }
  return nullptr;
}

std::vector<std::shared_ptr<PluginRunner>> Dispatcher::runners() const {
  std::shared_lock lock(runners_mutex_);
  return runners_;
}

// An emitting thread usually emits the same event over and over, so it
// remembers the last routes it looked up and checks only that they are
// still current: an atomic load, a name compare and taking a reference,
// instead of a shared lock that every producer writes and a hash of the
// name per event. It remembers them weakly: a thread that stops emitting
// must not keep a removed plugin's runner (and its library) alive.
std::shared_ptr<const Dispatcher::RouteList> Dispatcher::routes_for(
    const std::string& name) {
  struct Cached {
    std::uint64_t generation = 0;
    std::string name;
    std::weak_ptr<const RouteList> list;
  };
  thread_local Cached cached;
  const std::uint64_t generation =
      routes_generation_.load(std::memory_order_acquire);
  if (cached.generation == generation && cached.name == name) {
    if (auto list = cached.list.lock()) return list;
  }
  auto list = resolve_routes(name);
  cached.generation = generation;
  cached.name = name;
  cached.list = list;
  return list;
}

std::shared_ptr<const Dispatcher::RouteList> Dispatcher::resolve_routes(
    const std::string& name) {
  {
    std::shared_lock lock(runners_mutex_);
    auto it = routes_.find(name);
    if (it != routes_.end()) return it->second;
  }
  std::unique_lock lock(runners_mutex_);
  auto list = std::make_shared<RouteList>();
  for (const auto& runner : runners_) {
    if (runner->tripped()) continue;
    if (const auto target = runner->target(name)) {
      list->push_back({runner, target->handler, target->catch_all});
    }
  }
  routes_[name] = list;
  return list;
}

void Dispatcher::invalidate_routes() {
  std::unique_lock lock(runners_mutex_);
  invalidate_routes_locked();
}

void Dispatcher::invalidate_routes_locked() {
  routes_.clear();
  routes_generation_.store(next_routes_generation(), std::memory_order_release);
}

// Retries a push into a full queue until there is room, the runner stops
// accepting, or twice its time budget has passed.
bool Dispatcher::push_waiting(PluginRunner& runner, Work& work,
                              std::string* why, bool* wake) {
  const auto deadline =
      std::chrono::steady_clock::now() + 2 * runner.config().timeout;
  while (runner.accepting() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(100));
    if (runner.try_push(work, why, wake)) return true;
  }
  return false;
}

Dispatcher::Fanout Dispatcher::dispatch(EventPtr event, Overflow overflow) {
  Fanout fanout;
  const auto routes = routes_for(event->name);
  const std::size_t count = routes->size();
  // Counted once for the fan-out, not per delivery: this line is shared
  // with every pool thread that finishes work.
  if (count != 0) {
    outstanding_.fetch_add(static_cast<std::int64_t>(count),
                           std::memory_order_relaxed);
  }
  for (std::size_t i = 0; i < count; ++i) {
    const Route& route = (*routes)[i];
    // The last delivery takes the caller's reference instead of a copy.
    EventPtr shared = i + 1 == count ? std::move(event) : event;
    queue(route.runner,
          Work{std::move(shared), route.handler, route.catch_all, nullptr, 1},
          overflow, &fanout);
  }
  return fanout;
}

bool Dispatcher::deliver_to(const std::string& key, const EventPtr& event,
                            std::uint32_t attempt, Overflow overflow) {
  const auto runner = find(key);
  if (!runner || runner->tripped()) return false;
  const auto target = runner->target(event->name);
  if (!target) return false;
  Fanout fanout;
  outstanding_.fetch_add(1, std::memory_order_relaxed);
  queue(runner,
        Work{event, target->handler, target->catch_all, nullptr, attempt},
        overflow, &fanout);
  return true;
}

void Dispatcher::queue(const std::shared_ptr<PluginRunner>& runner, Work work,
                       Overflow overflow, Fanout* fanout) {
  if (callbacks_.on_queued) callbacks_.on_queued(*runner, *work.event);
  std::string why;
  bool wake = false;
  const bool queued = runner->try_push(work, &why, &wake) ||
                      (overflow == Overflow::kWait && runner->accepting() &&
                       push_waiting(*runner, work, &why, &wake));
  if (queued) {
    if (wake) start_work(runner);
    ++fanout->queued;
  } else {
    work_done();
    runner->count_drop();
    report_drop(*runner, work, why);
    ++fanout->dropped;
  }
}

bool Dispatcher::run_lifecycle(const std::string& key,
                               std::function<void()> fn) {
  auto runner = find(key);
  if (!runner) return false;
  std::string why;
  bool wake = false;
  outstanding_.fetch_add(1);
  Work work{nullptr, nullptr, false,
            std::make_shared<const std::function<void()>>(std::move(fn)), 1};
  if (!runner->try_push(work, &why, &wake)) {
    work_done();
    return false;
  }
  if (wake) start_work(runner);
  return true;
}

void Dispatcher::start_work(const std::shared_ptr<PluginRunner>& runner) {
  if (RemoteExecutor* executor = runner->executor()) {
    executor->wake();
  } else {
    post_drainer(runner);
  }
}

// Puts a drainer the runner claimed in its priority's ready list and asks
// the pool for a thread; whichever thread comes takes the highest
// priority runner waiting.
void Dispatcher::post_drainer(const std::shared_ptr<PluginRunner>& runner) {
  const auto priority = static_cast<std::size_t>(runner->config().priority);
  {
    std::lock_guard lock(ready_mutex_);
    ready_[priority].push_back(runner);
    waiting_[priority].fetch_add(1, std::memory_order_relaxed);
  }
  boost::asio::post(pool_->pool, [this] { run_next(); });
}

void Dispatcher::run_next() {
  std::shared_ptr<PluginRunner> runner;
  {
    std::lock_guard lock(ready_mutex_);
    for (std::size_t p = 0; p < ready_.size(); ++p) {
      if (ready_[p].empty()) continue;
      runner = std::move(ready_[p].front());
      ready_[p].pop_front();
      waiting_[p].fetch_sub(1, std::memory_order_relaxed);
      break;
    }
  }
  if (runner) drain(runner);
}

// True if a runner of higher priority than `priority` waits for a thread.
bool Dispatcher::higher_waiting(std::size_t priority) const {
  for (std::size_t p = 0; p < priority; ++p) {
    if (waiting_[p].load(std::memory_order_relaxed) != 0) return true;
  }
  return false;
}

// One pool thread's turn at a runner: it runs the runner's work back to
// back, in batches taken under one lock (PluginRunner::take), with no trip
// through the pool between calls, until the queue has nothing that may
// start, or a higher priority plugin waits, or the turn has lasted
// kTurnCalls calls or kTurnTime while another plugin waits for a thread;
// then it yields the thread (re-posting the runner if work remains). Work of
// the batch that did not start goes back to the front of the runner's queue.
void Dispatcher::drain(const std::shared_ptr<PluginRunner>& runner) {
  using Clock = std::chrono::steady_clock;
  constexpr int kTurnCalls = 64;
  constexpr std::chrono::microseconds kTurnTime{500};
  const auto priority = static_cast<std::size_t>(runner->config().priority);
  PluginRunner::Batch batch;
  batch.reserve(PluginRunner::kMaxBatch);
  PluginRunner::CallSlot slot;
  bool spawn = false;
  if (!runner->take(&batch, &slot, &spawn)) return;
  if (spawn) post_drainer(runner);
  std::size_t finished = 0;
  std::chrono::nanoseconds spent{0};
  auto now = Clock::now();
  for (int calls = 0;;) {
    std::size_t ran = 0;
    bool keep_going = true;
    while (keep_going && ran < batch.size() && !runner->tripped()) {
      Work& work = batch[ran++];
      const bool lifecycle = static_cast<bool>(work.lifecycle);
      slot.begin(work.event.get(), now);
      const auto took = execute(*runner, work, now);
      slot.end();
      work = Work{};  // frees the event here, not under the runner's lock
      // A delivery ends when the next may start; a lifecycle call does
      // not say how long it took, so the clock is read again.
      now = lifecycle ? Clock::now() : now + took;
      spent += took;
      ++finished;
      keep_going = !higher_waiting(priority);
      if (++calls >= kTurnCalls || spent >= kTurnTime) {
        // The turn is used up, but handing the thread over helps only a
        // plugin that waits for one; with none, a yield would just wake
        // a sleeping pool thread to take this same turn.
        keep_going = keep_going && !higher_waiting(ready_.size());
        calls = 0;
        spent = std::chrono::nanoseconds(0);
      }
    }
    finished += drop_tripped(*runner, batch, ran);
    const auto turn = runner->done(&batch, ran, keep_going, &spawn);
    if (spawn) post_drainer(runner);
    if (turn == PluginRunner::Turn::kNext) continue;
    if (turn == PluginRunner::Turn::kDry) {
      linger(*runner, runner->depth() != 0);
      if (runner->retake(&batch)) {
        now = Clock::now();
        continue;
      }  // else it is released
    }
    runner->leave(&slot);
    work_done(finished);
    if (turn == PluginRunner::Turn::kYield) post_drainer(runner);
    return;
  }
}

// The breaker tripped while a drainer held a batch: close() could not hand
// back what the batch had taken, so its unstarted deliveries are dropped
// here, as close() drops the queued ones, and left empty for done().
// Returns how many, each counted as finished work.
std::size_t Dispatcher::drop_tripped(PluginRunner& runner,
                                     PluginRunner::Batch& batch,
                                     std::size_t ran) {
  if (ran == batch.size() || !runner.tripped()) return 0;
  for (std::size_t i = ran; i < batch.size(); ++i) {
    Work& work = batch[i];
    if (work.lifecycle) {
      (*work.lifecycle)();  // still runs: it must answer whoever waits on it
    } else {
      runner.count_drop();
      report_drop(runner, work, "plugin disabled by its circuit breaker");
    }
    work = Work{};
  }
  return batch.size() - ran;
}

// A turn's queue just ran dry, but the next event is often close behind:
// a producer a few hundred ns behind at full speed, or the next of a
// steady stream of sparse events. Waiting for it here, with the drainer
// still claimed (so the producer posts no new one), saves the wake-up of a
// sleeping pool thread: tens of microseconds on this VM at the median and
// milliseconds in its tail, which was the whole p99.9 of sparse traffic.
// The wait is bounded (kLingerTime), so an idle host parks all its
// threads within a fraction of a millisecond and uses no CPU; after a
// short spin it yields its core between looks, so a producer or another
// turn that needs the core gets it. Only one thread lingers at a time,
// and none while turns wait for a thread; a turn that starts waiting ends
// the linger, and this thread, back in the pool, takes it at once.
//
// When deliveries are already waiting (`gather`: done() found a few, a
// steady stream faster than the calls), the wait is only until a fuller
// batch has queued or kGatherTime has passed, so that the drainer takes
// them together rather than meeting the producer on the queue's lock for
// each. A first event after a quiet spell is taken at once.
void Dispatcher::linger(const PluginRunner& runner, bool gather) {
  using Clock = std::chrono::steady_clock;
  constexpr int kSpins = 128;
  constexpr int kSpinsPerLook = 4;  // fewer reads of the producer's line
  constexpr auto kLingerTime = std::chrono::microseconds(200);
  constexpr auto kGatherTime = std::chrono::microseconds(2);
  const auto others_waiting = [this] { return higher_waiting(ready_.size()); };
  if (others_waiting()) return;
  bool expected = false;
  if (!lingering_.compare_exchange_strong(expected, true)) return;
  const std::size_t want = gather ? PluginRunner::kGatherBatch : 1;
  const auto deadline = Clock::now() + (gather ? kGatherTime : kLingerTime);
  for (int i = 0; runner.depth() < want && !others_waiting(); ++i) {
    if (i < kSpins) {
      for (int k = 0; k < kSpinsPerLook; ++k) SpinLock::pause();
      if (!gather) continue;
    }
    if (Clock::now() >= deadline) break;
    if (i >= kSpins) std::this_thread::yield();
  }
  lingering_.store(false);
}

std::chrono::nanoseconds Dispatcher::execute(
    PluginRunner& runner, const Work& work,
    std::chrono::steady_clock::time_point started) {
  if (work.lifecycle) {
    (*work.lifecycle)();  // the closure owns its own error handling
    return std::chrono::nanoseconds(0);
  }
  const DeliveryResult result = runner.deliver(work, started);
  report(runner, result);
  return result.duration;
}

void Dispatcher::report(PluginRunner& runner, const DeliveryResult& result) {
  if (callbacks_.on_result) callbacks_.on_result(result);
  if (runner.record_for_breaker(result.outcome, options_.breaker_threshold)) {
    close_tripped(
        runner, "failed " + std::to_string(options_.breaker_threshold) +
                    " times in a row; last on event " +
                    std::to_string(result.event_id) + " (" + result.event_name +
                    "): " + to_string(result.outcome) + ": " + result.message);
  }
}

void Dispatcher::complete(PluginRunner& runner, const DeliveryResult& result,
                          bool finished) {
  report(runner, result);
  if (finished) work_done();
}

void Dispatcher::lifecycle_done() { work_done(); }

void Dispatcher::drop(PluginRunner& runner, const Work& work,
                      const std::string& why) {
  runner.count_drop();
  report_drop(runner, work, why);
  work_done();
}

bool Dispatcher::trip(PluginRunner& runner, const std::string& reason) {
  if (!runner.trip_now()) return false;
  close_tripped(runner, reason);
  return true;
}

void Dispatcher::close_tripped(PluginRunner& runner,
                               const std::string& reason) {
  invalidate_routes();
  std::vector<Work> left = runner.close();
  for (const Work& work : left) {
    if (work.lifecycle) {
      (*work.lifecycle)();  // still runs: it must answer whoever waits on it
      continue;
    }
    runner.count_drop();
    report_drop(runner, work, "plugin disabled by its circuit breaker");
  }
  work_done(left.size());
  if (callbacks_.on_trip) callbacks_.on_trip(runner, reason);
}

void Dispatcher::report_drop(const PluginRunner& runner, const Work& work,
                             const std::string& why) {
  if (!callbacks_.on_result) return;
  DeliveryResult result;
  result.plugin_key = runner.key();
  result.event_id = work.event->id;
  result.event_name = work.event->name;
  result.catch_all = work.catch_all;
  result.outcome = Outcome::kDropped;
  result.message = why;
  result.event = work.event;
  result.attempt = work.attempt;
  callbacks_.on_result(result);
}

void Dispatcher::work_done(std::size_t count) {
  if (count == 0) return;
  const auto remaining =
      outstanding_.fetch_sub(static_cast<std::int64_t>(count),
                             std::memory_order_acq_rel) -
      static_cast<std::int64_t>(count);
  if (remaining == 0) {
    std::lock_guard lock(idle_mutex_);
    idle_cv_.notify_all();
  }
}

bool Dispatcher::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(idle_mutex_);
  return idle_cv_.wait_for(lock, timeout,
                           [this] { return outstanding_.load() == 0; });
}

std::vector<std::string> Dispatcher::busy_plugins() const {
  std::vector<std::string> busy;
  for (const auto& runner : runners()) {
    if (!runner->idle()) busy.push_back(runner->key());
  }
  return busy;
}

void Dispatcher::watchdog_loop() {
  std::unique_lock lock(watchdog_mutex_);
  while (!watchdog_cv_.wait_for(lock, options_.watchdog_period,
                                [this] { return stopping_; })) {
    lock.unlock();
    for (const auto& runner : runners()) {
      for (const Overrun& overrun : runner->take_overruns()) {
        if (callbacks_.on_overrun) callbacks_.on_overrun(*runner, overrun);
      }
    }
    lock.lock();
  }
}

bool Dispatcher::shutdown(std::chrono::milliseconds grace) {
  if (shut_down_) return true;
  shut_down_ = true;
  const bool idle = wait_idle(grace);
  {
    std::lock_guard lock(watchdog_mutex_);
    stopping_ = true;
  }
  watchdog_cv_.notify_all();
  watchdog_.join();
  if (!idle) {
    // Joining would wait forever on a hung plugin call. Leave the threads
    // to die with the process rather than hang it; the pool they run in
    // is never destroyed (its destructor would join them).
    pool_->pool.stop();
    keep_until_exit(std::shared_ptr<Pool>(std::move(pool_)));
    return false;
  }
  pool_->pool.join();
  return true;
}

}  // namespace eventhost
