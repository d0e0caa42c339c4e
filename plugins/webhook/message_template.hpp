// MessageTemplate -- the readable text of an event for the `discord` and
// `slack` formats: "New channel {channel_name} (#{id})".
//
// Placeholders, resolved in this order:
//   {event} {id} {level} {time} {attempt}   the event itself
//   {payload}                               the whole payload as JSON
//   {name} or {a.b}                         a payload field (dots walk into
//                                           nested objects)
// A string field is inserted as it is, a number or boolean as JSON text,
// an object or array as compact JSON, and a missing or null field as
// nothing: payload fields are optional (the host accepts events without
// some), so a message must not fail for want of one. `{{` and `}}` write
// a literal brace.
//
// Thread-safety: immutable after parse(). Errors: parse() throws
// std::invalid_argument saying what is wrong and where (an unclosed `{`,
// an empty `{}`, a stray `}`, a name with characters other than
// [A-Za-z0-9_.]). Which payload fields exist depends on the event, so a
// name is not checked against a list: a misspelt field renders empty.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace webhook {

// What a template is filled from.
struct TemplateValues {
  std::string_view event;
  std::uint64_t id = 0;
  std::string_view level;
  std::string time;
  std::uint32_t attempt = 1;
  const nlohmann::json* payload = nullptr;  // a JSON object
};

class MessageTemplate {
 public:
  static MessageTemplate parse(std::string_view text);

  // `escape` is applied to every inserted value, not to the template's own
  // text, so a template may hold markup that a payload value may not.
  std::string render(const TemplateValues& values,
                     const std::function<std::string(std::string_view)>&
                         escape = nullptr) const;

  const std::string& text() const { return text_; }

 private:
  struct Part {
    bool placeholder = false;
    std::string text;  // literal text, or the placeholder's name
  };
  std::string text_;
  std::vector<Part> parts_;
};

}  // namespace webhook
