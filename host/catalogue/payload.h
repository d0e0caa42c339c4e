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
// The fields an event declares with a type (catalogue/field_type.h) are
// checked in the same pass, where present and not null: a value of another
// type is refused (PayloadCheck::kStrict) or accepted and reported
// (kLenient). Untyped and extra fields are not checked.
//
// Thread-safety: free function; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalogue/catalogue.h"

namespace eventhost {

// What a field of the wrong type does to its event.
enum class PayloadCheck : std::uint8_t {
  kStrict = 0,   // the event is refused
  kLenient = 1,  // the event is accepted; the mismatch is reported
};
const char* to_string(PayloadCheck mode);  // "strict" | "lenient"
std::optional<PayloadCheck> parse_payload_check(std::string_view text);

// One field whose value is not of its declared type.
struct FieldMismatch {
  std::string field;
  // `channel.created: field "channel_id" must be an integer, got string
  // ("7")`: the text a strict check refuses the event with.
  std::string message;
};

struct CheckedPayload {
  std::string json;                       // the JSON object text, minified
  std::vector<std::string> extra_fields;  // fields the catalogue does not list
  std::vector<FieldMismatch> mismatches;  // kLenient only, in payload order
};

// Validates `text` as the payload of `spec`: JSON (UTF-8) whose top level
// is an object nested at most 64 levels deep. Empty text means `{}`.
// Missing fields are fine (handlers tolerate them); fields the catalogue
// does not list are reported in extra_fields, each once. Throws
// Error(kInvalidInput) naming the event and the byte offset if the text is
// not JSON, not an object or nested too deep, and, under kStrict, with the
// FieldMismatch message of the first field of the wrong type.
CheckedPayload check_payload(const EventSpec& spec, std::string_view text,
                             PayloadCheck mode = PayloadCheck::kStrict);

}  // namespace eventhost
