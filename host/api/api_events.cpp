// POST /api/events: one event as JSON, or a batch as NDJSON.
//
// A batch is all or nothing: every line is checked (JSON, known event,
// payload shape) before any is emitted, so a client that gets an error can
// fix the named line and resend the whole batch without duplicates.
// Ingest waits for room in full plugin queues (bounded by the plugins'
// time budgets) rather than dropping: the HTTP client is slowed instead.
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

// One event document -> the checked event; errors name `where` (the body
// or a line).
CheckedEvent check_document(const Host& host, const std::string& text,
                            const std::string& where) {
  try {
    const auto [event, payload] = parse_event_document(text);
    return host.check(event, payload);
  } catch (const Error& e) {
    throw Error(e.kind(), where + ": " + e.what());
  }
}

nlohmann::json outcome_json(const EmitOutcome& out) {
  nlohmann::json j = {{"event", out.event},
                      {"suppressed", out.suppressed},
                      {"queued", out.queued},
                      {"dropped", out.dropped}};
  j["id"] =
      out.suppressed ? nlohmann::json(nullptr) : nlohmann::json(out.event_id);
  if (out.suppressed) {
    j["reason"] = "suppressed by event level configuration (event level " +
                  std::string(to_string(out.level)) + ")";
  }
  if (!out.extra_fields.empty()) j["extra_fields"] = out.extra_fields;
  return j;
}

// Non-blank lines with their 1-based line numbers.
std::vector<std::pair<std::size_t, std::string>> ndjson_lines(
    const std::string& body) {
  std::vector<std::pair<std::size_t, std::string>> lines;
  std::size_t pos = 0, number = 0;
  while (pos < body.size()) {
    std::size_t end = body.find('\n', pos);
    if (end == std::string::npos) end = body.size();
    ++number;
    std::string line = body.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) {
      lines.emplace_back(number, std::move(line));
    }
    pos = end + 1;
  }
  return lines;
}

// The answer when the journal could not record what was emitted: the
// emitter must not take it as accepted, and may send it again.
std::optional<HttpResponse> unrecorded(Host& host, std::uint64_t ticket) {
  const std::string error = host.wait_durable(ticket);
  if (error.empty()) return std::nullopt;
  return error_response(500, ErrorKind::kIo,
                        "the events were delivered but could not be recorded "
                        "in the journal (" +
                            error +
                            "); they are not acknowledged, send them again");
}

}  // namespace

HttpResponse ApiRouter::post_events(const HttpRequest& req) {
  if (!is_ndjson(req)) {
    CheckedEvent event;
    try {
      event = check_document(host_, req.body, "the request body");
    } catch (const Error& e) {
      return error_response(400, e.kind(), e.what());
    }
    const EmitOutcome out =
        host_.emit(std::move(event), Dispatcher::Overflow::kWait);
    if (auto failed = unrecorded(host_, out.journal_ticket)) return *failed;
    return json_response(200, outcome_json(out));
  }
  std::vector<CheckedEvent> batch;
  for (auto& [number, line] : ndjson_lines(req.body)) {
    try {
      batch.push_back(
          check_document(host_, line, "line " + std::to_string(number)));
    } catch (const Error& e) {
      return error_response(
          400, e.kind(),
          std::string(e.what()) + "; nothing from this batch was emitted",
          {{"line", number}});
    }
  }
  nlohmann::json results = nlohmann::json::array();
  nlohmann::json ids = nlohmann::json::array();
  std::size_t suppressed = 0;
  std::uint64_t ticket = 0;
  for (CheckedEvent& event : batch) {
    const EmitOutcome out =
        host_.emit(std::move(event), Dispatcher::Overflow::kWait);
    ticket = std::max(ticket, out.journal_ticket);
    suppressed += out.suppressed ? 1 : 0;
    if (!out.suppressed) ids.push_back(out.event_id);
    results.push_back(outcome_json(out));
  }
  // One wait for the whole batch: it was committed as one group.
  if (auto failed = unrecorded(host_, ticket)) return *failed;
  // Moved in, not listed in an initializer list: that would copy every
  // id and result of the batch once more.
  nlohmann::json reply = {{"accepted", batch.size()},
                          {"suppressed", suppressed}};
  reply["ids"] = std::move(ids);
  reply["results"] = std::move(results);
  return json_response(200, reply);
}

}  // namespace eventhost
