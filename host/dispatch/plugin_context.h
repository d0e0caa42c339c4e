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
// on that thread (CallScope), so concurrent calls never mix them up.
#pragma once

#include <eventhost/plugin.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace eventhost {

// What a plugin may ask of the host. Called on pool threads while a plugin
// call is in progress; implementations must not block on dispatch.
class PluginServices {
 public:
  virtual ~PluginServices() = default;
  virtual void plugin_log(const std::string& key, std::uint32_t severity,
                          std::string_view message) = 0;
  // Returns an EH_* code (see eh_host_api.emit).
  virtual std::int32_t plugin_emit(const std::string& key,
                                   std::string_view event,
                                   std::string_view payload) = 0;
};

// A plugin's settings as handed to it: each declared setting's value as
// JSON text (defaults filled in), and the whole object as JSON text.
struct PluginSettings {
  std::map<std::string, std::string, std::less<>> values;
  std::string object_json = "{}";
};

// What one call into a plugin reported through set_error / set_result.
struct CallRecord {
  std::string error;
  std::string result;
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

  void set_settings(std::shared_ptr<const eventhost::PluginSettings> s);
  std::shared_ptr<const eventhost::PluginSettings> settings() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const eventhost::PluginSettings>
      settings_;  // GUARDED_BY(mutex_)
};
