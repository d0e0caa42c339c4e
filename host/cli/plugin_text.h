// How plugins are described to a user in text, shared by the `plugins`
// commands. (The JSON of a plugin is core/plugin_view.h's plugin_json.)
//
// Thread-safety: free functions on values.
#pragma once

#include <string>

namespace eventhost::cli {

// "ok", "disabled", "invalid", "incompatible", "changed", "duplicate",
// "disabled by breaker": the status without its reason, for narrow columns.
std::string short_status(const std::string& status);

}  // namespace eventhost::cli
