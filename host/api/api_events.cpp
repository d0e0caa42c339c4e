// POST /api/events: one event as JSON, or a batch as NDJSON.
//
// A batch is all or nothing: every line is checked (JSON, known event,
// payload shape) before any is emitted, so a client that gets an error can
// fix the named line and resend the whole batch without duplicates.
// Ingest waits for room in full plugin queues (bounded by the plugins'
// time budgets) rather than dropping: the HTTP client is slowed instead.
//
// A batch's reply lists every event's outcome, unless the request says
// "Prefer: return=minimal" (RFC 7240): then only the ids and the counts.
// The CLI asks for that: for 100 000 events the full replies were 8 MB of
// JSON that the daemon wrote and the CLI parsed, each on the batch's path
// (parsing them was 70 % of the CLI's CPU time).
#include <algorithm>
#include <cctype>
#include <optional>

#include "api/api_response.h"
#include "api/api_router.h"
#include "core/event_document.h"

namespace eventhost {
namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(c));
  return text;
}

bool is_ndjson(const HttpRequest& req) {
  const std::string type = lower(req.header("content-type"));
  return type.rfind("application/x-ndjson", 0) == 0 ||
         type.rfind("application/ndjson", 0) == 0;
}

// Whether the client asked for the short reply to a batch.
bool prefers_minimal(const HttpRequest& req) {
  return lower(req.header("prefer")).find("return=minimal") !=
         std::string::npos;
}

// One event document -> the checked event; errors name line `line` of
// the batch, or the request body when `line` is 0.
CheckedEvent check_document(const Host& host, std::string_view text,
                            std::size_t line) {
  try {
    const auto [event, payload] = parse_event_document(text);
    return host.check(event, payload);
  } catch (const Error& e) {
    const std::string where =
        line == 0 ? "the request body" : "line " + std::to_string(line);
    throw Error(e.kind(), where + ": " + e.what());
  }
}

std::string suppressed_reason(const EmitOutcome& out) {
  return "suppressed by event level configuration (event level " +
         std::string(to_string(out.level)) + ")";
}

// Replies are written as text: for a batch of 10 000 events, building them
// as nlohmann values (an object of five or more members per event) cost
// about as much as checking the events. It is the text nlohmann printed
// for the same values (members sorted by name), so clients see no change.
void append_string(std::string& out, const std::string& text) {
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && c != '"' && c != '\\';
  });
  if (plain) {
    out += '"';
    out += text;
    out += '"';
  } else {
    out += nlohmann::json(text).dump(-1, ' ', false,
                                     nlohmann::json::error_handler_t::replace);
  }
}

void append_outcome(std::string& out, const EmitOutcome& o) {
  out += "{\"dropped\":";
  out += std::to_string(o.dropped);
  out += ",\"event\":";
  append_string(out, o.event);
  if (!o.extra_fields.empty()) {
    out += ",\"extra_fields\":[";
    for (std::size_t i = 0; i < o.extra_fields.size(); ++i) {
      if (i != 0) out += ',';
      append_string(out, o.extra_fields[i]);
    }
    out += ']';
  }
  out += ",\"id\":";
  out += o.suppressed ? "null" : std::to_string(o.event_id);
  out += ",\"queued\":";
  out += std::to_string(o.queued);
  if (o.suppressed) {
    out += ",\"reason\":";
    append_string(out, suppressed_reason(o));
  }
  out += o.suppressed ? ",\"suppressed\":true" : ",\"suppressed\":false";
  // Only under --payload-check lenient; the member is absent otherwise.
  if (!o.type_mismatches.empty()) {
    out += ",\"type_mismatches\":[";
    for (std::size_t i = 0; i < o.type_mismatches.size(); ++i) {
      if (i != 0) out += ',';
      append_string(out, o.type_mismatches[i]);
    }
    out += ']';
  }
  out += '}';
}

// With `minimal`, without "results" (the outcome of each event).
std::string batch_reply(const std::vector<EmitOutcome>& outcomes,
                        bool minimal) {
  std::string ids, results;
  std::size_t suppressed = 0;
  ids.reserve(outcomes.size() * 8);
  if (!minimal) results.reserve(outcomes.size() * 96);
  for (const EmitOutcome& o : outcomes) {
    if (o.suppressed) {
      ++suppressed;
    } else {
      if (!ids.empty()) ids += ',';
      ids += std::to_string(o.event_id);
    }
    if (minimal) continue;
    if (!results.empty()) results += ',';
    append_outcome(results, o);
  }
  std::string reply = "{\"accepted\":" + std::to_string(outcomes.size()) +
                      ",\"ids\":[" + ids + "]";
  if (!minimal) reply += ",\"results\":[" + results + "]";
  return reply + ",\"suppressed\":" + std::to_string(suppressed) + "}\n";
}

