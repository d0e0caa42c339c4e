// The JSON form of one event as front ends receive it -- a request body,
// an NDJSON line, a stdin line: {"event": "channel.created", "data": {...}}
// ("data" optional, an object).
//
// Thread-safety: a free function on values.
// Errors: throws Error(kInvalidInput) saying what is wrong: not JSON (with
// the byte offset), not an object, no "event" string, "data" not an
// object, or an unknown member. The text inside "data" is not validated
// here: every caller hands it to the payload check (Host::check), which
// validates it once and says what is wrong with it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eventhost {

// The event name and the payload as JSON text ("{}" if absent).
std::pair<std::string, std::string> parse_event_document(std::string_view text);

// An NDJSON batch (a request body) cut into its lines: each non-blank line
// (spaces and tabs only are blank) with its 1-based number, as a view of
// `body` without its '\n' or a '\r' before it. Never throws.
std::vector<std::pair<std::size_t, std::string_view>> ndjson_lines(
    std::string_view body);

}  // namespace eventhost
