// Host: its part in a cluster's shared configuration (DESIGN.md "A
// cluster"; cluster/cluster_config.h keeps it in Redis and calls these).
// A node follows the cluster through the same enable, disable, configure
// and set_isolation as an operator's request, so the same checks, tiers
// and hooks apply; its state file keeps its own copy of what it follows.
#include <spdlog/spdlog.h>

#include "common/error.h"
#include "core/host.h"
#include "loader/sha256.h"

namespace eventhost {

SharedPluginConfig Host::shared_config(const std::string& key) const {
  SharedPluginConfig config;
  config.key = key;
  if (const auto state = state_->get_plugin(key)) {
    config.enabled = state->enabled;
    config.sha256 = state->sha256;
    config.isolation = state->isolation;
  }
  config.settings = state_->settings(key);
  return config;
}

std::vector<SharedPluginConfig> Host::shared_configs() const {
  std::vector<SharedPluginConfig> all;
  for (const PluginState& state : state_->plugins()) {
    all.push_back(shared_config(state.key));
  }
  return all;
}

std::optional<std::string> Host::stored_level() const {
  return state_->event_level();
}

std::vector<PluginView> Host::missing_plugins() const {
  std::vector<PluginView> missing;
  if (options_.node.empty()) return missing;
  for (const PluginState& state : state_->plugins()) {
    if (!state.enabled) continue;
    bool here = false;
    for (const PluginFile& file : files_) {
      here = here || plugin_key_of(file) == state.key;
    }
    if (here) continue;
    PluginView view;
    view.key = state.key;
    view.file.path = options_.plugins_dir / (state.key + ".so");
    view.file.problem = "no such file";
    view.state = state;
    view.enabled = true;
    view.counters = state_->counters(state.key);
    view.status = "missing on node " + options_.node + ": no file in " +
                  options_.plugins_dir.string() + " declares the key '" +
                  state.key + "' the cluster runs (SHA-256 " +
                  state.sha256.substr(0, 12) +
                  "…); copy the plugin's file into that folder on this node";
    missing.push_back(std::move(view));
  }
  return missing;
}

// Settings first, so a plugin that starts next starts with them: every
// declared setting takes the cluster's value, or its default if the
// cluster sets none.
void Host::adopt_settings(const SharedPluginConfig& config,
                          const PluginView& view) {
  std::map<std::string, std::string> assignments;
  for (const SettingField& field : view.file.manifest->settings) {
    const auto it = config.settings.find(field.id);
    const nlohmann::json value =
        it == config.settings.end()
            ? field.default_value
            : nlohmann::json::parse(it->second, nullptr, false);
    if (value.is_discarded() || value.is_null()) continue;
    const auto current = view.settings.find(field.id);
    if (current != view.settings.end() && current->second == value) continue;
    assignments[field.id] =
        value.is_string() ? value.get<std::string>() : value.dump();
  }
  if (!assignments.empty()) configure(config.key, assignments);
  const std::string isolation = view.state ? view.state->isolation : "";
  if (isolation != config.isolation)
    set_isolation(config.key, config.isolation);
}

std::string Host::adopt(const SharedPluginConfig& config, bool revive) {
  const std::string& key = config.key;
  try {
    std::optional<PluginView> view;
    try {
      view = plugin(key);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kNotFound && e.kind() != ErrorKind::kRefused)
        throw;
    }
    const bool here = view && view->file.usable() && view->file.manifest;
    const bool running = dispatcher_ && dispatcher_->find(key) != nullptr;
    if (!config.enabled) {
      if (view && (view->enabled || running)) disable(key);
      if (here) adopt_settings(config, plugin(key));
      return "";
    }
    if (!here) {
      // Recorded with the cluster's pin, so that the status says what is
      // missing and the file, once copied here, matches or not.
      state_->set_enabled(key, config.sha256, "");
      return "";
    }
    if (sha256_file(view->file.path) != config.sha256) {
      if (view->enabled || running) disable(key);
      state_->set_enabled(key, config.sha256, view->file.path.string());
      spdlog::warn("{}", plugin(key).status);
      return "";
    }
    adopt_settings(config, *view);
    const PluginView now = plugin(key);
    const bool tripped =
        !now.enabled && now.state && !now.state->disabled_reason.empty();
    if (tripped && !revive) return "";
    const bool settled = now.enabled && now.state->sha256 == config.sha256 &&
                         (!dispatcher_ || dispatcher_->find(key) != nullptr);
    if (!settled) enable(key);
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}

}  // namespace eventhost
