#include "core/plugin_check.h"

#include <algorithm>

#include "common/error.h"
#include "core/plugin_view.h"

namespace eventhost {
namespace {

bool any_event_matches(const Catalogue& catalogue, const std::string& pattern) {
  const auto events = catalogue.events();
  return std::any_of(events.begin(), events.end(), [&](const EventSpec* e) {
    return event_matches(pattern, e->name);
  });
}

// Subscribe patterns only feed eh_on_any_event: without it they do
// nothing, and a pattern matching no event (a typo) catches nothing.
std::vector<std::string> subscribe_warnings(const PluginFile& file,
                                            const Catalogue& catalogue) {
  std::vector<std::string> warnings;
  const Manifest& m = *file.manifest;
  if (!file.has_catch_all) {
    if (m.raw.contains("subscribe")) {
      warnings.push_back(
          "the manifest subscribes to events but the plugin exports no "
          "eh_on_any_event, so nothing receives them: add a catch-all "
          "handler (EH_ON_ANY_EVENT) or remove \"subscribe\"");
    }
    return warnings;
  }
  for (const std::string& pattern : m.subscribe) {
    if (any_event_matches(catalogue, pattern)) continue;
    const std::string near = catalogue.nearest(pattern);
    warnings.push_back("subscribe pattern \"" + pattern +
                       "\" matches no known event" +
                       (near.empty() ? "" : "; did you mean " + near + "?"));
  }
  return warnings;
}

}  // namespace

std::string merge_declared_events(const PluginFile& file,
                                  Catalogue& catalogue) {
  if (!file.usable() || file.manifest->events.empty()) return "";
  Catalogue candidate = catalogue;
  candidate.add(file.manifest->events);
  try {
    candidate.validate();
  } catch (const Error& e) {
    return std::string("its declared events clash with the catalogue: ") +
           e.what();
  }
  catalogue = std::move(candidate);
  return "";
}

Catalogue catalogue_with_folder(const std::filesystem::path& folder,
                                const std::filesystem::path& except) {
  // The folder may hold an installed copy of the plugin being checked (the
  // file is its update): its events are the checked file's own, so
  // counting them would make every declared event look listed twice.
  const PluginFile checked = inspect_plugin_file(except);
  const std::string key = checked.manifest ? checked.manifest->key : "";
  Catalogue catalogue = Catalogue::builtin();
  std::error_code ec;
  for (const PluginFile& file : scan_plugins_folder(folder).plugins) {
    if (std::filesystem::equivalent(file.path, except, ec)) continue;
    if (!key.empty() && file.manifest && file.manifest->key == key) continue;
    merge_declared_events(file, catalogue);
  }
  return catalogue;
}

std::vector<std::string> handler_warnings(const PluginFile& file,
                                          const Catalogue& catalogue) {
  std::vector<std::string> warnings = symbol_warnings(file, catalogue);
  if (file.usable()) {
    for (std::string& w : subscribe_warnings(file, catalogue)) {
      warnings.push_back(std::move(w));
    }
    if (file.handler_symbols.empty() && !file.has_catch_all) {
      warnings.push_back(
          "exports no handler (on_<event> or eh_on_any_event): it will never "
          "receive an event");
    }
  }
  return warnings;
}

PluginCheck check_plugin_file(const std::filesystem::path& path,
                              const Catalogue& catalogue,
                              std::string_view host_version) {
  PluginCheck check;
  check.file = inspect_plugin_file(path);
  if (!check.file.usable()) {
    check.errors.push_back(check.file.problem);
    // A broken manifest still leaves the symbols worth reporting.
    check.warnings = symbol_warnings(check.file, catalogue);
    return check;
  }
  Catalogue merged = catalogue;
  const std::string clash = merge_declared_events(check.file, merged);
  if (!clash.empty()) check.errors.push_back(clash);
  check.warnings = handler_warnings(check.file, merged);
  for (const std::string& symbol : check.file.handler_symbols) {
    if (const EventSpec* spec = merged.find_by_symbol(symbol)) {
      check.handled.emplace_back(symbol, spec->name);
    }
  }
  const auto& range = check.file.manifest->host_version;
  if (range && !range->satisfied_by(host_version)) {
    check.warnings.push_back("requires host " + range->text() +
                             ", this host is " + std::string(host_version) +
                             ": it will not be loaded here");
  }
  return check;
}

}  // namespace eventhost
