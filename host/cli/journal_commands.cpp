// `eventhost journal list|show`, `eventhost deadletters list|retry|drop` and
// `eventhost replay`: the operator's tools over the journal of accepted
// events and the dead letters of deliveries that failed for good.
//
// With a daemon running they ask it (/api/journal, /api/deadletters,
// /api/replay); without one they work on the state file, starting a short
// session when plugins must run (retry, replay). Either way the JSON comes
// from api/journal_ops.h, so the output is the same.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <iostream>

#include "api/journal_ops.h"
#include "cli/command.h"
#include "cli/daemon_client.h"
#include "cli/exit_codes.h"
#include "cli/journal_query.h"
#include "cli/output.h"
#include "cli/session.h"

namespace eventhost::cli {
namespace {

constexpr std::size_t kPayloadWidth = 60;  // payload text in the table
constexpr std::size_t kErrorWidth = 50;    // last error in the table

// `text` cut to `width` bytes (on a UTF-8 boundary) with an ellipsis.
std::string truncated(const std::string& text, std::size_t width) {
  if (text.size() <= width) return text;
  std::size_t cut = width - 1;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return text.substr(0, cut) + "…";
}

std::string text_of(const nlohmann::json& j, const char* member) {
  if (!j.contains(member) || j[member].is_null()) return "";
  return display_value(j[member]);
}

// Waits for the session's deliveries for as long as they keep finishing:
// a replay may queue far more than kDefaultWait lets through, and what is
// still queued when the session stops would not be delivered. Gives up
// (with a warning) after kDefaultWait without progress.
void wait_while_moving(Host& host) {
  using Clock = std::chrono::steady_clock;
  std::uint64_t finished = 0;
  auto last_progress = Clock::now();
  while (!host.wait_idle(std::chrono::seconds(1))) {
    std::uint64_t now_finished = 0;
    for (const auto& [key, r] : host.runner_stats()) {
      now_finished += r.delivered + r.failed + r.exceptions + r.timeouts +
                      r.dropped + r.crashes;
    }
    if (now_finished != finished) {
      finished = now_finished;
      last_progress = Clock::now();
    } else if (Clock::now() - last_progress > kDefaultWait) {
      spdlog::warn(
          "deliveries made no progress for {} s; stopping with some still "
          "queued (see plugins info for timeouts)",
          kDefaultWait.count() / 1000);
      return;
    }
  }
}

std::string plural(std::size_t n, const std::string& one,
                   const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// ---- journal ----------------------------------------------------------

int journal_list(const Invocation& inv) {
  JournalQuery query = query_of(inv);
  query.limit = inv.vm["limit"].as<std::size_t>();
  nlohmann::json answer;
  if (auto daemon = connect_daemon(inv.globals)) {
    answer = daemon->call("GET", "/api/journal" + query_string(query));
  } else {
    Host host(host_options(inv.globals));
    answer = list_journal(host, query);
  }
  const nlohmann::json& entries = answer["entries"];
  if (inv.globals.json) {
    print_json(entries);
  } else if (entries.empty()) {
    std::cout << "no events in the journal"
              << (inv.vm.count("since") || inv.vm.count("event")
                      ? " match these filters"
                      : "")
              << "\n";
  } else {
    Table table({"ID", "TIME", "EVENT", "LEVEL", "PAYLOAD"});
    for (const nlohmann::json& e : entries) {
      const std::int64_t us = e.value("emitted_at_us", std::int64_t{0});
      table.add_row({text_of(e, "id"), iso_utc(us), text_of(e, "event"),
                     text_of(e, "level"),
                     truncated(e["payload"].dump(), kPayloadWidth)});
    }
    table.print();
  }
  if (answer.value("more", false) && !entries.empty()) {
    std::cout.flush();
    std::cerr << "eventhost: showing the first " << entries.size()
              << "; for the next ones: eventhost journal list --since "
              << entries.back().value("id", std::uint64_t{0})
              << (query.pattern.empty() ? ""
                                        : " --event '" + query.pattern + "'")
              << (query.limit == kJournalDefaultLimit
                      ? ""
                      : " --limit " + std::to_string(query.limit))
              << "\n";
  }
  return kExitOk;
}

std::uint64_t event_id_of(const Invocation& inv) {
  const std::string text = inv.vm["id"].as<std::string>();
  if (!all_digits(text) || text.size() > 18) {
    throw Error(ErrorKind::kUsage,
                "ID is an event id, a whole number as `journal list` shows "
                "it, got '" +
                    text + "'");
  }
  return std::stoull(text);
}

int journal_show(const Invocation& inv) {
  const std::uint64_t id = event_id_of(inv);
  nlohmann::json entry;
  if (auto daemon = connect_daemon(inv.globals)) {
    entry = daemon->call("GET", "/api/journal/" + std::to_string(id));
  } else {
    Host host(host_options(inv.globals));
    entry = journal_entry(host, id);
  }
  if (inv.globals.json) {
    print_json(entry);
    return kExitOk;
  }
  Table about({"FIELD", "VALUE"});
  about.add_row({"id", text_of(entry, "id")});
  about.add_row({"event", text_of(entry, "event")});
  about.add_row({"level", text_of(entry, "level")});
  about.add_row({"time", text_of(entry, "time")});
  about.print();
  std::cout << "payload:\n";
  std::string payload = entry["payload"].dump(2);
  std::string::size_type pos = 0;
  while (pos <= payload.size()) {
    const auto end = std::min(payload.find('\n', pos), payload.size());
    std::cout << "  " << payload.substr(pos, end - pos) << "\n";
    pos = end + 1;
  }
  return kExitOk;
}

// ---- dead letters -----------------------------------------------------

int deadletters_list(const Invocation& inv) {
  const std::string plugin =
      inv.vm.count("plugin") ? inv.vm["plugin"].as<std::string>() : "";
  nlohmann::json letters;
  if (auto daemon = connect_daemon(inv.globals)) {
    letters = daemon->call(
        "GET", "/api/deadletters" +
                   (plugin.empty() ? "" : "?plugin=" + url_segment(plugin)));
  } else {
    Host host(host_options(inv.globals));
    letters = list_dead_letters(host, plugin);
  }
  if (inv.globals.json) {
    print_json(letters);
    return kExitOk;
  }
  if (letters.empty()) {
    std::cout << "no dead letters" << (plugin.empty() ? "" : " for " + plugin)
              << "\n";
    return kExitOk;
  }
  Table table({"ID", "PLUGIN", "EVENT ID", "EVENT NAME", "ATTEMPTS", "OUTCOME",
               "LAST ERROR", "WHEN"});
  for (const nlohmann::json& d : letters) {
    const std::string event = text_of(d, "event");
    table.add_row({text_of(d, "id"), text_of(d, "plugin"),
                   text_of(d, "event_id"), event.empty() ? "(gone)" : event,
                   text_of(d, "attempts"), text_of(d, "outcome"),
                   truncated(text_of(d, "last_error"), kErrorWidth),
                   text_of(d, "time")});
  }
  table.print();
  return kExitOk;
}

// IDs, --plugin or --all: exactly one of them.
LetterSelection selection_of(const Invocation& inv, const std::string& verb) {
  LetterSelection which;
  int given = 0;
  if (inv.vm.count("id")) {
    ++given;
    for (const std::string& text :
         inv.vm["id"].as<std::vector<std::string>>()) {
      if (!all_digits(text) || text.size() > 18) {
        throw Error(ErrorKind::kUsage,
                    "dead letter ids are whole numbers as `deadletters list` "
                    "shows them, got '" +
                        text + "'");
      }
      which.ids.push_back(std::stoll(text));
    }
  }
  if (inv.vm.count("plugin")) {
    ++given;
    which.plugin = inv.vm["plugin"].as<std::string>();
    if (which.plugin.empty()) {
      throw Error(ErrorKind::kUsage, "--plugin needs a plugin key");
    }
  }
  if (inv.vm.count("all")) {
    ++given;
    which.all = true;
  }
  if (given == 0) {
    throw Error(ErrorKind::kUsage,
                "say which dead letters to " + verb +
                    ": their IDs, --plugin KEY, or --all (see `eventhost "
                    "deadletters list`)");
  }
  if (given > 1) {
    throw Error(ErrorKind::kUsage,
                "give only one of IDs, --plugin KEY and --all");
  }
  return which;
}

int deadletters_retry(const Invocation& inv) {
  const LetterSelection which = selection_of(inv, "retry");
  nlohmann::json answer;
  if (auto daemon = connect_daemon(inv.globals)) {
    answer =
        daemon->call("POST", "/api/deadletters/retry", to_json(which).dump());
  } else {
    Host host(host_options(inv.globals));
    start_session(host, management_session());
    answer = retry_dead_letters(host, which);
    wait_while_moving(host);
    finish_session(host, kDefaultWait, kExitRuntime);
  }
  const std::size_t queued = answer.value("queued", std::size_t{0});
  const nlohmann::json problems =
      answer.value("problems", nlohmann::json::array());
  if (inv.globals.json) {
    print_json(answer);
  } else if (queued == 0 && problems.empty()) {
    std::cout << "no dead letters to retry"
              << (which.plugin.empty() ? "" : " for " + which.plugin) << "\n";
  } else {
    std::cout << "queued " << plural(queued, "dead letter", "dead letters")
              << " for redelivery\n";
  }
  for (const nlohmann::json& problem : problems) {
    print_error(display_value(problem));
  }
  return problems.empty() ? kExitOk : kExitRefused;
}

int deadletters_drop(const Invocation& inv) {
  const LetterSelection which = selection_of(inv, "drop");
  nlohmann::json answer;
  if (auto daemon = connect_daemon(inv.globals)) {
    answer =
        daemon->call("POST", "/api/deadletters/drop", to_json(which).dump());
  } else {
    Host host(host_options(inv.globals));
    answer = drop_dead_letters(host, which);
  }
  if (inv.globals.json) {
    print_json(answer);
  } else {
    std::cout << "dropped "
              << plural(answer.value("dropped", std::size_t{0}), "dead letter",
                        "dead letters")
              << "\n";
  }
  return kExitOk;
}

// ---- replay -----------------------------------------------------------

int replay(const Invocation& inv) {
  if (!inv.vm.count("plugin") || inv.vm["plugin"].as<std::string>().empty()) {
    throw Error(ErrorKind::kUsage,
                "replay needs --plugin KEY, the plugin to deliver to (see "
                "`eventhost plugins list`)");
  }
  const std::string key = inv.vm["plugin"].as<std::string>();
  const JournalQuery query = query_of(inv);
  const bool terminal = isatty(STDERR_FILENO) == 1;
  nlohmann::json answer;
  if (auto daemon = connect_daemon(inv.globals)) {
    nlohmann::json body = {{"plugin", key}};
    if (query.after_id > 0) body["after"] = query.after_id;
    if (query.since_us > 0) body["since_us"] = query.since_us;
    if (!query.pattern.empty()) body["event"] = query.pattern;
    if (terminal)
      std::cerr << "replaying in the running daemon..." << std::flush;
    try {
      answer = daemon->call("POST", "/api/replay", body.dump());
    } catch (...) {
      if (terminal) std::cerr << "\r\033[K" << std::flush;
      throw;
    }
  } else {
    Host host(host_options(inv.globals));
    start_session(host, management_session());
    std::function<void(std::size_t)> progress;
    if (terminal) {
      progress = [](std::size_t n) {
        std::cerr << "\rreplayed " << plural(n, "event", "events")
                  << std::flush;
      };
    }
    try {
      answer = replay_events(host, key, query, progress);
    } catch (...) {
      if (terminal) std::cerr << "\r\033[K" << std::flush;
      throw;
    }
    wait_while_moving(host);
    finish_session(host, kDefaultWait, kExitRuntime);
  }
  if (terminal) std::cerr << "\r\033[K" << std::flush;
  if (inv.globals.json) {
    print_json(answer);
  } else {
    std::cout << "replayed "
              << plural(answer.value("replayed", std::size_t{0}), "event",
                        "events")
              << " to " << key << "\n";
  }
  return kExitOk;
}

// ---- declarations -----------------------------------------------------

void declare_filters(po::options_description& options) {
  options.add_options()(
      "since", po::value<std::string>()->value_name("ID|TIME"),
      "only events after event ID, or emitted at or after TIME: "
      "2026-12-01T09:00:00Z (UTC) or an age such as 10m, 2h, 1d")(
      "event", po::value<std::string>()->value_name("PATTERN"),
      "only events matching PATTERN, * as a wildcard (channel.*)");
}

void declare_selection(po::options_description& options,
                       po::positional_options_description& positionals) {
  options.add_options()("id", po::value<std::vector<std::string>>(),
                        "dead letter ids (see deadletters list)")(
      "plugin", po::value<std::string>()->value_name("KEY"),
      "every dead letter of this plugin")("all", "every dead letter");
  positionals.add("id", -1);
}

Command make(const std::string& family, const std::string& name,
             std::string synopsis, std::string summary, std::string details,
             int (*run)(const Invocation&)) {
  Command c;
  c.family = family;
  c.name = name;
  c.synopsis = std::move(synopsis);
  c.summary = std::move(summary);
  c.details = std::move(details);
  c.run = run;
  return c;
}

}  // namespace

std::vector<Command> journal_commands() {
  Command list = make(
      "journal", "list",
      "journal list [--since ID|TIME] [--event PATTERN] [--limit N] [--json]",
      "List the events the journal recorded, oldest first",
      "Every accepted event is recorded in the journal (in the state file)\n"
      "before it is acknowledged, and kept as retention allows. The table\n"
      "cuts long payloads; `journal show ID` or --json prints them whole.\n"
      "When more events match than --limit, the next command to run is\n"
      "printed on stderr. A pattern holds lower-case names, digits, '_',\n"
      "'.' and '*' (any run of characters); anything else exits with 2.\n\n"
      "Examples:\n"
      "  eventhost journal list\n"
      "  eventhost journal list --since 1h --event 'channel.*'\n"
      "  eventhost journal list --since 2026-12-01T09:00:00Z --limit 20\n"
      "  eventhost journal list --since 1041 --json\n",
      journal_list);
  list.declare = [](po::options_description& options,
                    po::positional_options_description&) {
    declare_filters(options);
    options.add_options()("limit",
                          po::value<std::size_t>()
                              ->default_value(kJournalDefaultLimit)
                              ->value_name("N"),
                          "at most N events (1 to 10000)");
  };
  Command show =
      make("journal", "show", "journal show ID [--json]",
           "Show one journal entry with its whole payload",
           "An id that is not in the journal (never emitted, or removed by\n"
           "retention) exits with 3 and says which ids the journal holds.\n\n"
           "Examples:\n"
           "  eventhost journal show 1042\n"
           "  eventhost journal show 1042 --json\n",
           journal_show);
  show.declare = [](po::options_description& options,
                    po::positional_options_description& positionals) {
    options.add_options()("id", po::value<std::string>()->required(),
                          "the event id (see journal list)");
    positionals.add("id", 1);
  };
  return {list, show};
}

std::vector<Command> deadletters_commands() {
  Command list = make(
      "deadletters", "list", "deadletters list [--plugin KEY] [--json]",
      "List the deliveries that failed after every retry",
      "A dead letter is an event a plugin did not take: its handler failed\n"
      "on every attempt (--retry-attempts, or the manifest's \"retry\"), or\n"
      "its queue was full. It stays until you retry or drop it. EVENT NAME\n"
      "is read from the journal; (gone) means retention removed the event,\n"
      "so it can no longer be retried.\n\n"
      "Examples:\n"
      "  eventhost deadletters list\n"
      "  eventhost deadletters list --plugin audit_log --json\n",
      deadletters_list);
  list.declare = [](po::options_description& options,
                    po::positional_options_description&) {
    options.add_options()("plugin", po::value<std::string>()->value_name("KEY"),
                          "only this plugin's dead letters");
  };
  Command retry = make(
      "deadletters", "retry",
      "deadletters retry ID... | --plugin KEY | --all [--json]",
      "Deliver dead letters to their plugins again",
      "Queues each chosen dead letter's event to its plugin once more and\n"
      "removes the letter; one that fails again becomes a dead letter\n"
      "again. The plugins must be enabled: with a daemon running they get\n"
      "the events there, else in a short session of this command. Exits\n"
      "with 5 if some letters could not be queued (each is named, e.g. its\n"
      "plugin is not running), 3 if an ID is not a dead letter (then\n"
      "nothing is retried).\n\n"
      "Examples:\n"
      "  eventhost deadletters retry 12 13\n"
      "  eventhost deadletters retry --plugin audit_log\n"
      "  eventhost deadletters retry --all\n",
      deadletters_retry);
  retry.declare = declare_selection;
  Command drop = make(
      "deadletters", "drop",
      "deadletters drop ID... | --plugin KEY | --all [--json]",
      "Forget dead letters without delivering them",
      "The events stay in the journal (replay can still deliver them).\n"
      "An ID that is not a dead letter exits with 3 and nothing is dropped.\n\n"
      "Examples:\n"
      "  eventhost deadletters drop 12\n"
      "  eventhost deadletters drop --plugin audit_log\n",
      deadletters_drop);
  drop.declare = declare_selection;
  return {list, retry, drop};
}

std::vector<Command> replay_commands() {
  Command c = make(
      "replay", "",
      "replay --plugin KEY [--since ID|TIME] [--event PATTERN] [--json]",
      "Deliver journal events to one plugin again",
      "Delivers the journal's events (those the plugin handles, matching\n"
      "the filters, oldest first) to one enabled plugin again, marked as\n"
      "a redelivery (attempt 2): handlers must tolerate seeing an id twice.\n"
      "Without --since, every event the journal still holds is replayed.\n"
      "With a daemon running the plugin gets them there, else in a short\n"
      "session of this command that waits for the deliveries. On a\n"
      "terminal the count so far is shown as it goes. Exits with 5 if the\n"
      "plugin is not enabled and running.\n\n"
      "Examples:\n"
      "  eventhost replay --plugin audit_log --since 2h\n"
      "  eventhost replay --plugin audit_log --since 1041 --event "
      "'channel.*'\n",
      replay);
  c.declare = [](po::options_description& options,
                 po::positional_options_description&) {
    options.add_options()("plugin", po::value<std::string>()->value_name("KEY"),
                          "the plugin to deliver to");
    declare_filters(options);
  };
  return {c};
}

}  // namespace eventhost::cli
