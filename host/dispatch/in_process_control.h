// InProcessControl -- PluginControl for the thread tier: calls the loaded
// library's configure/action/shutdown exports directly, behind the
// exception barrier, and tells the flight recorder about each call.
//
// Thread-safety: see PluginControl. Holds references to the runner's
// library and context, which outlive it (the runner owns all three).
#pragma once

#include <memory>
#include <string>

#include "dispatch/call_recorder.h"
#include "dispatch/plugin_control.h"
#include "loader/loaded_plugin.h"

namespace eventhost {

class InProcessControl final : public PluginControl {
 public:
  InProcessControl(std::string key, const LoadedPlugin& plugin,
                   eh_context* context, std::shared_ptr<CallRecorder> recorder);

  std::string configure(
      const std::shared_ptr<const PluginSettings>& settings) override;
  bool has_action() const override { return plugin_.action() != nullptr; }
  std::string action(const std::string& id, const std::string& params_json,
                     std::string* result) override;
  void shutdown() override;

 private:
  const std::string key_;
  const LoadedPlugin& plugin_;
  eh_context* const context_;
  const std::shared_ptr<CallRecorder> recorder_;
};

}  // namespace eventhost
