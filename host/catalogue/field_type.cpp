// Field types: their names, the ISO 8601 rule for timestamps, and the
// reading of an event's "fields" list (shared by the catalogue document and
// plugin manifests, so both accept exactly the same forms).
#include "catalogue/field_type.h"

#include <array>

#include "catalogue/catalogue.h"

namespace eventhost {
namespace {

struct Named {
  FieldType type;
  const char* name;
  const char* described;
};

constexpr std::array<Named, 8> kTypes = {{
    {FieldType::kAny, "any", "any JSON value"},
    {FieldType::kInteger, "integer", "an integer"},
    {FieldType::kNumber, "number", "a number"},
    {FieldType::kString, "string", "a string"},
    {FieldType::kBoolean, "boolean", "a boolean"},
    {FieldType::kTimestamp, "timestamp",
     "a timestamp (ISO 8601 text such as 2024-05-01T20:00:00Z)"},
    {FieldType::kIntegerArray, "integer[]", "an array of integers"},
    {FieldType::kStringArray, "string[]", "an array of strings"},
}};

// Parses exactly `width` digits at `at` into `out`, advancing `at`.
bool digits(std::string_view text, std::size_t& at, std::size_t width,
            int& out) {
  if (at + width > text.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const char c = text[at + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  at += width;
  return true;
}

bool is_leap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// "Z", "+hh:mm", "+hhmm" or "+hh" (or '-'), to the end of `text`.
bool is_zone(std::string_view text, std::size_t at) {
  if (at == text.size()) return true;
  if (text[at] == 'Z' || text[at] == 'z') return at + 1 == text.size();
  if (text[at] != '+' && text[at] != '-') return false;
  ++at;
  int hours = 0, minutes = 0;
  if (!digits(text, at, 2, hours) || hours > 23) return false;
  if (at == text.size()) return true;
  if (text[at] == ':') ++at;
  return digits(text, at, 2, minutes) && minutes <= 59 && at == text.size();
}

}  // namespace

const char* to_string(FieldType type) {
  for (const Named& named : kTypes) {
    if (named.type == type) return named.name;
  }
  return "any";
}

std::optional<FieldType> parse_field_type(std::string_view text) {
  for (const Named& named : kTypes) {
    if (named.type != FieldType::kAny && text == named.name) return named.type;
  }
  return std::nullopt;
}

const char* field_type_names() {
  return "integer, number, string, boolean, timestamp, integer[], string[]";
}

std::string describe(FieldType type) {
  for (const Named& named : kTypes) {
    if (named.type == type) return named.described;
  }
  return "any JSON value";
}

bool is_iso8601_timestamp(std::string_view text) {
  std::size_t at = 0;
  int year = 0, month = 0, day = 0;
  if (!digits(text, at, 4, year) || at == text.size() || text[at++] != '-' ||
      !digits(text, at, 2, month) || month < 1 || month > 12 ||
      at == text.size() || text[at++] != '-' || !digits(text, at, 2, day) ||
      day < 1 || day > days_in(year, month)) {
    return false;
  }
  if (at == text.size()) return true;
  if (text[at] != 'T' && text[at] != 't' && text[at] != ' ') return false;
  ++at;
  int hour = 0, minute = 0, second = 0;
  if (!digits(text, at, 2, hour) || hour > 23 || at == text.size() ||
      text[at++] != ':' || !digits(text, at, 2, minute) || minute > 59) {
    return false;
  }
  if (at < text.size() && text[at] == ':') {
    ++at;
    if (!digits(text, at, 2, second) || second > 60) return false;
    if (at < text.size() && (text[at] == '.' || text[at] == ',')) {
      const std::size_t first = ++at;
      while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
      if (at == first) return false;
    }
  }
  return is_zone(text, at);
}

std::optional<std::string> read_field_list(const nlohmann::json& fields,
                                           EventSpec& spec) {
  if (!fields.is_array()) {
    return std::string(
        "field \"fields\" must be an array of field names or "
        "{\"name\": ..., \"type\": ...} objects");
  }
  spec.fields.clear();
  spec.field_types.clear();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const nlohmann::json& item = fields[i];
    const std::string path = "fields[" + std::to_string(i) + "]";
    if (item.is_string()) {
      if (item.get_ref<const std::string&>().empty()) {
        return path + " must be a non-empty string, not \"\"";
      }
      spec.fields.push_back(item.get<std::string>());
      spec.field_types.push_back(FieldType::kAny);
      continue;
    }
    if (!item.is_object()) {
      return path + " must be a non-empty string, not " + item.dump() +
             " (a field is its name, or {\"name\": ..., \"type\": ...})";
    }
    for (const auto& member : item.items()) {
      if (member.key() != "name" && member.key() != "type") {
        return path + " has an unknown member \"" + member.key() +
               "\" (a field has only name and type)";
      }
    }
    auto name = item.find("name");
    if (name == item.end() || !name->is_string() ||
        name->get_ref<const std::string&>().empty()) {
      return path + ".name must be a non-empty string";
    }
    auto type = item.find("type");
    if (type == item.end() || !type->is_string()) {
      return path + ".type must be one of " + field_type_names() +
             " (a field without a type is written as its name alone)";
    }
    const auto parsed = parse_field_type(type->get<std::string>());
    if (!parsed) {
      return path + ".type \"" + type->get<std::string>() +
             "\" is not one of " + field_type_names();
    }
    spec.fields.push_back(name->get<std::string>());
    spec.field_types.push_back(*parsed);
  }
  return std::nullopt;
}

}  // namespace eventhost
