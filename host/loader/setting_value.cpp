// Setting values: checking a JSON value against a manifest's setting field,
// and parsing what a user types ("yes", "30") into the field's JSON type.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

#include "common/error.h"
#include "loader/manifest.h"

namespace eventhost {
namespace {

using Json = nlohmann::json;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return out;
}

std::string quoted(std::string_view text) {
  return Json(std::string(text)).dump();
}

bool is_option(const SettingField& field, const std::string& value) {
  return std::find(field.options.begin(), field.options.end(), value) !=
         field.options.end();
}

[[noreturn]] void invalid(const SettingField& field, const std::string& expect,
                          std::string_view text) {
  throw Error(ErrorKind::kInvalidInput, "setting " + field.id + " expects " +
                                            expect + ", got " + quoted(text));
}

Json parse_boolean(const SettingField& field, std::string_view text) {
  const std::string word = lower(text);
  if (word == "true" || word == "1" || word == "yes" || word == "on") {
    return true;
  }
  if (word == "false" || word == "0" || word == "no" || word == "off") {
    return false;
  }
  invalid(field, "a boolean (true/false, yes/no, on/off, 1/0)", text);
}

// An integer if the text is one, else a finite decimal; the whole text must
// be the number, so "30s" is refused rather than read as 30.
Json parse_number(const SettingField& field, std::string_view text) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  std::int64_t integer = 0;
  auto [end, error] = std::from_chars(first, last, integer);
  if (error == std::errc() && end == last && !text.empty()) return integer;
  double number = 0;
  auto [dend, derror] = std::from_chars(first, last, number);
  if (derror == std::errc() && dend == last && !text.empty() &&
      std::isfinite(number)) {
    return number;
  }
  invalid(field, "a number", text);
}

}  // namespace

std::string check_setting_value(const SettingField& field, const Json& value) {
  const auto expected = [&](const std::string& what) {
    return field.id + " expects " + what + ", got " + value.dump();
  };
  if (field.type == "boolean") {
    return value.is_boolean() ? "" : expected("a boolean");
  }
  if (field.type == "number") {
    return value.is_number() ? "" : expected("a number");
  }
  if (field.type == "string") {
    return value.is_string() ? "" : expected("a string");
  }
  if (field.type == "select") {
    if (value.is_string() && is_option(field, value.get<std::string>())) {
      return "";
    }
    return expected("one of " + join(field.options));
  }
  return field.id + " has unknown type \"" + field.type + "\"";
}

Json parse_setting_text(const SettingField& field, std::string_view text) {
  if (field.type == "boolean") return parse_boolean(field, text);
  if (field.type == "number") return parse_number(field, text);
  if (field.type == "string") return std::string(text);
  if (field.type == "select") {
    if (!is_option(field, std::string(text))) {
      invalid(field, "one of " + join(field.options), text);
    }
    return std::string(text);
  }
  throw Error(ErrorKind::kInternal,
              "setting " + field.id + " has unknown type " + field.type);
}

}  // namespace eventhost
