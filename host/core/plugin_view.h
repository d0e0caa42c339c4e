// PluginView -- one plugin as a user sees it: what its file says (read as
// data), what the state remembers, and the status that follows.
//
// Status, in order of precedence:
//   "invalid: <why>"             the file cannot be used (permissions, not a
//                                plugin, no manifest, other ABI, ...)
//   "changed: <why>"             enabled, but the file's SHA-256 differs from
//                                the one pinned at enable: not loaded
//   "ok"                         enabled and will be loaded
//   "disabled by breaker: <why>" the circuit breaker switched it off
//   "disabled"                   never enabled, or disabled by a user
//
// Thread-safety: a value.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "loader/plugin_file.h"
#include "state/state_store.h"

namespace eventhost {

struct PluginView {
  PluginFile file;
  std::string key;  // manifest key, or the file name if it has no manifest
  std::optional<PluginState> state;
  bool enabled = false;
  bool loadable = false;  // enabled, usable and matching its pin
  std::string status;
  std::string current_sha256;  // computed only for enabled plugins
  PluginCounters counters;
  // Every declared setting's current value: the user's, else the default.
  std::map<std::string, nlohmann::json> settings;
};

// The key a plugin is known by: its manifest key, or its file name when it
// has no readable manifest (so a broken file can still be named).
std::string plugin_key_of(const PluginFile& file);

// Builds the view of `file`. Hashes the file only if the state says it is
// enabled. `extra_problem` (e.g. rejected declared events) makes it invalid.
PluginView make_plugin_view(const PluginFile& file, StateStore& state,
                            const std::string& extra_problem);

// The view as JSON, for --json output and (later) the HTTP API.
nlohmann::json to_json(const PluginView& view);

}  // namespace eventhost
