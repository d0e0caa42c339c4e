// `eventhost plugins list` and `eventhost plugins info`: what is in the
// plugins folder, read as data. Neither runs any plugin code.
#include <iostream>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "cli/plugin_text.h"

namespace eventhost::cli {
namespace {

int list_plugins(const Invocation& inv) {
  Host host(host_options(inv.globals));
  const std::vector<PluginView> views = host.plugins();
  if (inv.globals.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const PluginView& view : views) {
      out.push_back(plugin_json(host.catalogue(), view));
    }
    print_json(out);
    return kExitOk;
  }
  if (views.empty()) {
    std::cout << "no plugins in " << inv.globals.plugins_dir.string() << "\n";
    return kExitOk;
  }
  Table table({"KEY", "NAME", "VERSION", "ENABLED", "STATUS", "HANDLES"});
  std::vector<std::string> reasons;
  for (const PluginView& view : views) {
    const Manifest* m = view.file.manifest ? &*view.file.manifest : nullptr;
    table.add_row({view.key, m ? m->name : "-", m ? m->version : "-",
                   view.enabled ? "yes" : "no", short_status(view.status),
                   join(handled_events(host.catalogue(), view))});
    if (view.status.find(':') != std::string::npos) {
      reasons.push_back(view.key + ": " + view.status);
    }
    for (const std::string& warning : view.warnings) {
      reasons.push_back(view.key + ": warning: " + warning);
    }
  }
  table.print();
  if (!reasons.empty()) std::cout << "\n";
  for (const std::string& reason : reasons) std::cout << reason << "\n";
  return kExitOk;
}

void print_manifest_summary(const PluginView& view) {
  Table about({"FIELD", "VALUE"});
  if (const auto& m = view.file.manifest) {
    about.add_row({"name", m->name});
    about.add_row({"version", m->version});
    about.add_row({"description", m->description});
    about.add_row({"priority", to_string(m->priority)});
    if (m->host_version)
      about.add_row({"host version", m->host_version->text()});
  }
  about.add_row({"file", view.file.path.string()});
  about.add_row({"enabled", view.enabled ? "yes" : "no"});
  about.add_row({"status", view.status});
  if (view.state && !view.state->sha256.empty()) {
    about.add_row({"sha256 pinned", view.state->sha256});
  }
  about.print();
}

void print_settings(const PluginView& view) {
  const Manifest& m = *view.file.manifest;
  std::cout << "\nSettings:\n";
  if (m.settings.empty()) {
    std::cout << "  (none)\n";
    return;
  }
  Table table({"ID", "TYPE", "VALUE", "DEFAULT", "HELP"});
  for (const SettingField& field : m.settings) {
    auto current = view.settings.find(field.id);
    table.add_row(
        {field.id, field.type,
         current == view.settings.end() ? "" : display_value(current->second),
         display_value(field.default_value), field.help});
  }
  table.print("  ");
}

void print_actions_and_events(const PluginView& view) {
  const Manifest& m = *view.file.manifest;
  std::cout << "\nActions:\n";
  if (m.actions.empty()) std::cout << "  (none)\n";
  for (const ActionSpec& action : m.actions) {
    std::cout << "  " << action.id << "  " << action.label
              << (action.description.empty() ? "" : " -- " + action.description)
              << "\n";
  }
  std::cout << "\nDeclared events:\n";
  if (m.events.empty()) std::cout << "  (none)\n";
  for (const EventSpec& event : m.events) {
    std::cout << "  " << event.name << " (" << to_string(event.level)
              << ") fields: " << join(event.fields) << "\n";
  }
}

void print_handlers(const Catalogue& catalogue, const PluginView& view) {
  std::cout << "\nHandlers:\n";
  if (view.file.handler_symbols.empty() && !view.file.has_catch_all) {
    std::cout << "  (none)\n";
  }
  for (const std::string& symbol : view.file.handler_symbols) {
    const EventSpec* spec = catalogue.find_by_symbol(symbol);
    std::cout << "  " << symbol << " -> "
              << (spec ? spec->name : "(no known event)") << "\n";
  }
  if (view.file.has_catch_all) {
    const auto& patterns = view.file.manifest->subscribe;
    std::cout << "  eh_on_any_event -> " << join(patterns) << "\n";
  }
}

void print_warnings(const PluginView& view) {
  if (view.warnings.empty()) return;
  std::cout << "\nWarnings:\n";
  for (const std::string& warning : view.warnings) {
    std::cout << "  " << warning << "\n";
  }
}

void print_counters(const PluginCounters& c) {
  std::cout << "\nCounters:\n"
            << "  delivered " << c.delivered << "  failed " << c.failed
            << "  exceptions " << c.exceptions << "  timeouts " << c.timeouts
            << "  dropped " << c.dropped << "\n";
  if (!c.last_error.empty()) {
    std::cout << "  last error: " << c.last_error << "\n";
  }
}

int plugin_info(const Invocation& inv) {
  Host host(host_options(inv.globals));
  const PluginView view = host.plugin(inv.vm["key"].as<std::string>());
  if (inv.globals.json) {
    print_json(plugin_json(host.catalogue(), view));
    return kExitOk;
  }
  print_manifest_summary(view);
  print_warnings(view);
  if (view.file.manifest) {
    print_settings(view);
    print_actions_and_events(view);
    print_handlers(host.catalogue(), view);
    print_counters(view.counters);
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> plugins_commands() {
  Command list;
  list.family = "plugins";
  list.name = "list";
  list.synopsis = "plugins list [--json]";
  list.summary = "List the plugins in the plugins folder and their status";
  list.details =
      "Reads every *.so in the plugins folder as data: no plugin code runs.\n"
      "A plugin found for the first time is disabled until you enable it.\n"
      "Unusable files are listed too, with the reason.\n\n"
      "Examples:\n"
      "  eventhost plugins list\n"
      "  eventhost plugins list --json --plugins-dir ./build/plugins\n";
  list.run = list_plugins;

  Command info;
  info.family = "plugins";
  info.name = "info";
  info.synopsis = "plugins info KEY [--json]";
  info.summary = "Show a plugin's manifest, settings, handlers and counters";
  info.details =
      "Shows what the plugin's manifest declares (settings with their\n"
      "current values, actions, events), the handler symbols it exports and\n"
      "its delivery counters. No plugin code runs.\n\n"
      "Examples:\n"
      "  eventhost plugins info login_guard\n"
      "  eventhost plugins info login_guard --json\n";
  info.declare = [](po::options_description& options,
                    po::positional_options_description& positionals) {
    options.add_options()("key", po::value<std::string>()->required(),
                          "the plugin's key (see plugins list)");
    positionals.add("key", 1);
  };
  info.run = plugin_info;
  return {list, info};
}

}  // namespace eventhost::cli
