// Helpers for driving the Dispatcher directly with real plugins: each is
// inspected, loaded (dlopen), initialized and configured exactly as the
// Host does, then handed to the dispatcher in a PluginRunner.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dispatch/dispatcher.h"
#include "loader/loaded_plugin.h"
#include "loader/plugin_file.h"
#include "plugin_sandbox.h"

namespace eventhost::testing {

// The services a plugin may ask of its host. The dispatcher does not use
// them itself; this keeps what plugins log and emit for the test to read.
class RecordingServices : public PluginServices {
 public:
  void plugin_log(const std::string& key, std::uint32_t,
                  std::string_view message) override {
    std::lock_guard lock(mutex_);
    logs_.push_back(key + ": " + std::string(message));
  }
  std::int32_t plugin_emit(const EmitSource&, std::string_view event,
                           std::string_view) override {
    std::lock_guard lock(mutex_);
    emitted_.emplace_back(event);
    return EH_OK;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> logs_, emitted_;
};

// Loads the plugin at `file`, runs its init and configure hooks with
// `settings` (id -> JSON value) and wraps it in a runner with `config`.
inline std::shared_ptr<PluginRunner> make_runner(const fs::path& file,
                                                 RunnerConfig config,
                                                 const nlohmann::json& settings,
                                                 PluginServices* services) {
  const PluginFile inspected = inspect_plugin_file(file);
  REQUIRE(inspected.usable());
  std::shared_ptr<LoadedPlugin> plugin = LoadedPlugin::load(inspected);
  auto context = std::make_unique<eh_context>(config.key, services);
  auto values = std::make_shared<PluginSettings>();
  for (const auto& [id, value] : settings.items()) {
    values->values[id] = value.dump();
  }
  values->object_json = settings.dump();
  context->set_settings(values);
  if (auto init = plugin->init()) {
    REQUIRE(init(host_api(), context.get()) == EH_OK);
  }
  if (auto configure = plugin->configure()) {
    REQUIRE(configure(context.get(), values->object_json.c_str()) == EH_OK);
  }
  return std::make_shared<PluginRunner>(std::move(config), std::move(plugin),
                                        std::move(context));
}

inline RunnerConfig runner_config(const std::string& key) {
  RunnerConfig config;
  config.key = key;
  return config;
}

inline EventPtr make_event(std::uint64_t id, const std::string& name,
                           const std::string& payload = "{}",
                           LevelSet level = LevelSet::kFull) {
  auto event = std::make_shared<Event>();
  event->id = id;
  event->name = name;
  event->payload = payload;
  event->level = level;
  return event;
}

// A dispatcher whose results, trips and overruns the test can read. Shuts
// the pool down and calls each plugin's shutdown hook before unloading.
class Session {
 public:
  struct Trip {
    std::string key, reason;
  };

  explicit Session(unsigned threads, std::uint32_t breaker_threshold = 5)
      : dispatcher_(options(threads, breaker_threshold), callbacks()) {}
  ~Session() {
    const auto runners = dispatcher_.runners();
    if (!dispatcher_.shutdown(kIdleTimeout)) return;  // leave them loaded
    for (const auto& runner : runners) {
      if (auto shutdown = runner->plugin().shutdown()) {
        shutdown(runner->context());
      }
    }
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Dispatcher& dispatcher() { return dispatcher_; }
  Outcomes& outcomes() { return outcomes_; }
  std::vector<Trip> trips() const {
    std::lock_guard lock(mutex_);
    return trips_;
  }
  std::vector<Overrun> overruns() const {
    std::lock_guard lock(mutex_);
    return overruns_;
  }

 private:
  static Dispatcher::Options options(unsigned threads, std::uint32_t breaker) {
    Dispatcher::Options o;
    o.threads = threads;
    o.breaker_threshold = breaker;
    return o;
  }
  Dispatcher::Callbacks callbacks() {
    Dispatcher::Callbacks c;
    c.on_result = [this](const DeliveryResult& r) { outcomes_.add(r); };
    c.on_trip = [this](PluginRunner& runner, const std::string& reason) {
      std::lock_guard lock(mutex_);
      trips_.push_back({runner.key(), reason});
    };
    c.on_overrun = [this](const PluginRunner&, const Overrun& o) {
      std::lock_guard lock(mutex_);
      overruns_.push_back(o);
    };
    return c;
  }

  Outcomes outcomes_;
  mutable std::mutex mutex_;
  std::vector<Trip> trips_;
  std::vector<Overrun> overruns_;
  Dispatcher dispatcher_;  // last: its threads use the members above
};

// Holds a pool thread inside a lifecycle call until released, so a test
// can fill queues without racing the pool. Declare it after the Session:
// going away, it opens, so a failed test cannot leave the pool stuck.
class Gate {
 public:
  ~Gate() { open(); }
  std::function<void()> hold() {
    return [state = state_] {
      std::unique_lock lock(state->mutex);
      state->entered = true;
      state->cv.notify_all();
      state->cv.wait(lock, [&] { return state->open; });
    };
  }
  bool wait_entered() {
    std::unique_lock lock(state_->mutex);
    return state_->cv.wait_for(lock, kIdleTimeout,
                               [this] { return state_->entered; });
  }
  void open() {
    std::lock_guard lock(state_->mutex);
    state_->open = true;
    state_->cv.notify_all();
  }

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable cv;
    bool entered = false, open = false;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace eventhost::testing
