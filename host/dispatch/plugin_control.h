// PluginControl -- the calls into a plugin other than its event handlers:
// configure, actions and shutdown, for whichever isolation tier runs it
// (in the host's process, or in a supervised worker process).
//
// Thread-safety: configure() and action() are lifecycle work: call them
// only from a closure queued with Dispatcher::run_lifecycle(), so they
// never overlap a handler call. shutdown() is called once, after the
// runner was removed from the dispatcher and went idle.
// Errors: none thrown; failures come back as text.
#pragma once

#include <memory>
#include <string>

#include "dispatch/plugin_context.h"

namespace eventhost {

class PluginControl {
 public:
  virtual ~PluginControl() = default;

  // Hands the plugin new settings (eh_plugin_configure). Returns "" on
  // success, else what went wrong ("eh_plugin_configure returned 2 ...").
  virtual std::string configure(
      const std::shared_ptr<const PluginSettings>& settings) = 0;

  // Whether the plugin exports eh_plugin_action.
  virtual bool has_action() const = 0;
  // Runs action `id`; "" on success with the plugin's answer in *result.
  virtual std::string action(const std::string& id,
                             const std::string& params_json,
                             std::string* result) = 0;

  // eh_plugin_shutdown, then the plugin is let go (a worker stops).
  virtual void shutdown() = 0;
};

// Runs a plugin's work somewhere other than the dispatcher's pool: the
// process tier's supervisor, on its own thread. The Dispatcher calls wake()
// whenever the runner has work; the executor takes it with
// PluginRunner::pop_batch() and reports through Dispatcher::complete().
class RemoteExecutor {
 public:
  virtual ~RemoteExecutor() = default;
  // [any-thread] Must return at once: it only signals the executor.
  virtual void wake() = 0;
};

}  // namespace eventhost
