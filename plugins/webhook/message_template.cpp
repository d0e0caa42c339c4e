#include "message_template.hpp"

#include <stdexcept>

namespace webhook {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '.';
}

std::string at(std::size_t offset) {
  return " at character " + std::to_string(offset + 1);
}

// A payload value as message text (see the header for the rules).
std::string field_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

// Walks "a.b.c" into nested objects; nullptr where the path ends early.
const nlohmann::json* find_field(const nlohmann::json* object,
                                 std::string_view path) {
  while (object != nullptr) {
    if (!object->is_object()) return nullptr;
    const std::size_t dot = path.find('.');
    const auto it = object->find(path.substr(0, dot));
    if (it == object->end()) return nullptr;
    if (dot == std::string_view::npos) return &*it;
    object = &*it;
    path.remove_prefix(dot + 1);
  }
  return nullptr;
}

}  // namespace

MessageTemplate MessageTemplate::parse(std::string_view text) {
  MessageTemplate t;
  t.text_ = std::string(text);
  std::string literal;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        literal += '}';
        ++i;
        continue;
      }
      throw std::invalid_argument("a '}' with no '{' before it" + at(i) +
                                  " (write '}}' for a literal brace)");
    }
    if (c != '{') {
      literal += c;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      literal += '{';
      ++i;
      continue;
    }
    const std::size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos) {
      throw std::invalid_argument("the '{'" + at(i) +
                                  " is not closed (write '{{' for a literal "
                                  "brace)");
    }
    const std::string_view name = text.substr(i + 1, close - i - 1);
    if (name.empty()) {
      throw std::invalid_argument("an empty placeholder '{}'" + at(i) +
                                  "; name a field, e.g. {channel_name}");
    }
    for (char n : name) {
      if (!is_name_char(n) || name.front() == '.' || name.back() == '.') {
        throw std::invalid_argument(
            "'{" + std::string(name) + "}'" + at(i) +
            " is not a placeholder; use {event}, {id}, {level}, {time}, "
            "{attempt}, {payload} or a payload field such as {channel_name}");
      }
    }
    if (!literal.empty()) t.parts_.push_back({false, std::move(literal)});
    literal.clear();
    t.parts_.push_back({true, std::string(name)});
    i = close;
  }
  if (!literal.empty()) t.parts_.push_back({false, std::move(literal)});
  return t;
}

std::string MessageTemplate::render(
    const TemplateValues& v,
    const std::function<std::string(std::string_view)>& escape) const {
  std::string out;
  for (const Part& part : parts_) {
    if (!part.placeholder) {
      out += part.text;
      continue;
    }
    std::string value;
    const std::string& name = part.text;
    if (name == "event") {
      value = std::string(v.event);
    } else if (name == "id") {
      value = std::to_string(v.id);
    } else if (name == "level") {
      value = std::string(v.level);
    } else if (name == "time") {
      value = v.time;
    } else if (name == "attempt") {
      value = std::to_string(v.attempt);
    } else if (name == "payload") {
      value = v.payload != nullptr ? v.payload->dump() : "{}";
    } else if (const nlohmann::json* field = find_field(v.payload, name)) {
      value = field_text(*field);
    }
    out += escape ? escape(value) : value;
  }
  return out;
}

}  // namespace webhook
