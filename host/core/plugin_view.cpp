#include "core/plugin_view.h"

#include <eventhost/plugin.h>

#include "loader/sha256.h"

namespace eventhost {
namespace {

std::string short_hash(const std::string& hex) { return hex.substr(0, 12); }

std::map<std::string, nlohmann::json> current_settings(const Manifest& m,
                                                       StateStore& state) {
  std::map<std::string, nlohmann::json> values;
  for (const SettingField& field : m.settings) {
    values[field.id] = field.default_value;
  }
  for (const auto& [id, text] : state.settings(m.key)) {
    if (m.find_setting(id) == nullptr) continue;  // setting since removed
    values[id] = nlohmann::json::parse(text, nullptr, false);
  }
  return values;
}

std::string status_of(PluginView& view, const std::string& extra_problem) {
  if (!view.file.usable()) return "invalid: " + view.file.problem;
  if (!extra_problem.empty()) return "invalid: " + extra_problem;
  if (view.enabled) {
    if (view.current_sha256 != view.state->sha256) {
      return "changed: the file's SHA-256 is " +
             short_hash(view.current_sha256) + "…, not the " +
             short_hash(view.state->sha256) +
             "… pinned when it was enabled; it is not loaded until you "
             "trust the new file with `eventhost plugins enable " +
             view.key + "`";
    }
    view.loadable = true;
    return "ok";
  }
  if (view.state && !view.state->disabled_reason.empty()) {
    return "disabled by breaker: " + view.state->disabled_reason;
  }
  return "disabled";
}

}  // namespace

std::string plugin_key_of(const PluginFile& file) {
  return file.manifest ? file.manifest->key : file.path.filename().string();
}

PluginView make_plugin_view(const PluginFile& file, StateStore& state,
                            const std::string& extra_problem) {
  PluginView view;
  view.file = file;
  view.key = plugin_key_of(file);
  if (file.manifest) {
    view.state = state.get_plugin(view.key);
    view.counters = state.counters(view.key);
    view.settings = current_settings(*file.manifest, state);
  }
  view.enabled = view.state && view.state->enabled;
  if (view.enabled && file.usable()) {
    view.current_sha256 = sha256_file(file.path);
  }
  view.status = status_of(view, extra_problem);
  return view;
}

nlohmann::json to_json(const PluginView& view) {
  nlohmann::json j;
  j["key"] = view.key;
  j["file"] = view.file.path.string();
  j["enabled"] = view.enabled;
  j["status"] = view.status;
  j["abi_version"] = std::to_string(EH_ABI_MAJOR_OF(view.file.abi_version)) +
                     "." + std::to_string(view.file.abi_version & 0xffffu);
  j["handlers"] = view.file.handler_symbols;
  j["catch_all"] = view.file.has_catch_all;
  if (view.file.manifest) {
    const Manifest& m = *view.file.manifest;
    j["name"] = m.name;
    j["version"] = m.version;
    j["description"] = m.description;
    j["priority"] = to_string(m.priority);
    j["manifest"] = m.raw;
  }
  j["settings"] = view.settings;
  if (view.state) {
    j["sha256_pinned"] = view.state->sha256;
    j["disabled_reason"] = view.state->disabled_reason;
  }
  const PluginCounters& c = view.counters;
  j["counters"] = {{"delivered", c.delivered},   {"failed", c.failed},
                   {"exceptions", c.exceptions}, {"timeouts", c.timeouts},
                   {"dropped", c.dropped},       {"last_error", c.last_error}};
  return j;
}

}  // namespace eventhost
