// `eventhost plugins enable|disable|configure|run`: changes to plugins.
// With a daemon running they are made in it, live. Without one they are
// made in a short session, so they apply to the loaded plugins at once and
// the other plugins hear of them (plugin.enabled, plugin.configured, ...).
#include <iostream>
#include <optional>

#include "cli/command.h"
#include "cli/daemon_client.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "cli/plugin_text.h"
#include "cli/session.h"

namespace eventhost::cli {
namespace {

std::string key_of(const Invocation& inv) {
  return inv.vm["key"].as<std::string>();
}

// With a daemon running, the change is made in it; the answer is the
// plugin's JSON, so the output is the same as without one.
int enable_remote(const Invocation& inv, DaemonClient& daemon) {
  const std::string key = key_of(inv);
  const HttpResponse res =
      daemon.send("POST", "/api/plugins/" + url_segment(key) + "/enable", "",
                  "application/json");
  if (res.status / 100 != 2) {
    const auto body = nlohmann::json::parse(res.body, nullptr, false);
    if (!body.is_object() || !body.value("enabled", false)) {
      throw_api_error(res);
    }
    print_error(body.value("error", res.body));  // enabled, did not start
    return kExitRuntime;
  }
  const auto view = nlohmann::json::parse(res.body);
  if (inv.globals.json) {
    print_json(view);
  } else {
    std::cout << "enabled " << key << " (sha256 "
              << short_sha(view.value("sha256_pinned", "")) << ")\n";
  }
  return kExitOk;
}

int enable_plugin(const Invocation& inv) {
  if (auto daemon = connect_daemon(inv.globals)) {
    return enable_remote(inv, *daemon);
  }
  Host host(host_options(inv.globals));
  start_session(host, management_session());
  const std::string key = key_of(inv);
  const PluginView before = host.plugin(key);
  PluginView view;
  try {
    view = host.enable(key);
  } catch (const Error& e) {
    // A usable file that is refused was enabled but failed to start: that
    // is a runtime failure, not a rule saying no.
    if (e.kind() != ErrorKind::kRefused || enable_refused_outright(before))
      throw;
    finish_session(host, kDefaultWait, kExitRuntime);
    print_error(e.what());
    return kExitRuntime;
  }
  finish_session(host, kDefaultWait, kExitRuntime);
  if (inv.globals.json) {
    print_json(plugin_json(host.catalogue(), view));
  } else {
    std::cout << "enabled " << key << " (sha256 "
              << short_sha(view.state ? view.state->sha256 : "") << ")\n";
  }
  return kExitOk;
}

int disable_plugin(const Invocation& inv) {
  const std::string key = key_of(inv);
  bool was_enabled = false;
  nlohmann::json view;
  if (auto daemon = connect_daemon(inv.globals)) {
    const std::string target = "/api/plugins/" + url_segment(key);
    was_enabled = daemon->call("GET", target).value("enabled", false);
    view = daemon->call("POST", target + "/disable");
  } else {
    Host host(host_options(inv.globals));
    start_session(host, management_session(key));
    was_enabled = host.plugin(key).enabled;
    view = plugin_json(host.catalogue(), host.disable(key));
    finish_session(host, kDefaultWait, kExitRuntime);
  }
  if (inv.globals.json) {
    print_json(view);
  } else {
    std::cout << (was_enabled ? "disabled " + key
                              : key + " was not enabled; it stays disabled")
              << "\n";
  }
  return kExitOk;
}

// "name=value" words into a map; throws kUsage for a word without '='.
std::map<std::string, std::string> parse_assignments(
    const std::vector<std::string>& words) {
  std::map<std::string, std::string> assignments;
  for (const std::string& word : words) {
    const auto eq = word.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error(ErrorKind::kUsage, "expected name=value, got '" + word +
                                         "' (e.g. path=/tmp/events.txt)");
    }
    assignments[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return assignments;
}

void print_settings(const std::string& key, const nlohmann::json& settings,
                    bool json) {
  if (json) {
    print_json(settings);
    return;
  }
  if (settings.empty()) {
    std::cout << key << " has no settings\n";
    return;
  }
  Table table({"SETTING", "VALUE"});
  for (const auto& [id, value] : settings.items()) {
    table.add_row({id, display_value(value)});
  }
  table.print();
}

nlohmann::json configure_remote(DaemonClient& daemon, const std::string& key,
                                const std::map<std::string, std::string>& a) {
  const std::string target = "/api/plugins/" + url_segment(key) + "/settings";
  if (a.empty()) return daemon.call("GET", target);
  return daemon.call("PUT", target, nlohmann::json(a).dump());
}

// `--isolation TIER`: where the plugin runs; "manifest" clears the choice.
std::string checked_tier(const std::string& tier) {
  if (tier != "thread" && tier != "process" && tier != "manifest") {
    throw Error(
        ErrorKind::kUsage,
        "--isolation takes thread, process or manifest, got '" + tier + "'");
  }
  return tier;
}

nlohmann::json tier_json(const std::string& key, const PluginView& view) {
  return {{"plugin", key},
          {"isolation", to_string(view.isolation)},
          {"source", view.isolation_from_user ? "user" : "manifest"}};
}

void print_tier(const std::string& key, const nlohmann::json& answer) {
  std::cout << key << " runs in the " << answer.value("isolation", "?")
            << " tier ("
            << (answer.value("source", "") == "user" ? "set by you"
                                                     : "as its manifest asks")
            << ")\n";
}

// What `configure` changes: settings, the tier, or both in one go.
struct ConfigureRequest {
  std::string key;
  std::map<std::string, std::string> assignments;
  std::optional<std::string> tier;
};

struct ConfigureAnswer {
  nlohmann::json settings, tier;
};

ConfigureAnswer configure_in_daemon(DaemonClient& daemon,
                                    const ConfigureRequest& r) {
  ConfigureAnswer answer;
  const std::string target = "/api/plugins/" + url_segment(r.key);
  if (!r.assignments.empty() || !r.tier) {
    answer.settings = configure_remote(daemon, r.key, r.assignments);
  }
  if (r.tier) {
    answer.tier = daemon.call("PUT", target + "/isolation",
                              nlohmann::json{{"isolation", *r.tier}}.dump());
  }
  return answer;
}

// Without a daemon: one session that leaves the plugin unloaded, so none
// of its code runs (see session.h); showing settings needs no session.
ConfigureAnswer configure_here(const Invocation& inv,
                               const ConfigureRequest& r) {
  ConfigureAnswer answer;
  Host host(host_options(inv.globals));
  if (r.assignments.empty() && !r.tier) {
    answer.settings = host.plugin(r.key).settings;
    return answer;
  }
  start_session(host, management_session(r.key));
  if (!r.assignments.empty()) {
    answer.settings = host.configure(r.key, r.assignments).settings;
  }
  if (r.tier) {
    const std::string tier = *r.tier == "manifest" ? "" : *r.tier;
    answer.tier = tier_json(r.key, host.set_isolation(r.key, tier));
  }
  finish_session(host, kDefaultWait, kExitRuntime);
  return answer;
}

int configure_plugin(const Invocation& inv) {
  ConfigureRequest request;
  request.key = key_of(inv);
  if (inv.vm.count("isolation")) {
    request.tier = checked_tier(inv.vm["isolation"].as<std::string>());
  }
  request.assignments = parse_assignments(
      inv.vm.count("assignments")
          ? inv.vm["assignments"].as<std::vector<std::string>>()
          : std::vector<std::string>{});
  auto daemon = connect_daemon(inv.globals);
  const ConfigureAnswer answer = daemon ? configure_in_daemon(*daemon, request)
                                        : configure_here(inv, request);
  const bool both = request.tier && !request.assignments.empty();
  if (inv.globals.json) {
    if (both) {
      nlohmann::json out = answer.tier;
      out["settings"] = answer.settings;
      print_json(out);
    } else {
      print_json(request.tier ? answer.tier : answer.settings);
    }
    return kExitOk;
  }
  if (request.tier) print_tier(request.key, answer.tier);
  if (!request.tier || both) {
    print_settings(request.key, answer.settings, false);
  }
  return kExitOk;
}

int run_action(const Invocation& inv) {
  const std::string key = key_of(inv);
  const std::string action = inv.vm["action"].as<std::string>();
  const std::string params = inv.vm["params"].as<std::string>();
  std::string result;
  if (auto daemon = connect_daemon(inv.globals)) {
    result = daemon
                 ->call("POST",
                        "/api/plugins/" + url_segment(key) + "/actions/" +
                            url_segment(action),
                        params)
                 .value("result", "");
  } else {
    Host host(host_options(inv.globals));
    start_session(host, management_session());
    result = host.run_action(key, action, params);
    finish_session(host, kDefaultWait, kExitRuntime);
  }
  if (inv.globals.json) {
    print_json({{"plugin", key}, {"action", action}, {"result", result}});
  } else if (!result.empty()) {
    std::cout << result << (result.back() == '\n' ? "" : "\n");
  }
  return kExitOk;
}

void declare_key(po::options_description& options,
                 po::positional_options_description& positionals) {
  options.add_options()("key", po::value<std::string>()->required(),
                        "the plugin's key (see plugins list)");
  positionals.add("key", 1);
}

Command plugin_command(const std::string& name, std::string synopsis,
                       std::string summary, std::string details,
                       int (*run)(const Invocation&)) {
  Command c;
  c.family = "plugins";
  c.name = name;
  c.synopsis = std::move(synopsis);
  c.summary = std::move(summary);
  c.details = std::move(details);
  c.declare = declare_key;
  c.run = run;
  return c;
}

}  // namespace

std::vector<Command> plugins_session_commands() {
  Command enable = plugin_command(
      "enable", "plugins enable KEY",
      "Trust a plugin: pin its SHA-256 and start it",
      "Pins the file's SHA-256 (a file that changes later is not loaded\n"
      "until you enable it again), then loads the plugin to prove it\n"
      "starts. Every enabled plugin that handles plugin.enabled receives\n"
      "it, the one just enabled included; enabling a plugin that is\n"
      "already enabled and running announces nothing. A plugin that is\n"
      "enabled but fails to start exits with status 1.\n\n"
      "Example:\n  eventhost plugins enable login_guard\n",
      enable_plugin);
  Command disable = plugin_command(
      "disable", "plugins disable KEY", "Stop delivering events to a plugin",
      "The other enabled plugins receive plugin.disabled; disabling a\n"
      "plugin that is not enabled changes nothing and announces nothing.\n"
      "The plugin's own code does not run (it is not loaded for this), so\n"
      "this works whatever the plugin does, even after it crashed the\n"
      "host.\n\n"
      "Example:\n  eventhost plugins disable login_guard\n",
      disable_plugin);
  Command configure = plugin_command(
      "configure", "plugins configure KEY [name=value ...]",
      "Show or change a plugin's settings",
      "Values are checked against the manifest's setting types (boolean,\n"
      "number, string, select). An unknown setting exits with 3, a bad\n"
      "value with 4. Without assignments, prints the current settings.\n"
      "The other enabled plugins receive plugin.configured if a value\n"
      "changed (the same value again announces nothing). The plugin's own\n"
      "code does not run for this: it gets its new settings when it next\n"
      "starts, or at once from a running daemon.\n\n"
      "--isolation chooses where the plugin runs: thread (in the host's\n"
      "process; fastest) or process (a supervised worker process of its own,\n"
      "so a crash, hang or memory blow-up kills only the worker, which is\n"
      "restarted); manifest goes back to what the plugin's manifest asks.\n"
      "A running plugin is restarted in its new tier at once. Settings and\n"
      "--isolation can be given together; both are applied.\n\n"
      "Examples:\n"
      "  eventhost plugins configure untrusted_plugin --isolation process\n"
      "  eventhost plugins configure audit_log path=/tmp/a.jsonl "
      "--isolation process\n"
      "  eventhost plugins configure login_guard max_attempts=3\n"
      "  eventhost plugins configure audit_log path=/tmp/audit.jsonl\n"
      "  eventhost plugins configure login_guard\n",
      configure_plugin);
  configure.declare = [](po::options_description& options,
                         po::positional_options_description& positionals) {
    declare_key(options, positionals);
    options.add_options()("assignments", po::value<std::vector<std::string>>(),
                          "name=value settings")(
        "isolation", po::value<std::string>()->value_name("TIER"),
        "where the plugin runs: thread, process, or manifest");
    positionals.add("assignments", -1);
  };
  Command run = plugin_command(
      "run", "plugins run KEY ACTION [--params JSON]",
      "Run one of a plugin's actions and print its result",
      "The plugin must be enabled. Actions are listed by plugins info.\n\n"
      "Example:\n"
      "  eventhost plugins run login_guard reset --params "
      "'{\"username\": \"bob\"}'\n",
      run_action);
  run.declare = [](po::options_description& options,
                   po::positional_options_description& positionals) {
    declare_key(options, positionals);
    options.add_options()("action", po::value<std::string>()->required(),
                          "the action's id")(
        "params",
        po::value<std::string>()->default_value("{}")->value_name("JSON"),
        "the action's parameters, a JSON object");
    positionals.add("action", 1);
  };
  return {enable, disable, configure, run};
}

}  // namespace eventhost::cli
