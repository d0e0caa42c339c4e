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

// "" if the host meets the plugin's host_version range, else the reason.
std::string incompatibility(const PluginFile& file,
                            std::string_view host_version) {
  const auto& range = file.manifest->host_version;
  if (!range || range->satisfied_by(host_version)) return "";
  return "requires host " + range->text() + ", running " +
         std::string(host_version);
}

std::string duplicate_reason(const PluginView& view,
                             const std::vector<std::filesystem::path>& others) {
  std::string names;
  for (const auto& other : others) {
    names += (names.empty() ? "" : ", ") + other.string();
  }
  return "key '" + view.key + "' is also declared by " + names +
         "; remove one of the files from the plugins folder";
}

std::string status_of(PluginView& view, const std::string& extra_problem,
                      const std::vector<std::filesystem::path>& same_key,
                      std::string_view host_version) {
  if (!view.file.usable()) return "invalid: " + view.file.problem;
  if (!extra_problem.empty()) return "invalid: " + extra_problem;
  const std::string incompatible = incompatibility(view.file, host_version);
  if (!incompatible.empty()) return "incompatible: " + incompatible;
  if (view.enabled) {
    if (view.current_sha256 != view.state->sha256) {
      return "changed: the file's SHA-256 is " +
             short_hash(view.current_sha256) + "…, not the " +
             short_hash(view.state->sha256) +
             "… pinned when it was enabled; it is not loaded until you "
             "trust the new file with `eventhost plugins enable " +
             view.key + "`";
    }
    if (!same_key.empty()) {
      return "duplicate: " + duplicate_reason(view, same_key);
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
                            const std::string& extra_problem,
                            const std::vector<std::filesystem::path>& same_key,
                            std::string_view host_version) {
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
  view.same_key = same_key;
  view.status = status_of(view, extra_problem, same_key, host_version);
  if (file.manifest) view.isolation = file.manifest->isolation;
  if (view.state) {
    if (const auto chosen = parse_isolation(view.state->isolation)) {
      view.isolation = *chosen;
      view.isolation_from_user = true;
    }
  }
  for (const auto& other : same_key) {
    view.warnings.push_back("another file declares the same key '" + view.key +
                            "': " + other.string() + "; remove one of them");
  }
  return view;
}

std::vector<std::string> symbol_warnings(const PluginFile& file,
                                         const Catalogue& catalogue) {
  std::vector<std::string> warnings;
  for (const std::string& symbol : file.cxx_linkage_exports) {
    warnings.push_back(symbol +
                       " is exported with C++ linkage, so the host never "
                       "calls it: declare it extern \"C\" (or use "
                       "EH_EXPORT / EH_ON)");
  }
  for (const std::string& symbol : file.ignored_symbols) {
    warnings.push_back("ignored export " + symbol +
                       ": not a handler name (handlers are "
                       "on_[a-z][a-z0-9_]*, e.g. on_channel_created)");
  }
  for (const std::string& symbol : file.handler_symbols) {
    if (catalogue.find_by_symbol(symbol) != nullptr) continue;
    const std::string near = catalogue.nearest(symbol.substr(3));
    warnings.push_back("handler " + symbol + " matches no known event" +
                       (near.empty() ? "" : "; did you mean " + near + "?"));
  }
  return warnings;
}

bool enable_refused_outright(const PluginView& view) {
  return view.status.rfind("invalid", 0) == 0 ||
         view.status.rfind("incompatible", 0) == 0 || !view.same_key.empty();
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
  j["isolation"] = to_string(view.isolation);
  j["isolation_source"] = view.isolation_from_user ? "user" : "manifest";
  j["settings"] = view.settings;
  j["warnings"] = view.warnings;
  j["ignored_symbols"] = view.file.ignored_symbols;
  if (view.state) {
    j["sha256_pinned"] = view.state->sha256;
    j["disabled_reason"] = view.state->disabled_reason;
  }
  const PluginCounters& c = view.counters;
  j["counters"] = {{"delivered", c.delivered},   {"failed", c.failed},
                   {"exceptions", c.exceptions}, {"timeouts", c.timeouts},
                   {"dropped", c.dropped},       {"crashes", c.crashes},
                   {"last_error", c.last_error}};
  return j;
}

std::vector<std::string> handled_events(const Catalogue& catalogue,
                                        const PluginView& view) {
  std::vector<std::string> events;
  for (const std::string& symbol : view.file.handler_symbols) {
    const EventSpec* spec = catalogue.find_by_symbol(symbol);
    events.push_back(spec != nullptr ? spec->name : symbol);
  }
  if (!view.file.has_catch_all) return events;
  std::vector<std::string> patterns = view.file.manifest
                                          ? view.file.manifest->subscribe
                                          : std::vector<std::string>{};
  if (patterns.empty()) patterns.push_back("*");
  std::string joined;
  for (const std::string& p : patterns)
    joined += (joined.empty() ? "" : ", ") + p;
  events.push_back(joined + " (catch-all)");
  return events;
}

nlohmann::json plugin_json(const Catalogue& catalogue, const PluginView& view) {
  nlohmann::json j = to_json(view);
  j["handles"] = handled_events(catalogue, view);
  return j;
}

}  // namespace eventhost
