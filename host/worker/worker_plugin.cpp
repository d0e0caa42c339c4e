#include "worker/worker_plugin.h"

#include <spdlog/spdlog.h>

#include <future>
#include <utility>

#include "catalogue/catalogue.h"
#include "common/error.h"

namespace eventhost::worker {
namespace {

WireSettings to_wire(const PluginSettings& s) {
  WireSettings wire;
  for (const auto& [id, json] : s.values) wire.values.emplace_back(id, json);
  wire.object_json = s.object_json;
  return wire;
}

std::string ms_text(std::chrono::milliseconds ms) {
  return std::to_string(ms.count()) + " ms";
}

// Reads a frame made of strings only; false if it is malformed.
bool read_strings(const Frame& frame, std::initializer_list<std::string*> out) {
  try {
    FrameReader r(frame.body);
    for (std::string* s : out) *s = r.str();
    return true;
  } catch (const ProtocolError&) {
    return false;
  }
}

}  // namespace

WorkerPlugin::WorkerPlugin(WorkerSpec spec, WorkerPolicy policy,
                           PluginServices* services, Dispatcher* dispatcher)
    : spec_(std::move(spec)),
      policy_(std::move(policy)),
      services_(services),
      dispatcher_(dispatcher),
      emit_budget_(spec_.max_emits_per_second) {}

WorkerPlugin::~WorkerPlugin() { shutdown(); }

std::string WorkerPlugin::start(
    PluginRunner* runner, std::shared_ptr<const PluginSettings> settings) {
  runner_ = runner;
  auto started = std::make_shared<std::promise<std::string>>();
  auto result = started->get_future();
  thread_ = std::thread([this, settings, started] {
    settings_ = settings;
    std::string failure = launch();
    const bool ok = failure.empty();
    started->set_value(std::move(failure));
    if (ok) loop();
  });
  std::string failure = result.get();
  if (!failure.empty()) thread_.join();
  return failure;
}

void WorkerPlugin::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  cv_.notify_one();
}

void WorkerPlugin::shutdown() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

// Spawns a worker and has it load and start the plugin. Runs on the
// supervisor thread, which the worker's death signal is tied to.
std::string WorkerPlugin::launch() {
  try {
    // Room for every call in flight: two frames of events (feed()).
    progress_ = CallProgress::create(static_cast<std::uint32_t>(
        std::max<std::size_t>(2 * policy_.batch, 1)));
    process_ = WorkerProcess::spawn(policy_.binary, spec_.key, policy_.limits,
                                    progress_->fd(),
                                    policy_.user ? &*policy_.user : nullptr);
  } catch (const Error& e) {
    return e.what();
  }
  progress_->close_fd();  // the worker has its own copy
  calls_sent_ = 0;
  starts_.fetch_add(1);
  pid_.store(process_->pid());
  FrameWriter init(MessageType::kInit);
  init.str(spec_.key).str(spec_.plugin_file.string()).str(spec_.sha256);
  put(init, to_wire(*settings_));
  init.u32(policy_.deny).u32(progress_->slots());
  const auto deadline = Clock::now() + policy_.start_timeout;
  Frame ready;
  Wait got = Wait::kDied;
  if (process_->channel().send(init.finish(), deadline) ==
      FrameChannel::Status::kOk) {
    got = await(MessageType::kReady, &ready, deadline);
  }
  if (got != Wait::kAnswer) {
    std::string how = got == Wait::kTimeout ? "did not get ready within " +
                                                  ms_text(policy_.start_timeout)
                                            : died_how_;
    if (process_) how += "; " + process_->reap(std::chrono::milliseconds(0));
    process_.reset();
    pid_.store(0);
    return "its worker process " + how;
  }
  std::string failure;
  if (!read_strings(ready, {&failure})) {
    failure = "its worker sent a malformed ready frame";
  }
  if (!failure.empty()) stop_worker();
  return failure;
}

void WorkerPlugin::loop() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      const auto ready = [this] { return stopping_ || woken_; };
      if (process_ == nullptr && retry_at_ > Clock::now()) {
        cv_.wait_until(lock, retry_at_, ready);
      } else {
        cv_.wait(lock, ready);
      }
      if (stopping_) break;
      woken_ = false;
    }
    drain();
  }
  stop_worker();
}

