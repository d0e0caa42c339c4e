// `eventhost level get|set`: the configured event level, which decides
// which events are emitted at all (NONE < CRITICAL < SYSTEM < FULL).
#include <cstdlib>
#include <iostream>

#include "cli/command.h"
#include "cli/daemon_client.h"
#include "cli/exit_codes.h"
#include "cli/output.h"

namespace eventhost::cli {
namespace {

nlohmann::json fetch_level(const Invocation& inv) {
  if (auto daemon = connect_daemon(inv.globals)) {
    return daemon->call("GET", "/api/level");
  }
  Host host(host_options(inv.globals));
  const LevelResolution& level = host.level();
  return {{"level", to_string(level.level)},
          {"source", level.source},
          {"warnings", level.warnings}};
}

int get_level(const Invocation& inv) {
  const nlohmann::json level = fetch_level(inv);
  if (inv.globals.json) {
    print_json(level);
    return kExitOk;
  }
  std::cout << level.value("level", "?") << " (from "
            << level.value("source", "?") << ")\n";
  for (const auto& warning : level["warnings"]) {
    std::cout << "warning: " << warning.get<std::string>() << "\n";
  }
  return kExitOk;
}

// Stores the level in the running daemon (which applies it at once) or
// in the state file; returns {"stored", "level", "source"}.
nlohmann::json store_level(const Invocation& inv, EventLevel level) {
  if (auto daemon = connect_daemon(inv.globals)) {
    return daemon->call("PUT", "/api/level",
                        nlohmann::json{{"level", to_string(level)}}.dump());
  }
  Host host(host_options(inv.globals));
  host.set_level(level);
  return {{"stored", to_string(level)},
          {"level", to_string(host.level().level)},
          {"source", host.level().source}};
}

int set_level(const Invocation& inv) {
  const std::string text = inv.vm["level"].as<std::string>();
  const auto level = parse_level(text);
  if (!level) {
    throw Error(ErrorKind::kUsage, "invalid level '" + text +
                                       "'; use one of NONE, CRITICAL, "
                                       "SYSTEM, FULL");
  }
  const nlohmann::json result = store_level(inv, *level);
  if (result.value("source", "") == "environment") {
    // Said on stderr whatever the log level: the user's change has no
    // effect yet, which they would otherwise not notice.
    std::cerr << "eventhost: warning: EVENTHOST_EVENT_LEVEL="
              << result.value("level", "?")
              << " is set (in the environment of the "
              << "process that applies it) and overrides the stored level "
              << to_string(*level) << " until it is unset\n";
  }
  if (inv.globals.json) {
    print_json(result);
  } else {
    std::cout << "event level set to " << to_string(*level) << "\n";
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> level_commands() {
  Command get;
  get.family = "level";
  get.name = "get";
  get.synopsis = "level get [--json]";
  get.summary = "Show the effective event level and where it comes from";
  get.details =
      "The level is EVENTHOST_EVENT_LEVEL if set, else the stored one, else\n"
      "FULL. Invalid values are skipped with a warning.\n\n"
      "Example:\n  eventhost level get\n";
  get.run = get_level;

  Command set;
  set.family = "level";
  set.name = "set";
  set.synopsis = "level set NONE|CRITICAL|SYSTEM|FULL";
  set.summary = "Store the event level (which events are emitted)";
  set.details =
      "Levels are cumulative: NONE emits nothing, CRITICAL the critical\n"
      "events, SYSTEM adds the system events, FULL everything else.\n"
      "Case-insensitive. EVENTHOST_EVENT_LEVEL, if set, still wins.\n\n"
      "Example:\n  eventhost level set critical\n";
  set.declare = [](po::options_description& options,
                   po::positional_options_description& positionals) {
    options.add_options()("level", po::value<std::string>()->required(),
                          "NONE, CRITICAL, SYSTEM or FULL");
    positionals.add("level", 1);
  };
  set.run = set_level;
  return {get, set};
}

}  // namespace eventhost::cli
