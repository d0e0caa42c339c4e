#include "cli/emit_ndjson.h"

#include <fstream>
#include <iostream>

#include "cli/delivery_log.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "cli/session.h"
#include "core/event_document.h"

namespace eventhost::cli {
namespace {

struct Rejected {
  std::size_t line = 0;
  std::string why;
};

struct Summary {
  std::size_t emitted = 0, suppressed = 0, failures = 0;
  std::vector<Rejected> rejected;
  std::vector<std::uint64_t> ids;  // ascending: ids grow as we emit
  bool all_finished = true;
};

bool is_blank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

void emit_line(Host& host, const std::string& line, std::size_t number,
               Summary& summary) {
  try {
    const auto [event, payload] = parse_event_document(line);
    const EmitOutcome outcome =
        host.emit(event, payload, Dispatcher::Overflow::kWait);
    if (outcome.suppressed) {
      ++summary.suppressed;
    } else {
      ++summary.emitted;
      summary.ids.push_back(outcome.event_id);
    }
  } catch (const Error& e) {
    summary.rejected.push_back({number, e.what()});
    std::cerr << "eventhost: line " << number << " rejected: " << e.what()
              << "\n";
  }
}

void emit_stream(Host& host, std::istream& in, Summary& summary) {
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (!is_blank(line)) emit_line(host, line, number, summary);
  }
}

std::string rejected_lines(const Summary& summary) {
  std::vector<std::string> lines;
  for (const Rejected& r : summary.rejected) {
    lines.push_back(std::to_string(r.line));
  }
  return join(lines);
}

void print_summary(const Summary& s, bool json) {
  if (json) {
    nlohmann::json rejected = nlohmann::json::array();
    for (const Rejected& r : s.rejected) {
      rejected.push_back({{"line", r.line}, {"reason", r.why}});
    }
    print_json({{"emitted", s.emitted},
                {"suppressed", s.suppressed},
                {"rejected", rejected},
                {"delivery_failures", s.failures},
                {"all_finished", s.all_finished}});
    return;
  }
  std::cout << s.emitted << " emitted, " << s.suppressed << " suppressed, "
            << s.rejected.size() << " rejected"
            << (s.rejected.empty() ? "" : " (lines " + rejected_lines(s) + ")")
            << ", " << s.failures << " delivery failure"
            << (s.failures == 1 ? "" : "s")
            << (s.all_finished ? "" : " (some deliveries still running)")
            << "\n";
}

}  // namespace

int emit_ndjson(const Invocation& inv) {
  const std::string source = inv.vm["ndjson"].as<std::string>();
  std::ifstream file;
  if (source != "-") {
    file.open(source);
    if (!file) {
      throw Error(ErrorKind::kIo, "cannot read " + source);
    }
  }
  std::istream& in = source == "-" ? std::cin : file;
  const std::chrono::milliseconds wait(inv.vm["wait-ms"].as<unsigned>());
  DeliveryLog log(DeliveryLog::Keep::kFailures);
  Host host(host_options(inv.globals, log.observer()));
  start_session(host, emitting_session());
  Summary summary;
  emit_stream(host, in, summary);
  summary.all_finished = wait_for_deliveries(host, wait);
  summary.failures = log.failures_among(summary.ids);
  print_summary(summary, inv.globals.json);
  std::cout.flush();
  stop_session(host, kExitDeliveryFailed);
  if (!summary.rejected.empty()) return kExitInvalidInput;
  const bool failed = summary.failures > 0 || !summary.all_finished;
  return failed ? kExitDeliveryFailed : kExitOk;
}

}  // namespace eventhost::cli
