#include "dispatch/plugin_runner.h"

#include <algorithm>
#include <exception>

#include "catalogue/catalogue.h"
#include "dispatch/in_process_control.h"

namespace eventhost {

using Clock = std::chrono::steady_clock;

PluginRunner::PluginRunner(RunnerConfig config,
                           std::shared_ptr<LoadedPlugin> plugin,
                           std::unique_ptr<eh_context> context)
    : config_(std::move(config)),
      plugin_(std::move(plugin)),
      context_(std::move(context)),
      control_(std::make_shared<InProcessControl>(
          config_.key, *plugin_, context_.get(), config_.recorder)) {}

PluginRunner::PluginRunner(RunnerConfig config,
                           std::vector<std::string> handler_symbols,
                           bool catch_all,
                           std::shared_ptr<PluginControl> control,
                           RemoteExecutor* executor)
    : config_(std::move(config)),
      symbols_(std::move(handler_symbols)),
      remote_catch_all_(catch_all),
      executor_(executor),
      control_(std::move(control)) {}

PluginRunner::~PluginRunner() = default;

std::optional<RouteTarget> PluginRunner::target(
    const std::string& event_name) const {
  const std::string symbol = handler_symbol(event_name);
  if (plugin_) {
    if (eh_handler_fn fn = plugin_->handler(symbol)) return RouteTarget{fn};
  } else if (std::binary_search(symbols_.begin(), symbols_.end(), symbol)) {
    return RouteTarget{};
  }
  const bool has_catch_all =
      plugin_ ? plugin_->catch_all() != nullptr : remote_catch_all_;
  if (!has_catch_all) return std::nullopt;
  const bool subscribed = std::any_of(
      config_.subscribe.begin(), config_.subscribe.end(),
      [&](const std::string& p) { return event_matches(p, event_name); });
  if (!subscribed) return std::nullopt;
  return RouteTarget{plugin_ ? plugin_->catch_all() : nullptr, true};
}

eh_handler_fn PluginRunner::route(const std::string& event_name,
                                  bool* catch_all) const {
  const auto found = target(event_name);
  *catch_all = found && found->catch_all;
  return found ? found->handler : nullptr;
}

bool PluginRunner::try_push(Work& work, std::string* why, bool* wake) {
  std::lock_guard lock(mutex_);
  if (closed_ || tripped_.load()) {
    *why = tripped_.load() ? "plugin disabled by its circuit breaker"
                           : "plugin is stopping";
    return false;
  }
  if (queue_.size() + batched_ >= config_.queue_capacity) {
    *why = "queue full (" + std::to_string(config_.queue_capacity) +
           " waiting): the plugin is slower than the event rate";
    return false;
  }
  queue_.push_back(std::move(work));
  depth_.store(queue_.size(), std::memory_order_relaxed);
  *wake = executor_ != nullptr || claim_drainer_locked();
  return true;
}

// Whether the work at the front may start now: a lifecycle call only when
// nothing else runs, a delivery while under the plugin's concurrency.
bool PluginRunner::may_start_locked() const {
  if (queue_.empty() || lifecycle_running_) return false;
  if (queue_.front().lifecycle) return running_ == 0;
  return running_ < config_.concurrency;
}

// Pops what may start now: one lifecycle call, or a run of deliveries up
// to the next lifecycle call, at most kMaxBatch and this drainer's share
// when the plugin runs calls concurrently.
bool PluginRunner::pop_locked(Batch* batch) {
  if (!may_start_locked()) return false;
  ++running_;
  const std::size_t before = batch->size();
  if (queue_.front().lifecycle) {
    lifecycle_running_ = true;
    batch->push_back(queue_.pop_front());
  } else {
    const std::size_t share = std::max<std::size_t>(
        1, queue_.size() / std::max<std::uint32_t>(1, config_.concurrency));
    const std::size_t limit = std::min(kMaxBatch, share);
    while (batch->size() < limit && !queue_.empty() &&
           !queue_.front().lifecycle) {
      batch->push_back(queue_.pop_front());
    }
  }
  batched_ += batch->size() - before;
  depth_.store(queue_.size(), std::memory_order_relaxed);
  return true;
}

// A drainer that has not started a call yet will take queued work, so
// another is claimed only for work beyond what those will take.
bool PluginRunner::claim_drainer_locked() {
  if (executor_ != nullptr || !may_start_locked()) return false;
  const std::uint32_t limit =
      queue_.front().lifecycle ? 1 : config_.concurrency;
  const std::uint32_t waiting = drainers_ - std::min(drainers_, running_);
  if (drainers_ >= limit || waiting >= queue_.size()) return false;
  ++drainers_;
  return true;
}

bool PluginRunner::take(Batch* batch, CallSlot* slot, bool* spawn) {
  std::lock_guard lock(mutex_);
  if (!pop_locked(batch)) {
    --drainers_;
    *spawn = false;
    return false;
  }
  slots_.push_back(slot);
  *spawn = claim_drainer_locked();
  return true;
}

PluginRunner::Turn PluginRunner::done(Batch* batch, std::size_t ran,
                                      bool keep_going, bool* spawn) {
  std::lock_guard lock(mutex_);
  --running_;
  lifecycle_running_ = false;
  for (std::size_t i = batch->size(); i > ran; --i) {
    Work& unstarted = (*batch)[i - 1];
    if (unstarted.event || unstarted.lifecycle) {
      queue_.push_front(std::move(unstarted));
    }
  }
  batched_ -= batch->size();
  batch->clear();
  depth_.store(queue_.size(), std::memory_order_relaxed);
  *spawn = false;
  if (!keep_going) {
    if (may_start_locked()) return Turn::kYield;  // keeps its claim
    --drainers_;
    return Turn::kReleased;
  }
  // A few deliveries are left for the caller to gather into a fuller
  // batch: taking each as it comes would meet the producer on this lock
  // for every event again.
  const bool few = queue_.size() < kGatherBatch &&
                   (queue_.empty() || !queue_.front().lifecycle);
  if (!few && pop_locked(batch)) {
    *spawn = claim_drainer_locked();
    return Turn::kNext;
  }
  if (queue_.empty() || (few && may_start_locked())) {
    return Turn::kDry;  // keeps its claim
  }
  --drainers_;  // blocked: a lifecycle call waits for running calls
  return Turn::kReleased;
}

bool PluginRunner::retake(Batch* batch) {
  std::lock_guard lock(mutex_);
  if (pop_locked(batch)) return true;
  --drainers_;
  return false;
}

void PluginRunner::leave(CallSlot* slot) {
  std::lock_guard lock(mutex_);
  const auto it = std::find(slots_.begin(), slots_.end(), slot);
  if (it != slots_.end()) slots_.erase(it);
}

void PluginRunner::CallSlot::begin(const Event* event, TimePoint started) {
  std::lock_guard lock(lock_);
  event_ = event;
  started_ = started;
  reported_ = false;
}

void PluginRunner::CallSlot::end() {
  std::lock_guard lock(lock_);
  event_ = nullptr;
}

bool PluginRunner::pop_batch(std::vector<Work>* out, std::size_t max) {
  out->clear();
  std::lock_guard lock(mutex_);
  if (queue_.empty() || lifecycle_running_ || running_ != 0) return false;
  const bool lifecycle = static_cast<bool>(queue_.front().lifecycle);
  while (!queue_.empty() && out->size() < max &&
         static_cast<bool>(queue_.front().lifecycle) == lifecycle) {
    out->push_back(queue_.pop_front());
    if (lifecycle) break;
  }
  running_ = 1;
  lifecycle_running_ = lifecycle;
  return true;
}

bool PluginRunner::pop_more(std::vector<Work>* out, std::size_t max) {
  out->clear();
  std::lock_guard lock(mutex_);
  if (closed_ || tripped_.load() || lifecycle_running_) return false;
  while (!queue_.empty() && out->size() < max && !queue_.front().lifecycle) {
    out->push_back(queue_.pop_front());
  }
  return !out->empty();
}

bool PluginRunner::requeue_front(std::vector<Work>& work) {
  std::lock_guard lock(mutex_);
  if (closed_ || tripped_.load()) return false;
  for (auto it = work.rbegin(); it != work.rend(); ++it) {
    queue_.push_front(std::move(*it));
  }
  work.clear();
  return true;
}

void PluginRunner::finish() {
  std::lock_guard lock(mutex_);
  --running_;
  lifecycle_running_ = false;
}

Outcome PluginRunner::classify(std::int32_t code,
                               std::chrono::nanoseconds took) const {
  if (code == EH_ERR_EXCEPTION) return Outcome::kException;
  if (took > config_.timeout) return Outcome::kTimeout;
  return code == EH_OK ? Outcome::kOk : Outcome::kError;
}

DeliveryResult PluginRunner::deliver(const Work& work) {
  return deliver(work, Clock::now());
}

DeliveryResult PluginRunner::deliver(const Work& work, TimePoint started) {
  const Event& event = *work.event;
  DeliveryResult result;
  result.plugin_key = config_.key;
  result.event_id = event.id;
  result.event_name = event.name;
  result.catch_all = work.catch_all;
  result.event = work.event;
  result.attempt = work.attempt;

  eh_event ev{};
  ev.struct_size = sizeof(eh_event);
  ev.level = static_cast<std::uint32_t>(event.level);
  ev.name = event.name.c_str();
  ev.payload = event.payload.c_str();
  ev.payload_size = event.payload.size();
  ev.id = event.id;
  ev.emitted_at_us = event.emitted_at_us;
  ev.attempt = work.attempt;
  ev.host = host_api();

  CallRecord record;
  record.cause = &work.event;
  std::int32_t code = EH_OK;
  std::string escaped;
  {
    CallScope scope(&record);
    const RecordedCall recorded(config_.recorder.get(), CallKind::kCalling,
                                config_.key, event.name, event.id,
                                work.attempt);
    // A C++ plugin that skips plugin.hpp can still let an exception out;
    // it must not unwind through the host's pool thread.
    try {
      code = work.handler(&ev, context_.get());
    } catch (const std::exception& e) {
      escaped = e.what();
    } catch (...) {
      escaped = "unknown exception";
    }
  }
  result.duration = Clock::now() - started;

  result.code = code;
  if (!escaped.empty()) {
    result.outcome = Outcome::kException;
    result.code = EH_ERR_EXCEPTION;
    result.message = "exception escaped the handler: " + escaped;
  } else {
    result.outcome = classify(code, result.duration);
    result.message = std::move(record.error);
  }
  if (result.outcome == Outcome::kTimeout) {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(result.duration);
    result.message = "ran " + std::to_string(ms.count()) + " ms, budget " +
                     std::to_string(config_.timeout.count()) + " ms" +
                     (result.message.empty() ? "" : "; " + result.message);
  } else if (result.outcome != Outcome::kOk && result.message.empty()) {
    result.message = "returned " + std::to_string(code) + " without a message";
  }
  count(result.outcome);
  return result;
}

void PluginRunner::count(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      delivered_.fetch_add(1);
      break;
    case Outcome::kError:
      failed_.fetch_add(1);
      break;
    case Outcome::kException:
      exceptions_.fetch_add(1);
      break;
    case Outcome::kTimeout:
      timeouts_.fetch_add(1);
      break;
    case Outcome::kDropped:
      dropped_.fetch_add(1);
      break;
    case Outcome::kCrashed:
      crashes_.fetch_add(1);
      break;
  }
}

