// PluginView -- one plugin as a user sees it: what its file says (read as
// data), what the state remembers, and the status that follows.
//
// Status, in order of precedence:
//   "invalid: <why>"             the file cannot be used (permissions, not a
//                                plugin, no manifest, other ABI, bad
//                                host_version, ...)
//   "incompatible: <why>"        its host_version range excludes this host:
//                                not loaded, cannot be enabled
//   "changed: <why>"             enabled, but the file's SHA-256 differs from
//                                the one pinned at enable: not loaded
//   "duplicate: <why>"           enabled, but another file declares the
//                                same key: not loaded until one is removed
//   "ok"                         enabled and will be loaded
//   "disabled by breaker: <why>" the circuit breaker switched it off
//   "disabled"                   never enabled, or disabled by a user
//
// Thread-safety: a value.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalogue/catalogue.h"
#include "eventhost/version.h"
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
  // Where it runs: the user's choice (state), else the manifest's request.
  Isolation isolation = Isolation::kThread;
  bool isolation_from_user = false;
  // Other files in the folder that declare the same key.
  std::vector<std::filesystem::path> same_key;
  // What a user should know but that does not stop the plugin: another
  // file with the same key, ignored or unknown handler symbols.
  std::vector<std::string> warnings;
};

// The key a plugin is known by: its manifest key, or its file name when it
// has no readable manifest (so a broken file can still be named).
std::string plugin_key_of(const PluginFile& file);

// Builds the view of `file`. Hashes the file only if the state says it is
// enabled. `extra_problem` (e.g. rejected declared events) makes it invalid.
// `same_key` lists the other files declaring the same key (each gets a
// warning). `host_version` is checked against the manifest's host_version.
PluginView make_plugin_view(
    const PluginFile& file, StateStore& state, const std::string& extra_problem,
    const std::vector<std::filesystem::path>& same_key = {},
    std::string_view host_version = kHostVersion);

// Warnings about `file`'s exported symbols: entry points exported with
// C++ linkage (never called), ignored look-alikes ("On_x") and handlers
// for no event in `catalogue` (naming the nearest event).
std::vector<std::string> symbol_warnings(const PluginFile& file,
                                         const Catalogue& catalogue);

// Whether Host::enable() refuses `view` outright, changing nothing (an
// invalid or incompatible file, a duplicate key), as opposed to enabling
// it and then failing to start it.
bool enable_refused_outright(const PluginView& view);

// The view as JSON.
nlohmann::json to_json(const PluginView& view);

// The events `view` handles: the event of each handler symbol (the symbol
// itself if no known event maps to it), then the catch-all's patterns, e.g.
// "* (catch-all)".
std::vector<std::string> handled_events(const Catalogue& catalogue,
                                        const PluginView& view);

// to_json(view) plus a "handles" array: what the CLI's --json and the HTTP
// API both show for one plugin.
nlohmann::json plugin_json(const Catalogue& catalogue, const PluginView& view);

}  // namespace eventhost