// The answer when the journal could not record what was emitted: the
// emitter must not take it as accepted, and may send it again.
std::optional<HttpResponse> unrecorded(Host& host, const std::string& error) {
  if (error.empty()) return std::nullopt;
  if (host.journal_failure_kind() == ErrorKind::kUnavailable) {
    // A cluster: the events are not in its stream, so no node has them.
    return error_response(503, ErrorKind::kUnavailable,
                          "the cluster did not accept the events (" + error +
                              "); nothing was accepted, send them again");
  }
  return error_response(500, ErrorKind::kIo,
                        "the events were delivered but could not be recorded "
                        "in the journal (" +
                            error +
                            "); they are not acknowledged, send them again");
}

std::optional<HttpResponse> unrecorded(Host& host, std::uint64_t ticket) {
  return unrecorded(host, host.wait_durable(ticket));
}

// A batch may be split over several journal commits, and one of them may
// fail while a later one succeeds: every event's ticket is checked, not
// only the last (the soak found 41 acknowledged events missing from the
// journal when only the last was). After the wait for the newest, each
// check is a look at the journal's few recent failures.
std::optional<HttpResponse> unrecorded(Host& host,
                                       const std::vector<EmitOutcome>& batch) {
  std::uint64_t newest = 0;
  for (const EmitOutcome& o : batch)
    newest = std::max(newest, o.journal_ticket);
  if (newest == 0) return std::nullopt;
  if (auto failed = unrecorded(host, newest)) return failed;
  for (const EmitOutcome& o : batch) {
    if (o.journal_ticket == 0) continue;
    if (auto failed = unrecorded(host, o.journal_ticket)) return failed;
  }
  return std::nullopt;
}

// The answer when an event could not even be given an id (the state file
// did not take the reservation): nothing of the request is acknowledged,
// though events of a batch before it may already have been delivered.
HttpResponse not_recorded(const Error& e) {
  return error_response(500, ErrorKind::kIo,
                        "the journal could not record the events (" +
                            std::string(e.what()) +
                            "); they are not acknowledged, send them again");
}

}  // namespace

HttpResponse ApiRouter::post_events(const HttpRequest& req) {
  if (!is_ndjson(req)) {
    CheckedEvent event;
    try {
      event = check_document(host_, req.body, 0);
    } catch (const Error& e) {
      return error_response(400, e.kind(), e.what());
    }
    EmitOutcome out;
    try {
      out = host_.emit(std::move(event), Dispatcher::Overflow::kWait);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kIo) throw;
      return not_recorded(e);
    }
    if (auto failed = unrecorded(host_, out.journal_ticket)) return *failed;
    out.event_id = host_.assigned_id(out);
    HttpResponse res;
    res.status = 200;
    append_outcome(res.body, out);
    res.body += '\n';
    return res;
  }
  const auto lines = ndjson_lines(req.body);
  std::vector<CheckedEvent> batch;
  batch.reserve(lines.size());
  for (const auto& [number, line] : lines) {
    try {
      batch.push_back(check_document(host_, line, number));
    } catch (const Error& e) {
      return error_response(
          400, e.kind(),
          std::string(e.what()) + "; nothing from this batch was emitted",
          {{"line", number}});
    }
  }
  std::vector<EmitOutcome> outcomes;
  outcomes.reserve(batch.size());
  try {
    for (CheckedEvent& event : batch) {
      outcomes.push_back(
          host_.emit(std::move(event), Dispatcher::Overflow::kWait));
    }
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kIo) throw;
    return not_recorded(e);
  }
  if (auto failed = unrecorded(host_, outcomes)) return *failed;
  for (EmitOutcome& o : outcomes) o.event_id = host_.assigned_id(o);
  HttpResponse res;
  res.status = 200;
  const bool minimal = prefers_minimal(req);
  res.body = batch_reply(outcomes, minimal);
  if (minimal) res.headers["Preference-Applied"] = "return=minimal";
  return res;
}

}  // namespace eventhost
