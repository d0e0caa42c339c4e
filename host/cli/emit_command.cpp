// `eventhost emit EVENT [PAYLOAD|-]`: emits one event in an announced
// session and reports which plugins got it and how each call went.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <iterator>

#include "cli/command.h"
#include "cli/delivery_log.h"
#include "cli/emit_ndjson.h"
#include "cli/emit_remote.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "cli/session.h"

namespace eventhost::cli {
namespace {

std::string read_payload(const Invocation& inv) {
  if (!inv.vm.count("payload")) return "{}";
  const std::string payload = inv.vm["payload"].as<std::string>();
  if (payload != "-") return payload;
  return std::string(std::istreambuf_iterator<char>(std::cin), {});
}

std::string duration_text(std::chrono::nanoseconds d) {
  return fmt::format("{:.1f} ms", static_cast<double>(d.count()) / 1e6);
}

std::int64_t micros(std::chrono::nanoseconds d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

// Deliveries queued but not reported by the end of the wait.
std::size_t still_running(const EmitOutcome& outcome,
                          const std::vector<DeliveryResult>& results) {
  std::size_t finished = 0;
  for (const DeliveryResult& r : results) {
    if (r.outcome != Outcome::kDropped) ++finished;
  }
  return outcome.queued > finished ? outcome.queued - finished : 0;
}

void print_text(const EmitOutcome& outcome, EventLevel configured,
                const std::vector<DeliveryResult>& results, std::size_t running,
                std::chrono::milliseconds wait) {
  if (outcome.suppressed) {
    std::cout << outcome.event
              << " suppressed by event level configuration (level is "
              << to_string(configured) << ", event is "
              << to_string(outcome.level) << ")\n";
    return;
  }
  const std::size_t total = results.size() + running;
  std::cout << outcome.event << " #" << outcome.event_id << " ("
            << to_string(outcome.level) << ") -> " << total
            << (total == 1 ? " plugin" : " plugins") << "\n";
  Table table({"OUTCOME", "PLUGIN", "SYMBOL", "DETAIL"});
  for (const DeliveryResult& r : results) {
    const std::string tries =
        r.attempt > 1 ? " (attempt " + std::to_string(r.attempt) + ")" : "";
    table.add_row(
        {to_string(r.outcome), r.plugin_key, r.symbol(),
         (r.outcome == Outcome::kOk ? duration_text(r.duration) : r.message) +
             tries});
  }
  table.print_rows("  ");
  if (running > 0) {
    std::cout << "  " << running << " deliver" << (running == 1 ? "y" : "ies")
              << " still running after " << wait.count() << " ms\n";
  }
}

nlohmann::json outcome_json(const EmitOutcome& outcome,
                            const std::vector<DeliveryResult>& results,
                            std::size_t running) {
  nlohmann::json deliveries = nlohmann::json::array();
  for (const DeliveryResult& r : results) {
    deliveries.push_back({{"plugin", r.plugin_key},
                          {"symbol", r.symbol()},
                          {"outcome", to_string(r.outcome)},
                          {"code", r.code},
                          {"message", r.message},
                          {"attempt", r.attempt},
                          {"duration_us", micros(r.duration)}});
  }
  return {{"event", outcome.event},
          {"id", outcome.event_id},
          {"level", to_string(outcome.level)},
          {"suppressed", outcome.suppressed},
          {"extra_fields", outcome.extra_fields},
          {"type_mismatches", outcome.type_mismatches},
          {"still_running", running},
          {"deliveries", deliveries}};
}

void note_extra_fields(const EmitOutcome& outcome) {
  if (outcome.extra_fields.empty()) return;
  std::cerr << "note: " << outcome.event << " does not list the field(s) "
            << join(outcome.extra_fields)
            << " in the catalogue; they are delivered as given\n";
}

// Fields of the wrong type that --payload-check lenient let through.
void note_type_mismatches(const EmitOutcome& outcome) {
  for (const std::string& mismatch : outcome.type_mismatches) {
    std::cerr << "warning: " << mismatch
              << "; delivered as given (--payload-check lenient)\n";
  }
}

int emit_one(const Invocation& inv) {
  if (!inv.vm.count("event")) {
    throw Error(ErrorKind::kUsage,
                "emit needs an EVENT, e.g. `eventhost emit channel.created "
                "'{\"channel_id\": 7}'`, or --ndjson FILE");
  }
  const std::string event = inv.vm["event"].as<std::string>();
  const std::string payload = read_payload(inv);
  if (auto daemon = connect_daemon(inv.globals)) {
    return emit_one_remote(inv, *daemon, event, payload);
  }
  const std::chrono::milliseconds wait(inv.vm["wait-ms"].as<unsigned>());
  DeliveryLog log(DeliveryLog::Keep::kAll);
  Host host(host_options(inv.globals, log.observer()));
  // Checked before the session starts: a refused event starts no plugin
  // and leaves nothing in the journal, not even system.startup.
  CheckedEvent checked = host.check(event, payload);
  start_session(host, emitting_session());
  const EmitOutcome outcome =
      host.emit(std::move(checked), Dispatcher::Overflow::kWait);
  wait_for_deliveries(host, wait);
  const auto results = outcome.suppressed ? std::vector<DeliveryResult>{}
                                          : log.for_event(outcome.event_id);
  const std::size_t running = still_running(outcome, results);
  note_extra_fields(outcome);
  note_type_mismatches(outcome);
  if (inv.globals.json) {
    print_json(outcome_json(outcome, results, running));
  } else {
    print_text(outcome, host.level().level, results, running, wait);
  }
  std::cout.flush();
  stop_session(host, kExitDeliveryFailed);
  const bool failed = running > 0 || std::any_of(results.begin(), results.end(),
                                                 delivery_failed);
  return failed ? kExitDeliveryFailed : kExitOk;
}

int emit(const Invocation& inv) {
  if (inv.vm.count("ndjson")) {
    if (inv.vm.count("event")) {
      throw Error(ErrorKind::kUsage,
                  "give either EVENT [PAYLOAD] or --ndjson FILE, not both");
    }
    if (auto daemon = connect_daemon(inv.globals)) {
      return emit_ndjson_remote(inv, *daemon);
    }
    return emit_ndjson(inv);
  }
  return emit_one(inv);
}

}  // namespace

std::vector<Command> emit_commands() {
  Command c;
  c.family = "emit";
  c.synopsis =
      "emit EVENT [PAYLOAD|-] [--wait-ms N] [--json]\n"
      "       eventhost emit --ndjson FILE|- [--wait-ms N] [--json]";
  c.summary = "Emit an event to the enabled plugins and report who got it";
  c.details =
      "PAYLOAD is a JSON object (default {}); '-' reads it from stdin.\n"
      "The session is announced: plugins also get system.startup and\n"
      "system.shutdown. Unknown events exit with 3, bad JSON or a field of\n"
      "the wrong type for the catalogue (see `events list`) with 4, and\n"
      "any failed or dropped delivery with 6. An event the configured level\n"
      "suppresses is not delivered and exits with 0. With --payload-check\n"
      "lenient a field of the wrong type is delivered with a warning.\n\n"
      "--ndjson reads one {\"event\": \"...\", \"data\": {...}} per line;\n"
      "blank lines are skipped, a bad line is reported with its number and\n"
      "does not stop the others. It exits with 4 if any line was rejected,\n"
      "else 6 if any delivery failed.\n\n"
      "With a daemon running (`eventhost run` on the same state), the\n"
      "events go to it and are delivered there: emit prints the id each\n"
      "got and does not wait for the plugins; --ndjson - streams stdin to\n"
      "it as lines arrive.\n\n"
      "Examples:\n"
      "  eventhost emit channel.created '{\"channel_id\": 7}'\n"
      "  echo '{\"username\": \"bob\"}' | eventhost emit auth.login_failed -\n"
      "  eventhost emit --ndjson events.ndjson --json\n";
  c.declare = [](po::options_description& options,
                 po::positional_options_description& positionals) {
    options.add_options()("event", po::value<std::string>(),
                          "the event name, e.g. channel.created")(
        "payload", po::value<std::string>(),
        "JSON object payload, or - for stdin")(
        "ndjson", po::value<std::string>()->value_name("FILE"),
        "emit every line of FILE (- for stdin)")(
        "wait-ms",
        po::value<unsigned>()->default_value(30000)->value_name("MS"),
        "how long to wait for deliveries");
    positionals.add("event", 1).add("payload", 1);
  };
  c.run = emit;
  return {c};
}

}  // namespace eventhost::cli
