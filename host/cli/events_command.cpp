// `eventhost events list`: the catalogue of known events, built-in and
// declared by plugins, so users know what they can emit and handle.
#include <iostream>

#include "api/api_response.h"
#include "cli/command.h"
#include "cli/exit_codes.h"
#include "cli/output.h"

namespace eventhost::cli {
namespace {

std::optional<LevelSet> level_filter(const Invocation& inv) {
  if (!inv.vm.count("level")) return std::nullopt;
  const std::string text = inv.vm["level"].as<std::string>();
  const auto set = parse_level_set(text);
  if (!set) {
    throw Error(ErrorKind::kUsage,
                "invalid --level '" + text +
                    "'; use one of CRITICAL, SYSTEM, FULL, DISABLED");
  }
  return set;
}

// "channel_id:integer, channel_name:string"; an untyped field by its name.
std::string typed_fields(const EventSpec& e) {
  std::vector<std::string> fields;
  for (std::size_t i = 0; i < e.fields.size(); ++i) {
    const FieldType type = e.type_of(i);
    fields.push_back(type == FieldType::kAny
                         ? e.fields[i]
                         : e.fields[i] + ":" + to_string(type));
  }
  return join(fields);
}

int list_events(const Invocation& inv) {
  const auto filter = level_filter(inv);
  Host host(host_options(inv.globals));
  std::vector<const EventSpec*> events;
  for (const EventSpec* spec : host.catalogue().events()) {
    if (!filter || spec->level == *filter) events.push_back(spec);
  }
  if (inv.globals.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const EventSpec* e : events) {
      out.push_back(event_json(*e));
    }
    print_json(out);
    return kExitOk;
  }
  Table table({"EVENT", "LEVEL", "ORIGIN", "FIELDS", "DESCRIPTION"});
  for (const EventSpec* e : events) {
    table.add_row({e->name, to_string(e->level), e->origin, typed_fields(*e),
                   e->description});
  }
  table.print();
  return kExitOk;
}

}  // namespace

std::vector<Command> events_commands() {
  Command list;
  list.family = "events";
  list.name = "list";
  list.synopsis =
      "events list [--level CRITICAL|SYSTEM|FULL|DISABLED] [--json]";
  list.summary = "List the events the host knows, with level and typed fields";
  list.details =
      "Shows the built-in catalogue plus the events that usable plugins in\n"
      "the plugins folder declare (their origin is the plugin key). Each\n"
      "field shows its type: integer, number, string, boolean, timestamp\n"
      "(ISO 8601 text), integer[] or string[]; a field a plugin declares by\n"
      "name alone is untyped. Any field may be null or missing; one of\n"
      "another type is refused at ingest (see --payload-check).\n\n"
      "Examples:\n"
      "  eventhost events list\n"
      "  eventhost events list --level CRITICAL --json\n";
  list.declare = [](po::options_description& options,
                    po::positional_options_description&) {
    options.add_options()("level", po::value<std::string>(),
                          "only events of this level set");
  };
  list.run = list_events;
  return {list};
}

}  // namespace eventhost::cli
