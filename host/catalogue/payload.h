// Payload checking: an event's JSON payload is validated once, at ingest.
//
// Plugins receive the emitter's own text minus insignificant whitespace:
// key order, number spellings (1.0, 1e3, 2^70 written in full) and string
// escapes ("\u00e9") are passed through as written, and a repeated key
// stays repeated. (Until simdjson validated payloads, nlohmann re-serialised
// them: numbers were re-spelled, big integers rounded to doubles, escapes
// decoded and repeated keys collapsed to the last one; text after a NUL
// byte was ignored, where now only more NULs may follow one.)
//
// Thread-safety: free function; safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "catalogue/catalogue.h"

namespace eventhost {

struct CheckedPayload {
  std::string json;                       // the JSON object text, minified
  std::vector<std::string> extra_fields;  // fields the catalogue does not list
};

// Validates `text` as the payload of `spec`: JSON (UTF-8) whose top level
// is an object nested at most 64 levels deep. Empty text means `{}`.
// Missing fields are fine (handlers tolerate them); fields the catalogue
// does not list are reported in extra_fields, each once. Throws
// Error(kInvalidInput) naming the event and the byte offset if the text is
// not JSON, not an object or nested too deep.
CheckedPayload check_payload(const EventSpec& spec, std::string_view text);

}  // namespace eventhost
