// JSON responses and error bodies shared by the API's route files.
//
// Thread-safety: free functions on values.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "catalogue/catalogue.h"
#include "common/error.h"
#include "dispatch/plugin_runner.h"
#include "http/http_message.h"

namespace eventhost {

// The status an error of `kind` answers with.
unsigned http_status_for(ErrorKind kind);

// "usage", "not_found", "invalid_input", "refused", "io", "internal": the
// kind as the error body names it, and back (unknown text = kInternal).
const char* error_kind_name(ErrorKind kind);
ErrorKind error_kind_from_name(const std::string& name);

HttpResponse json_response(unsigned status, const nlohmann::json& body);

// {"error": message, "kind": ...} plus any `extra` members.
HttpResponse error_response(unsigned status, ErrorKind kind,
                            const std::string& message,
                            nlohmann::json extra = nlohmann::json::object());
HttpResponse error_response(const Error& error);

// 405 naming the methods `allowed` on the request's path.
HttpResponse method_not_allowed(const HttpRequest& request,
                                const std::string& allowed);

// A running plugin's figures: delivered, failed, exceptions, timeouts,
// dropped, queue_depth and breaker ("open" once it tripped).
nlohmann::json runner_json(const RunnerStats& stats);

// One catalogue event: name, level, fields (names, in order), field_types
// (name -> "integer", ..., "any" for an untyped field), origin,
// description (what `events list --json` and GET /api/events/catalogue
// show).
nlohmann::json event_json(const EventSpec& event);

// Parses `text` as JSON; throws Error(kInvalidInput) naming `what` and the
// byte offset of the problem.
nlohmann::json parse_json_body(const std::string& text,
                               const std::string& what);

}  // namespace eventhost