// Restarts a lost worker once its back-off has passed. False while waiting;
// the loop then sleeps until retry_at_ and tries again.
bool WorkerPlugin::ensure_worker() {
  if (process_) return true;
  if (Clock::now() < retry_at_) return false;  // loop() waits it out
  const std::string failure = launch();
  if (failure.empty()) {
    spdlog::info("plugin {}: worker restarted (pid {})", spec_.key,
                 pid_.load());
    return true;
  }
  spdlog::error("plugin {}: worker did not restart: {}", spec_.key, failure);
  lose_worker("failed to start: " + failure, true);
  crash_loop(failure);
  return false;
}

void WorkerPlugin::drain() {
  std::vector<Work> batch;
  while (!runner_->tripped()) {
    if (!ensure_worker()) return;
    if (!runner_->pop_batch(&batch, policy_.batch)) return;
    if (batch.front().lifecycle) {
      run_lifecycle(batch.front());
    } else {
      window_ = &batch;
      run_batch(batch);
      window_ = nullptr;
      dispatcher_->finished(std::exchange(reported_, 0));
    }
    runner_->finish();
  }
  if (process_) stop_worker();  // tripped: the plugin gets no more work
}

void WorkerPlugin::run_lifecycle(Work& work) {
  (*work.lifecycle)();  // calls configure()/action() below, on this thread
  dispatcher_->lifecycle_done();
}

void WorkerPlugin::report(const Work& work, Outcome outcome,
                          const std::string& message,
                          std::chrono::nanoseconds took, std::int32_t code) {
  DeliveryResult r;
  r.plugin_key = spec_.key;
  r.event_id = work.event->id;
  r.event_name = work.event->name;
  r.catch_all = work.catch_all;
  r.outcome = outcome;
  r.code = code;
  r.message = message;
  r.duration = took;
  r.event = work.event;
  r.attempt = work.attempt;
  runner_->count(outcome);
  dispatcher_->complete(*runner_, r, false);  // finished after the batch
  ++reported_;
}

void WorkerPlugin::put_back(std::vector<Work>& rest) {
  if (rest.empty() || runner_->requeue_front(rest)) return;
  for (const Work& work : rest) {
    dispatcher_->drop(*runner_, work, "plugin disabled by its circuit breaker");
  }
  rest.clear();
}

// Serves the worker's logs and emits while waiting for an answer of
// `type`. kDied: the worker exited; kBroke: it broke the protocol and was
// killed; either way it is reaped, process_ is null and died_how_ says
// what happened. kTimeout: `deadline` passed and the worker is still there.
WorkerPlugin::Wait WorkerPlugin::await(MessageType type, Frame* answer,
                                       Clock::time_point deadline) {
  for (;;) {
    FrameChannel::Status status;
    try {
      status = process_->channel().receive(answer, deadline);
    } catch (const ProtocolError& e) {
      return died(std::string("sent a malformed frame (") + e.what() + ")",
                  Wait::kBroke);
    }
    if (status == FrameChannel::Status::kTimeout) return Wait::kTimeout;
    if (status == FrameChannel::Status::kClosed) {
      return died(process_->reap(std::chrono::milliseconds(1000)));
    }
    if (answer->type == type) return Wait::kAnswer;
    if (!handle_side_frame(*answer)) {
      return died("sent an unexpected frame (type " +
                      std::to_string(static_cast<int>(answer->type)) + ")",
                  Wait::kBroke);
    }
  }
}

WorkerPlugin::Wait WorkerPlugin::died(const std::string& how, Wait why) {
  if (process_) process_->reap(std::chrono::milliseconds(0));
  process_.reset();
  pid_.store(0);
  died_how_ = how;
  return why;
}

bool WorkerPlugin::handle_side_frame(const Frame& frame) {
  try {
    FrameReader r(frame.body);
    if (frame.type == MessageType::kLog) {
      const std::uint32_t severity = r.u32();
      services_->plugin_log(spec_.key, severity, r.str());
      return true;
    }
    if (frame.type == MessageType::kEmit) {
      const WireEmit emit = get_emit(r);
      const std::int32_t code = services_->plugin_emit(
          {spec_.key, cause_of(emit.cause_id), &emit_budget_}, emit.event,
          emit.payload);
      return process_->channel().send(
                 FrameWriter(MessageType::kEmitReply).i32(code).finish(),
                 Clock::now() + policy_.kill_grace) ==
             FrameChannel::Status::kOk;
    }
  } catch (const ProtocolError&) {
  }
  return false;
}

// The event sent to the worker with this id, if it is in the batch being
// run; else null (the emit counts as made outside a handler call).
const EventPtr* WorkerPlugin::cause_of(std::uint64_t event_id) const {
  if (window_ == nullptr || event_id == 0) return nullptr;
  for (const Work& work : *window_) {
    if (work.event && work.event->id == event_id) return &work.event;
  }
  return nullptr;
}

