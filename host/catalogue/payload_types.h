// Field type checks for payload values, for payload.cpp only (it is the
// one place that parses payloads): whether a value fits its declared type
// (catalogue/field_type.h), and, when it does not, what was found, in the
// words of the refusal: `string ("7")`, `array with a string at [1] ("x")`.
//
// Both parsers payload.cpp uses are covered: simdjson's DOM on the
// accepting path, nlohmann on the rare fallback (an integer beyond 64
// bits), so a value is judged alike whichever read it.
//
// Thread-safety: free functions on values.
#pragma once

#include <simdjson.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "catalogue/field_type.h"

namespace eventhost::payload_types {

// True if `value` may stand in a field of `type`: null always may.
bool fits(const simdjson::dom::element& value, FieldType type);
bool fits(const nlohmann::ordered_json& value, FieldType type);

// What `value` is, for a refusal; call only when fits() is false.
std::string found(const simdjson::dom::element& value, FieldType type);
std::string found(const nlohmann::ordered_json& value, FieldType type);

// `channel.created: field "channel_id" must be an integer, got string ("7")`
std::string mismatch_message(std::string_view event, std::string_view field,
                             FieldType expected, const std::string& found);

}  // namespace eventhost::payload_types
