#include "dispatch/dispatcher.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace eventhost {

struct Dispatcher::Pool {
  explicit Pool(unsigned threads) : pool(threads) {}
  boost::asio::thread_pool pool;
};

namespace {

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
      watchdog_([this] { watchdog_loop(); }) {}

Dispatcher::~Dispatcher() {
  if (!shut_down_) shutdown(std::chrono::milliseconds(0));
}

void Dispatcher::add(std::shared_ptr<PluginRunner> runner) {
  std::unique_lock lock(runners_mutex_);
  runners_.push_back(std::move(runner));
  routes_.clear();
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
    routes_.clear();
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

std::shared_ptr<const Dispatcher::RouteList> Dispatcher::routes_for(
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
  routes_.clear();
}

// Retries a push into a full queue until there is room, the runner stops
// accepting, or twice its time budget has passed.
bool Dispatcher::push_waiting(PluginRunner& runner, Work& work,
                              std::string* why) {
  const auto deadline =
      std::chrono::steady_clock::now() + 2 * runner.config().timeout;
  while (runner.accepting() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(100));
    if (runner.try_push(work, why)) return true;
  }
  return false;
}

Dispatcher::Fanout Dispatcher::dispatch(const EventPtr& event,
                                        Overflow overflow) {
  Fanout fanout;
  const auto routes = routes_for(event->name);
  for (const Route& route : *routes) {
    queue(route.runner, Work{event, route.handler, route.catch_all, {}, 1},
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
  queue(runner, Work{event, target->handler, target->catch_all, {}, attempt},
        overflow, &fanout);
  return true;
}

void Dispatcher::queue(const std::shared_ptr<PluginRunner>& runner, Work work,
                       Overflow overflow, Fanout* fanout) {
  if (callbacks_.on_queued) callbacks_.on_queued(*runner, *work.event);
  std::string why;
  outstanding_.fetch_add(1);
  const bool queued = runner->try_push(work, &why) ||
                      (overflow == Overflow::kWait && runner->accepting() &&
                       push_waiting(*runner, work, &why));
  if (queued) {
    schedule(runner);
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
  outstanding_.fetch_add(1);
  Work work{nullptr, nullptr, false, std::move(fn), 1};
  if (!runner->try_push(work, &why)) {
    work_done();
    return false;
  }
  schedule(runner);
  return true;
}

void Dispatcher::schedule(const std::shared_ptr<PluginRunner>& runner) {
  if (RemoteExecutor* executor = runner->executor()) {
    executor->wake();
    return;
  }
  {
    std::lock_guard lock(ready_mutex_);
    if (in_ready_.count(runner.get()) != 0 || !runner->runnable()) return;
    ready_[static_cast<int>(runner->config().priority)].push_back(runner);
    in_ready_.insert(runner.get());
  }
  boost::asio::post(pool_->pool, [this] { run_next(); });
}

void Dispatcher::run_next() {
  std::shared_ptr<PluginRunner> runner;
  {
    std::lock_guard lock(ready_mutex_);
    for (auto& list : ready_) {
      if (list.empty()) continue;
      runner = std::move(list.front());
      list.pop_front();
      in_ready_.erase(runner.get());
      break;
    }
  }
  if (!runner) return;
  Work work;
  if (!runner->pop(&work)) return;
  schedule(runner);  // a concurrent plugin may start more calls meanwhile
  execute(*runner, work);
  runner->finish();
  schedule(runner);
  work_done();
}

void Dispatcher::execute(PluginRunner& runner, const Work& work) {
  if (work.lifecycle) {
    work.lifecycle();  // the closure owns its own error handling
    return;
  }
  report(runner, runner.deliver(work));
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

void Dispatcher::complete(PluginRunner& runner, const DeliveryResult& result) {
  report(runner, result);
  work_done();
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
      work.lifecycle();  // still runs: it must answer whoever waits on it
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
  result.symbol =
      work.catch_all ? "eh_on_any_event" : handler_symbol(work.event->name);
  result.outcome = Outcome::kDropped;
  result.message = why;
  result.event = work.event;
  result.attempt = work.attempt;
  callbacks_.on_result(result);
}

void Dispatcher::work_done(std::size_t count) {
  if (count == 0) return;
  const auto remaining =
      outstanding_.fetch_sub(static_cast<std::int64_t>(count)) -
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
    // to die with the process rather than hang it.
    pool_->pool.stop();
    (void)pool_.release();
    return false;
  }
  pool_->pool.join();
  return true;
}

}  // namespace eventhost
