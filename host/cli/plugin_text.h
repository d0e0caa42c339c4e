// How plugins are described to a user, shared by the `plugins` commands:
// which events a plugin handles and the JSON object of one plugin.
//
// Thread-safety: free functions on values.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "catalogue/catalogue.h"
#include "core/plugin_view.h"

namespace eventhost::cli {

// The events `view` handles: the event of each handler symbol (the symbol
// itself if no known event maps to it), then the catch-all's patterns, e.g.
// "* (catch-all)".
std::vector<std::string> handled_events(const Catalogue& catalogue,
                                        const PluginView& view);

// to_json(view) plus a "handles" array.
nlohmann::json plugin_json(const Catalogue& catalogue, const PluginView& view);

// "ok", "disabled", "invalid", "incompatible", "changed", "duplicate",
// "disabled by breaker": the status without its reason, for narrow columns.
std::string short_status(const std::string& status);

}  // namespace eventhost::cli
