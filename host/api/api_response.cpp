#include "api/api_response.h"

#include "common/json_error.h"

namespace eventhost {

unsigned http_status_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUsage:
    case ErrorKind::kInvalidInput:
      return 400;
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kRefused:
      return 409;
    case ErrorKind::kIo:
    case ErrorKind::kInternal:
      return 500;
    case ErrorKind::kUnavailable:
      return 503;
  }
  return 500;
}

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUsage:
      return "usage";
    case ErrorKind::kNotFound:
      return "not_found";
    case ErrorKind::kInvalidInput:
      return "invalid_input";
    case ErrorKind::kRefused:
      return "refused";
    case ErrorKind::kIo:
      return "io";
    case ErrorKind::kInternal:
      return "internal";
    case ErrorKind::kUnavailable:
      return "unavailable";
  }
  return "internal";
}

ErrorKind error_kind_from_name(const std::string& name) {
  for (ErrorKind kind :
       {ErrorKind::kUsage, ErrorKind::kNotFound, ErrorKind::kInvalidInput,
        ErrorKind::kRefused, ErrorKind::kIo, ErrorKind::kInternal,
        ErrorKind::kUnavailable}) {
    if (name == error_kind_name(kind)) return kind;
  }
  return ErrorKind::kInternal;
}

HttpResponse json_response(unsigned status, const nlohmann::json& body) {
  HttpResponse res;
  res.status = status;
  // Strings here may hold bytes from the request (a path, a name) that
  // are not UTF-8: they are answered with U+FFFD in their place, never with
  // the exception nlohmann throws for them by default.
  res.body =
      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
      "\n";
  return res;
}

HttpResponse error_response(unsigned status, ErrorKind kind,
                            const std::string& message, nlohmann::json extra) {
  extra["error"] = message;
  extra["kind"] = error_kind_name(kind);
  return json_response(status, extra);
}

HttpResponse error_response(const Error& error) {
  return error_response(http_status_for(error.kind()), error.kind(),
                        error.what());
}

HttpResponse method_not_allowed(const HttpRequest& req,
                                const std::string& allowed) {
  HttpResponse res = error_response(
      405, ErrorKind::kUsage,
      req.method + " is not allowed on " + req.path() + "; use " + allowed);
  res.headers["Allow"] = allowed;
  return res;
}

nlohmann::json runner_json(const RunnerStats& r) {
  return {{"delivered", r.delivered},
          {"failed", r.failed},
          {"exceptions", r.exceptions},
          {"timeouts", r.timeouts},
          {"dropped", r.dropped},
          {"crashes", r.crashes},
          {"queue_depth", r.queue_depth},
          {"breaker", r.tripped ? "open" : "closed"}};
}

nlohmann::json event_json(const EventSpec& e) {
  nlohmann::json types = nlohmann::json::object();
  for (std::size_t i = 0; i < e.fields.size(); ++i) {
    types[e.fields[i]] = to_string(e.type_of(i));
  }
  return {{"name", e.name},     {"level", to_string(e.level)},
          {"fields", e.fields}, {"field_types", types},
          {"origin", e.origin}, {"description", e.description}};
}

nlohmann::json parse_json_body(const std::string& text,
                               const std::string& what) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(
        ErrorKind::kInvalidInput,
        what + " is not valid JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const nlohmann::json::out_of_range& e) {
    // A number beyond a double ("1e400") is not a parse_error, but bad
    // input all the same: a 400, not an escaped exception.
    throw Error(
        ErrorKind::kInvalidInput,
        what + " is not valid JSON (" + json_error_detail(e.what()) + ")");
  }
}

}  // namespace eventhost
