// FieldType -- the type of one payload field, as the catalogue and plugin
// manifests declare it, and the rules a value of that type follows.
//
// A field is declared in an event's "fields" list either as its name alone
// (untyped: any JSON value, as before types existed) or as
// {"name": "channel_id", "type": "integer"}. The types:
//   integer    a JSON number written without fraction or exponent, within
//              64 bits (3, -7; not 1.5, 3.0 or 1e3)
//   number     any JSON number
//   string     a JSON string
//   boolean    true or false
//   timestamp  a string in ISO 8601 extended form (see is_iso8601_timestamp)
//   integer[]  an array whose every element is an integer
//   string[]   an array whose every element is a string
// Any field may be null or missing, whatever its type.
//
// Thread-safety: free functions on values.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace eventhost {

struct EventSpec;

enum class FieldType : std::uint8_t {
  kAny = 0,  // untyped: declared by name only
  kInteger,
  kNumber,
  kString,
  kBoolean,
  kTimestamp,
  kIntegerArray,
  kStringArray,
};

// The spelling in JSON documents ("integer", "integer[]"; "any" for kAny).
const char* to_string(FieldType type);
// A declared type name; nullopt for anything else ("any" is not one: an
// untyped field is declared by its name alone).
std::optional<FieldType> parse_field_type(std::string_view text);
// The accepted spellings, for error messages: "integer, number, ...".
const char* field_type_names();
// With its article, for refusals: "an integer", "an array of strings",
// "a timestamp (ISO 8601 text such as 2024-05-01T20:00:00Z)".
std::string describe(FieldType type);

// True for ISO 8601 extended-form text: a date YYYY-MM-DD, optionally
// followed by 'T' (or a space, as Python's str(datetime) writes it) and a
// time hh:mm[:ss[.fraction]], optionally followed by a zone, Z or
// +hh:mm / -hh:mm / +hhmm / +hh. Ranges are checked (month 01-12, the
// day within its month, leap years included, hour 00-23, minute 00-59,
// second 00-60 for a leap second). A zone needs a time. Not accepted:
// basic form (20240501T2000), week or ordinal dates, 24:00.
bool is_iso8601_timestamp(std::string_view text);

// Reads an event's "fields" array into spec.fields and spec.field_types:
// each item a non-empty field name (untyped) or an object
// {"name": "...", "type": "..."}. Returns what is wrong, with the item's
// path relative to the event ("fields[2].type \"int\" is not one of ..."),
// or nullopt if the list is fine. A field named twice is left for
// Catalogue::validate() to report.
std::optional<std::string> read_field_list(const nlohmann::json& fields,
                                           EventSpec& spec);

}  // namespace eventhost
