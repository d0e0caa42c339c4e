#include "cli/plugin_text.h"

#include "cli/output.h"

namespace eventhost::cli {

std::vector<std::string> handled_events(const Catalogue& catalogue,
                                        const PluginView& view) {
  std::vector<std::string> events;
  for (const std::string& symbol : view.file.handler_symbols) {
    const EventSpec* spec = catalogue.find_by_symbol(symbol);
    events.push_back(spec != nullptr ? spec->name : symbol);
  }
  if (view.file.has_catch_all) {
    const std::vector<std::string> patterns =
        view.file.manifest ? view.file.manifest->subscribe
                           : std::vector<std::string>{"*"};
    events.push_back(
        join(patterns.empty() ? std::vector<std::string>{"*"} : patterns) +
        " (catch-all)");
  }
  return events;
}

nlohmann::json plugin_json(const Catalogue& catalogue, const PluginView& view) {
  nlohmann::json j = to_json(view);
  j["handles"] = handled_events(catalogue, view);
  return j;
}

std::string short_status(const std::string& status) {
  return status.substr(0, status.find(':'));
}

}  // namespace eventhost::cli
