// /api/journal, /api/deadletters and /api/replay: the operator's tools over
// the journal and dead letters, the same operations (and JSON) as the
// CLI's `journal`, `deadletters` and `replay` commands (api/journal_ops.h).
#include "api/api_response.h"
#include "api/api_router.h"
#include "api/journal_ops.h"

namespace eventhost {
namespace {

// A query parameter or body member that must be a whole number; `fallback`
// if absent.
std::uint64_t whole_number(const std::string& text, const std::string& name,
                           std::uint64_t fallback) {
  if (text.empty()) return fallback;
  if (text.find_first_not_of("0123456789") != std::string::npos ||
      text.size() > 18) {
    throw Error(ErrorKind::kUsage,
                name + " must be a whole number, got '" + text + "'");
  }
  return std::stoull(text);
}

std::uint64_t whole_member(const nlohmann::json& body, const char* name) {
  if (!body.contains(name) || body[name].is_null()) return 0;
  if (!body[name].is_number_unsigned() && !body[name].is_number_integer()) {
    throw Error(ErrorKind::kUsage, std::string(name) +
                                       " must be a whole number, got " +
                                       body[name].dump());
  }
  const auto value = body[name].get<std::int64_t>();
  if (value < 0) {
    throw Error(ErrorKind::kUsage, std::string(name) +
                                       " must be a whole number, got " +
                                       body[name].dump());
  }
  return static_cast<std::uint64_t>(value);
}

HttpResponse no_route(const std::string& path) {
  return error_response(
      404, ErrorKind::kNotFound,
      "no route " + path +
          "; the journal routes are /api/journal, /api/journal/ID, "
          "/api/deadletters, /api/deadletters/retry, /api/deadletters/drop "
          "and /api/replay");
}

}  // namespace

HttpResponse ApiRouter::journal(const HttpRequest& req,
                                const std::string& rest) {
  if (req.method != "GET") return method_not_allowed(req, "GET");
  if (rest.empty() || rest == "/") {
    JournalQuery query;
    query.after_id = whole_number(req.query("after"), "after", 0);
    query.since_us = static_cast<std::int64_t>(
        whole_number(req.query("since_us"), "since_us", 0));
    query.pattern = req.query("event");
    query.limit =
        whole_number(req.query("limit"), "limit", kJournalDefaultLimit);
    return json_response(200, list_journal(host_, query));
  }
  const std::string id = url_decode(rest.substr(1));
  if (id.find('/') != std::string::npos) return no_route(req.path());
  return json_response(
      200, journal_entry(host_, whole_number(id, "the event id", 0)));
}

HttpResponse ApiRouter::dead_letters(const HttpRequest& req,
                                     const std::string& rest) {
  if (rest.empty() || rest == "/") {
    if (req.method != "GET") return method_not_allowed(req, "GET");
    return json_response(200, list_dead_letters(host_, req.query("plugin")));
  }
  if (rest != "/retry" && rest != "/drop") return no_route(req.path());
  if (req.method != "POST") return method_not_allowed(req, "POST");
  const LetterSelection which = letter_selection_from(
      parse_json_body(req.body, "the dead letter selection"));
  return json_response(200, rest == "/retry" ? retry_dead_letters(host_, which)
                                             : drop_dead_letters(host_, which));
}

HttpResponse ApiRouter::replay(const HttpRequest& req) {
  if (req.method != "POST") return method_not_allowed(req, "POST");
  const nlohmann::json body = parse_json_body(req.body, "the replay request");
  if (!body.is_object() || !body.contains("plugin") ||
      !body["plugin"].is_string() ||
      body["plugin"].get<std::string>().empty()) {
    throw Error(ErrorKind::kUsage,
                "the body must be {\"plugin\": \"KEY\"} with optional "
                "\"after\": ID, \"since_us\": N and \"event\": \"PATTERN\", "
                "got " +
                    req.body);
  }
  JournalQuery query;
  query.after_id = whole_member(body, "after");
  query.since_us = static_cast<std::int64_t>(whole_member(body, "since_us"));
  if (body.contains("event") && !body["event"].is_null()) {
    if (!body["event"].is_string()) {
      throw Error(ErrorKind::kUsage,
                  "event must be a pattern string like \"channel.*\", got " +
                      body["event"].dump());
    }
    query.pattern = body["event"].get<std::string>();
  }
  return json_response(
      200, replay_events(host_, body["plugin"].get<std::string>(), query));
}

}  // namespace eventhost