bool PluginRunner::record_for_breaker(Outcome outcome,
                                      std::uint32_t threshold) {
  if (!is_failure(outcome)) {
    // Most calls succeed: read first, so they do not all write this line.
    if (consecutive_failures_.load(std::memory_order_relaxed) != 0) {
      consecutive_failures_.store(0);
    }
    return false;
  }
  if (threshold == 0) return false;  // breaker switched off
  const auto failures = consecutive_failures_.fetch_add(1) + 1;
  return failures >= threshold && trip_now();
}

bool PluginRunner::trip_now() {
  bool expected = false;
  return tripped_.compare_exchange_strong(expected, true);
}

std::vector<Work> PluginRunner::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  depth_.store(0, std::memory_order_relaxed);
  return queue_.take_all();
}

bool PluginRunner::accepting() const {
  std::lock_guard lock(mutex_);
  return !closed_ && !tripped_.load();
}

bool PluginRunner::idle() const {
  std::lock_guard lock(mutex_);
  return queue_.empty() && running_ == 0 && drainers_ == 0;
}

RunnerStats PluginRunner::stats() const {
  RunnerStats s;
  s.delivered = delivered_.load();
  s.failed = failed_.load();
  s.exceptions = exceptions_.load();
  s.timeouts = timeouts_.load();
  s.dropped = dropped_.load();
  s.crashes = crashes_.load();
  s.tripped = tripped_.load();
  std::lock_guard lock(mutex_);
  s.queue_depth = queue_.size() + batched_;
  return s;
}

std::vector<Overrun> PluginRunner::take_overruns() {
  std::vector<Overrun> found;
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  for (CallSlot* slot : slots_) {
    std::lock_guard call(slot->lock_);
    if (slot->event_ == nullptr || slot->reported_) continue;
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        now - slot->started_);
    if (elapsed <= config_.timeout) continue;
    slot->reported_ = true;
    found.push_back({slot->event_->id, slot->event_->name, elapsed});
  }
  return found;
}

std::string DeliveryResult::symbol() const {
  return catch_all ? "eh_on_any_event" : handler_symbol(event_name);
}

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kError:
      return "error";
    case Outcome::kException:
      return "exception";
    case Outcome::kTimeout:
      return "timeout";
    case Outcome::kDropped:
      return "dropped";
    case Outcome::kCrashed:
      return "crashed";
  }
  return "?";
}

}  // namespace eventhost
