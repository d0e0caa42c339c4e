// The host side of the plugin ABI: the eh_context a plugin receives and
// the eh_host_api table of services behind it.
//
// eh_context is one per loaded plugin. Its services (logging, emitting) are
// provided by whoever owns the plugin (the Host) through PluginServices, so
// dispatch stays free of state and front ends.
//
// Thread-safety: an eh_context may be used from any pool thread at once;
// settings are swapped under a mutex, user_data is atomic. The error and
// result a plugin reports are captured per thread, for the call in progress
// on that thread (CallScope), so concurrent calls never mix them up; so is
// the event being handled, which becomes the cause of what the plugin
// emits from inside that call (see dispatch/event.h, "Causality").
#pragma once

#include <eventhost/plugin.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "dispatch/emit_budget.h"
#include "dispatch/event.h"

namespace eventhost {

// Who is emitting, as the host side of the ABI knows it.
struct EmitSource {
  const std::string& key;  // the plugin's
  // The event whose handler is running on the emitting thread (in the
  // process tier, the event the worker said it is in), or null outside a
  // handler call: init, configure, an action, a thread of the plugin's own.
  const EventPtr* cause = nullptr;
  // The plugin's per-second allowance; null for none.
  EmitBudget* budget = nullptr;
};

// What a plugin may ask of the host. Called on pool threads while a plugin
// call is in progress; implementations must not block on dispatch.
class PluginServices {
 public:
  virtual ~PluginServices() = default;
  virtual void plugin_log(const std::string& key, std::uint32_t severity,
                          std::string_view message) = 0;
  // Returns an EH_* code (see eh_host_api.emit).
  virtual std::int32_t plugin_emit(const EmitSource& source,
                                   std::string_view event,
                                   std::string_view payload) = 0;
};

// A plugin's settings as handed to it: each declared setting's value as
// JSON text (defaults filled in), and the whole object as JSON text.
struct PluginSettings {
  std::map<std::string, std::string, std::less<>> values;
  std::string object_json = "{}";
};

// What one call into a plugin reported through set_error / set_result,
// and the event it handles (null in a lifecycle call), which the plugin's
// emits during the call name as their cause.
struct CallRecord {
  std::string error;
  std::string result;
  const EventPtr* cause = nullptr;
};

// Makes `record` the target of set_error/set_result on this thread for the
// scope's lifetime.
class CallScope {
 public:
  explicit CallScope(CallRecord* record);
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  CallRecord* previous_;
};

// The table passed to plugins; static, valid for the life of the process.
const eh_host_api* host_api();

}  // namespace eventhost

// Defined in the global namespace because plugin.h declares it there.
struct eh_context {
  eh_context(std::string plugin_key, eventhost::PluginServices* services);

  const std::string key;
  eventhost::PluginServices* const services;
  std::atomic<void*> user_data{nullptr};
  // How many events the plugin may emit a second (set before init).
  eventhost::EmitBudget emit_budget;

  void set_settings(std::shared_ptr<const eventhost::PluginSettings> s);
  std::shared_ptr<const eventhost::PluginSettings> settings() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const eventhost::PluginSettings>
      settings_;  // GUARDED_BY(mutex_)
};
