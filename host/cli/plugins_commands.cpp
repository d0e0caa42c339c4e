// `eventhost plugins list` and `eventhost plugins info`: what is in the
// plugins folder, read as data. Neither runs any plugin code. With a
// daemon running they show what it has loaded, live figures included.
#include <filesystem>
#include <iostream>

#include "cli/command.h"
#include "cli/daemon_client.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "cli/plugin_text.h"

namespace eventhost::cli {
namespace {

// What the daemon shows, or what the state file and folder say when no
// daemon runs: the same JSON either way, so the text is the same too.
nlohmann::json fetch_plugins(const Invocation& inv) {
  if (auto daemon = connect_daemon(inv.globals)) {
    return daemon->call("GET", "/api/plugins");
  }
  Host host(host_options(inv.globals));
  // An empty list would hide why: the folder is refused, not empty.
  if (host.folder_refused()) {
    throw Error(ErrorKind::kRefused, host.folder_problem());
  }
  nlohmann::json out = nlohmann::json::array();
  for (const PluginView& view : host.plugins()) {
    out.push_back(plugin_json(host.catalogue(), view));
  }
  return out;
}

nlohmann::json fetch_plugin(const Invocation& inv, const std::string& key) {
  if (auto daemon = connect_daemon(inv.globals)) {
    return daemon->call("GET", "/api/plugins/" + url_segment(key));
  }
  Host host(host_options(inv.globals));
  return plugin_json(host.catalogue(), host.plugin(key));
}

std::string text_of(const nlohmann::json& j, const char* member,
                    const std::string& fallback = "-") {
  return j.contains(member) && j[member].is_string()
             ? j[member].get<std::string>()
             : fallback;
}

std::vector<std::string> strings_of(const nlohmann::json& j,
                                    const char* member) {
  std::vector<std::string> out;
  if (!j.contains(member)) return out;
  for (const auto& item : j[member]) {
    out.push_back(item.is_string() ? item.get<std::string>() : item.dump());
  }
  return out;
}

int list_plugins(const Invocation& inv) {
  const nlohmann::json plugins = fetch_plugins(inv);
  if (inv.globals.json) {
    print_json(plugins);
    return kExitOk;
  }
  if (plugins.empty()) {
    std::error_code ec;
    const bool exists = std::filesystem::exists(inv.globals.plugins_dir, ec);
    std::cout << "no plugins in " << inv.globals.plugins_dir.string()
              << (exists ? "" : " (the folder does not exist yet)") << "\n";
    return kExitOk;
  }
  Table table({"KEY", "NAME", "VERSION", "ENABLED", "STATUS", "HANDLES"});
  std::vector<std::string> reasons;
  for (const nlohmann::json& p : plugins) {
    const std::string key = text_of(p, "key");
    const std::string status = text_of(p, "status");
    table.add_row({key, text_of(p, "name"), text_of(p, "version"),
                   p.value("enabled", false) ? "yes" : "no",
                   short_status(status), join(strings_of(p, "handles"))});
    if (status.find(':') != std::string::npos) {
      reasons.push_back(key + ": " + status);
    }
    for (const std::string& warning : strings_of(p, "warnings")) {
      reasons.push_back(key + ": warning: " + warning);
    }
  }
  table.print();
  if (!reasons.empty()) std::cout << "\n";
  for (const std::string& reason : reasons) std::cout << reason << "\n";
  return kExitOk;
}

void print_manifest_summary(const nlohmann::json& p) {
  Table about({"FIELD", "VALUE"});
  if (p.contains("manifest")) {
    const nlohmann::json& m = p["manifest"];
    about.add_row({"name", text_of(p, "name")});
    about.add_row({"version", text_of(p, "version")});
    about.add_row({"description", text_of(p, "description", "")});
    about.add_row({"priority", text_of(p, "priority")});
    about.add_row(
        {"isolation",
         text_of(p, "isolation") + (text_of(p, "isolation_source", "") == "user"
                                        ? " (set by you)"
                                        : " (as the manifest asks)")});
    if (m.contains("host_version"))
      about.add_row({"host version", display_value(m["host_version"])});
  }
  about.add_row({"file", text_of(p, "file")});
  about.add_row({"enabled", p.value("enabled", false) ? "yes" : "no"});
  about.add_row({"status", text_of(p, "status")});
  if (!text_of(p, "sha256_pinned", "").empty()) {
    about.add_row({"sha256 pinned", text_of(p, "sha256_pinned")});
  }
  about.print();
}

void print_settings(const nlohmann::json& p) {
  std::cout << "\nSettings:\n";
  const nlohmann::json fields =
      p["manifest"].value("settings", nlohmann::json::array());
  if (fields.empty()) {
    std::cout << "  (none)\n";
    return;
  }
  const nlohmann::json& current = p["settings"];
  Table table({"ID", "TYPE", "VALUE", "DEFAULT", "HELP"});
  for (const nlohmann::json& field : fields) {
    const std::string id = text_of(field, "id");
    table.add_row(
        {id, text_of(field, "type"),
         current.contains(id) ? display_value(current[id]) : "",
         field.contains("default") ? display_value(field["default"]) : "",
         text_of(field, "help", "")});
  }
  table.print("  ");
}

// A declared event's fields as `events list` shows them: "attempts:integer"
// for a typed field, the name alone for an untyped one.
std::vector<std::string> declared_fields(const nlohmann::json& event) {
  std::vector<std::string> out;
  for (const nlohmann::json& field :
       event.value("fields", nlohmann::json::array())) {
    if (field.is_object()) {
      out.push_back(text_of(field, "name") + ":" + text_of(field, "type"));
    } else {
      out.push_back(field.is_string() ? field.get<std::string>()
                                      : field.dump());
    }
  }
  return out;
}

void print_actions_and_events(const nlohmann::json& p) {
  const nlohmann::json& m = p["manifest"];
  std::cout << "\nActions:\n";
  const nlohmann::json actions = m.value("actions", nlohmann::json::array());
  if (actions.empty()) std::cout << "  (none)\n";
  for (const nlohmann::json& action : actions) {
    const std::string description = text_of(action, "description", "");
    std::cout << "  " << text_of(action, "id") << "  "
              << text_of(action, "label", "")
              << (description.empty() ? "" : " -- " + description) << "\n";
  }
  std::cout << "\nDeclared events:\n";
  const nlohmann::json events = m.value("events", nlohmann::json::array());
  if (events.empty()) std::cout << "  (none)\n";
  for (const nlohmann::json& event : events) {
    std::cout << "  " << text_of(event, "name") << " ("
              << text_of(event, "level", "FULL")
              << ") fields: " << join(declared_fields(event)) << "\n";
  }
}

// "handles" lists the event of each handler in "handlers" order (the
// symbol itself when no event matches), then the catch-all's patterns.
void print_handlers(const nlohmann::json& p) {
  std::cout << "\nHandlers:\n";
  const std::vector<std::string> symbols = strings_of(p, "handlers");
  const std::vector<std::string> handles = strings_of(p, "handles");
  const bool catch_all = p.value("catch_all", false);
  if (symbols.empty() && !catch_all) std::cout << "  (none)\n";
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const bool known = i < handles.size() && handles[i] != symbols[i];
    std::cout << "  " << symbols[i] << " -> "
              << (known ? handles[i] : "(no known event)") << "\n";
  }
  if (catch_all && handles.size() > symbols.size()) {
    std::string patterns = handles.back();
    patterns = patterns.substr(0, patterns.rfind(" (catch-all)"));
    std::cout << "  eh_on_any_event -> " << patterns << "\n";
  }
}

void print_warnings(const nlohmann::json& p) {
  const std::vector<std::string> warnings = strings_of(p, "warnings");
  if (warnings.empty()) return;
  std::cout << "\nWarnings:\n";
  for (const std::string& warning : warnings) {
    std::cout << "  " << warning << "\n";
  }
}

void print_counters(const nlohmann::json& p) {
  const nlohmann::json& c = p["counters"];
  std::cout << "\nCounters:\n"
            << "  delivered " << c.value("delivered", 0) << "  failed "
            << c.value("failed", 0) << "  exceptions "
            << c.value("exceptions", 0) << "  timeouts "
            << c.value("timeouts", 0) << "  dropped " << c.value("dropped", 0)
            << "  crashes " << c.value("crashes", 0) << "\n";
  if (!text_of(c, "last_error", "").empty()) {
    std::cout << "  last error: " << text_of(c, "last_error") << "\n";
  }
  if (p.contains("live") && p["live"].value("loaded", false)) {
    const nlohmann::json& l = p["live"];
    std::cout << "  in the running daemon: delivered "
              << l.value("delivered", 0) << "  failed " << l.value("failed", 0)
              << "  timeouts " << l.value("timeouts", 0) << "  dropped "
              << l.value("dropped", 0) << "  crashes " << l.value("crashes", 0)
              << "  queue " << l.value("queue_depth", 0) << "  breaker "
              << text_of(l, "breaker") << "\n";
  }
}

int plugin_info(const Invocation& inv) {
  const nlohmann::json p = fetch_plugin(inv, inv.vm["key"].as<std::string>());
  if (inv.globals.json) {
    print_json(p);
    return kExitOk;
  }
  print_manifest_summary(p);
  print_warnings(p);
  if (p.contains("manifest")) {
    print_settings(p);
    print_actions_and_events(p);
    print_handlers(p);
    print_counters(p);
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
      "Unusable files are listed too, with the reason, under the key their\n"
      "manifest declares when it can be read (else their file name). A\n"
      "plugins folder writable by group or others is refused as a whole:\n"
      "list says why and how to fix it, and exits with 5.\n\n"
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