// Ends the current worker (killing it if it is still there) and sets the
// back-off before the next start. `crashed` makes the back-off grow.
void WorkerPlugin::lose_worker(const std::string& why, bool crashed) {
  if (process_) process_->reap(std::chrono::milliseconds(0));
  process_.reset();
  pid_.store(0);
  last_loss_ = why;
  if (!crashed) {
    retry_at_ = Clock::now();
    spdlog::warn("plugin {}: worker {}; restarting it", spec_.key, why);
    return;
  }
  ++consecutive_crashes_;
  auto delay = policy_.backoff_first;
  for (std::uint32_t i = 1;
       i < consecutive_crashes_ && delay < policy_.backoff_max; ++i) {
    delay *= 2;
  }
  delay = std::min(delay, policy_.backoff_max);
  retry_at_ = Clock::now() + delay;
  spdlog::warn("plugin {}: worker {}; restarting it in {}", spec_.key, why,
               ms_text(delay));
}

// Notes a crash; trips the breaker when the plugin crashed `crash_limit`
// times within the window. Returns true if it tripped.
bool WorkerPlugin::crash_loop(const std::string& how) {
  const auto now = Clock::now();
  crash_times_.push_back(now);
  while (!crash_times_.empty() &&
         now - crash_times_.front() > policy_.crash_window) {
    crash_times_.pop_front();
  }
  if (policy_.crash_limit == 0 || crash_times_.size() < policy_.crash_limit) {
    return false;
  }
  return dispatcher_->trip(
      *runner_,
      "crashed " + std::to_string(crash_times_.size()) + " times in " +
          std::to_string(policy_.crash_window.count()) + " s: " + how);
}

// A lifecycle request: sends `request` and waits for kLifecycleEnd. On
// failure loses the worker and returns false with *why set.
bool WorkerPlugin::request(const std::string& request, const char* what,
                           std::chrono::milliseconds budget, Frame* answer,
                           std::string* why) {
  const auto deadline = Clock::now() + budget;
  Wait got = Wait::kDied;
  died_how_ = "stopped reading requests";
  if (process_->channel().send(request, deadline) ==
      FrameChannel::Status::kOk) {
    got = await(MessageType::kLifecycleEnd, answer, deadline);
  }
  if (got == Wait::kAnswer) return true;
  *why = got == Wait::kTimeout
             ? std::string(what) + " ran past " + ms_text(budget)
             : died_how_;
  lose_worker(*why, got != Wait::kTimeout);
  return false;
}

std::string WorkerPlugin::configure(
    const std::shared_ptr<const PluginSettings>& settings) {
  settings_ = settings;  // a restarted worker starts with these
  if (!process_) return "";
  FrameWriter w(MessageType::kConfigure);
  put(w, to_wire(*settings));
  Frame answer;
  std::string why;
  if (!request(w.finish(), "eh_plugin_configure",
               spec_.timeout + policy_.kill_grace, &answer, &why)) {
    return "its worker was lost during eh_plugin_configure (" + why +
           "); it restarts with the new settings";
  }
  std::string error;
  if (!read_strings(answer, {&error})) {
    lose_worker("sent a malformed answer to eh_plugin_configure", true);
    return "its worker sent a malformed answer; it restarts with the new "
           "settings";
  }
  return error;
}

std::string WorkerPlugin::action(const std::string& id,
                                 const std::string& params_json,
                                 std::string* result) {
  if (!ensure_worker()) {
    return "its worker is restarting after: " + last_loss_ + "; try again";
  }
  Frame answer;
  std::string why;
  if (!request(
          FrameWriter(MessageType::kAction).str(id).str(params_json).finish(),
          "eh_plugin_action",
          std::max(spec_.timeout, std::chrono::milliseconds(30000)), &answer,
          &why)) {
    return "its worker was lost during the action: " + why;
  }
  std::string error;
  if (!read_strings(answer, {&error, result})) {
    lose_worker("sent a malformed answer to eh_plugin_action", true);
    return "its worker sent a malformed answer to the action";
  }
  return error;
}

void WorkerPlugin::stop_worker() {
  if (!process_) return;
  process_->channel().send(FrameWriter(MessageType::kShutdown).finish(),
                           Clock::now() + policy_.kill_grace);
  const std::string how = process_->reap(policy_.kill_grace);
  spdlog::debug("plugin {}: worker stopped ({})", spec_.key, how);
  process_.reset();
  pid_.store(0);
}

}  // namespace eventhost::worker
