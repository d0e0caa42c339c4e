// Field type checks for payload values (see payload_types.h). fits() runs
// for every typed field of every event, so it only switches on the type
// simdjson already recorded; the words of a refusal are built only for a
// value that does not fit.
#include "catalogue/payload_types.h"

#include <cstdint>
#include <limits>

namespace eventhost::payload_types {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using OrderedJson = nlohmann::ordered_json;

// A value quoted in a refusal: its JSON text, cut to about 40 bytes (at a
// UTF-8 character boundary) so a huge value cannot flood a log line.
std::string excerpt(std::string text) {
  constexpr std::size_t kMax = 40;
  if (text.size() <= kMax) return text;
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  text.resize(cut);
  return text + "...";
}

// ---- simdjson ------------------------------------------------------------

bool is_integer(const element& value) {
  return value.type() == element_type::INT64;
}

const char* kind(const element& value) {
  switch (value.type()) {
    case element_type::ARRAY:
      return "array";
    case element_type::OBJECT:
      return "object";
    case element_type::INT64:
      return "integer";
    case element_type::UINT64:
      return "integer beyond 64 bits";
    case element_type::DOUBLE:
      return "number";
    case element_type::STRING:
      return "string";
    case element_type::BOOL:
      return "boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "value";
}

bool fits_element(const element& value, FieldType item) {
  return item == FieldType::kInteger ? is_integer(value)
                                     : value.type() == element_type::STRING;
}

// ---- nlohmann ------------------------------------------------------------

bool is_integer(const OrderedJson& value) {
  if (value.is_number_unsigned()) {
    return value.get<std::uint64_t>() <=
           static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  }
  return value.is_number_integer();
}

std::string kind(const OrderedJson& value) {
  if (value.is_number_unsigned() && !is_integer(value)) {
    return "integer beyond 64 bits";
  }
  if (value.is_number_integer()) return "integer";
  if (value.is_number()) return "number";
  return value.type_name();
}

bool fits_element(const OrderedJson& value, FieldType item) {
  return item == FieldType::kInteger ? is_integer(value) : value.is_string();
}

// ---- both ----------------------------------------------------------------

std::string dump(const element& value) { return simdjson::to_string(value); }
std::string dump(const OrderedJson& value) { return value.dump(); }

// "array with a string at [2] (\"x\")" for the first element of `array`
// that is not of the array's item type.
template <typename Array>
std::string bad_element(const Array& array, FieldType item) {
  std::size_t index = 0;
  for (const auto& value : array) {
    if (!fits_element(value, item)) {
      const std::string what = std::string(kind(value));
      const bool vowel = what[0] == 'a' || what[0] == 'i' || what[0] == 'o';
      return "array with " + std::string(vowel ? "an " : "a ") + what +
             " at [" + std::to_string(index) + "] (" + excerpt(dump(value)) +
             ")";
    }
    ++index;
  }
  return "array";
}

FieldType item_type(FieldType array) {
  return array == FieldType::kIntegerArray ? FieldType::kInteger
                                           : FieldType::kString;
}

}  // namespace

bool fits(const element& value, FieldType type) {
  const element_type actual = value.type();
  if (actual == element_type::NULL_VALUE) return true;
  switch (type) {
    case FieldType::kAny:
      return true;
    case FieldType::kInteger:
      return actual == element_type::INT64;
    case FieldType::kNumber:
      return actual == element_type::INT64 || actual == element_type::UINT64 ||
             actual == element_type::DOUBLE;
    case FieldType::kString:
      return actual == element_type::STRING;
    case FieldType::kBoolean:
      return actual == element_type::BOOL;
    case FieldType::kTimestamp: {
      std::string_view text;
      return !value.get_string().get(text) && is_iso8601_timestamp(text);
    }
    case FieldType::kIntegerArray:
    case FieldType::kStringArray: {
      simdjson::dom::array array;
      if (value.get_array().get(array)) return false;
      const FieldType item = item_type(type);
      for (const element entry : array) {
        if (!fits_element(entry, item)) return false;
      }
      return true;
    }
  }
  return true;
}

bool fits(const OrderedJson& value, FieldType type) {
  if (value.is_null()) return true;
  switch (type) {
    case FieldType::kAny:
      return true;
    case FieldType::kInteger:
      return is_integer(value);
    case FieldType::kNumber:
      return value.is_number();
    case FieldType::kString:
      return value.is_string();
    case FieldType::kBoolean:
      return value.is_boolean();
    case FieldType::kTimestamp:
      return value.is_string() &&
             is_iso8601_timestamp(value.get_ref<const std::string&>());
    case FieldType::kIntegerArray:
    case FieldType::kStringArray: {
      if (!value.is_array()) return false;
      const FieldType item = item_type(type);
      for (const OrderedJson& entry : value) {
        if (!fits_element(entry, item)) return false;
      }
      return true;
    }
  }
  return true;
}

std::string found(const element& value, FieldType type) {
  simdjson::dom::array array;
  if ((type == FieldType::kIntegerArray || type == FieldType::kStringArray) &&
      !value.get_array().get(array)) {
    return bad_element(array, item_type(type));
  }
  return std::string(kind(value)) + " (" + excerpt(dump(value)) + ")";
}

std::string found(const OrderedJson& value, FieldType type) {
  if ((type == FieldType::kIntegerArray || type == FieldType::kStringArray) &&
      value.is_array()) {
    return bad_element(value, item_type(type));
  }
  return kind(value) + " (" + excerpt(dump(value)) + ")";
}

std::string mismatch_message(std::string_view event, std::string_view field,
                             FieldType expected, const std::string& found) {
  return std::string(event) + ": field \"" + std::string(field) +
         "\" must be " + describe(expected) + ", got " + found;
}

}  // namespace eventhost::payload_types
