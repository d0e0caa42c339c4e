// PluginCheck -- everything the host can tell about a plugin file without
// running any of its code: the one place behind `eventhost plugins
// validate`, and behind the warnings `plugins list` and `plugins info` show.
//
//   errors    the host would refuse the file: not a shared library, no or
//             an invalid manifest (bad JSON, a setting default of the wrong
//             type, a declared event outside "<key>.*"), another ABI major,
//             declared events clashing with the catalogue
//   warnings  it loads, but something is probably a mistake: a handler for
//             no known event (naming the nearest), a look-alike export or
//             an entry point exported with C++ linkage (never called),
//             subscribe patterns nothing receives, no handler at all, a
//             host_version range this host does not meet
//
// Thread-safety: free functions over values.
// Errors: never throws for a bad file; what is wrong goes to `errors`.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalogue/catalogue.h"
#include "eventhost/version.h"
#include "loader/plugin_file.h"

namespace eventhost {

struct PluginCheck {
  PluginFile file;
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  // Each handler symbol that matches a known event, with that event's name
  // (catalogue events, the file's own declared ones, those of the folder).
  std::vector<std::pair<std::string, std::string>> handled;

  bool valid() const { return errors.empty(); }
};

// Inspects `path` as data and checks it against `catalogue` (normally the
// built-in one) and the host version.
PluginCheck check_plugin_file(const std::filesystem::path& path,
                              const Catalogue& catalogue,
                              std::string_view host_version = kHostVersion);

// The built-in catalogue plus the events declared by the usable plugins in
// `folder` (those that fit), so a handler of another plugin's event is not
// taken for a typo. Leaves out the file `except` (the one being checked)
// and every file declaring the same key as it (an installed copy of the
// plugin it updates). A missing or refused folder gives the built-in
// catalogue.
Catalogue catalogue_with_folder(const std::filesystem::path& folder,
                                const std::filesystem::path& except);

// Adds the events `file` declares to `catalogue` if they keep it valid.
// Returns "" on success, else why not (and `catalogue` is unchanged).
std::string merge_declared_events(const PluginFile& file, Catalogue& catalogue);

// Warnings about what `file` handles: its handler symbols (see
// symbol_warnings in plugin_view.h), its subscribe patterns, and exporting
// no handler at all. `plugins validate`, `list` and `info` all show these.
std::vector<std::string> handler_warnings(const PluginFile& file,
                                          const Catalogue& catalogue);

}  // namespace eventhost
