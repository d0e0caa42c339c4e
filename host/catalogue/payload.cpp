// check_payload -- parses an event's payload once, at ingest, so nothing
// downstream has to re-parse or re-validate it.
#include "catalogue/payload.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace eventhost {
namespace {

// Keeps the emitter's key order in the JSON handed to plugins.
using Json = nlohmann::ordered_json;

// Event payloads are flat records. The limit exists because serialising
// JSON recurses, so a hostile "[[[[..." payload could overflow the stack.
constexpr std::size_t kMaxDepth = 64;

bool is_blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
  });
}

[[noreturn]] void fail(const EventSpec& spec, const std::string& what) {
  throw Error(ErrorKind::kInvalidInput,
              "invalid JSON payload for " + spec.name + ": " + what);
}

// The deepest array/object nesting, ignoring brackets inside strings.
// Malformed text is left for the parser to report.
void check_depth(const EventSpec& spec, std::string_view text) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) {
        fail(spec, "nested deeper than " + std::to_string(kMaxDepth) +
                       " levels at byte " + std::to_string(i + 1) +
                       "; send a flat object of fields");
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

// nlohmann says "[json.exception.parse_error.101] parse error at line 1,
// column 15: syntax error while parsing value - invalid literal; ...";
// keep only the part after "syntax error", since we report the byte.
std::string parse_error_detail(const nlohmann::json::parse_error& e) {
  std::string_view what = e.what();
  constexpr std::string_view kSyntax = "syntax error ";
  std::size_t at = what.find(kSyntax);
  if (at != std::string_view::npos) what.remove_prefix(at + kSyntax.size());
  return std::string(what);
}

Json parse(const EventSpec& spec, std::string_view text) {
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte counts from 1, like the line and column in editors.
    fail(spec, "syntax error at byte " + std::to_string(e.byte) + ": " +
                   parse_error_detail(e));
  }
}

std::vector<std::string> extra_fields(const EventSpec& spec,
                                      const Json& object) {
  std::vector<std::string> extra;
  for (const auto& item : object.items()) {
    const std::string& key = item.key();
    if (std::find(spec.fields.begin(), spec.fields.end(), key) ==
        spec.fields.end()) {
      extra.push_back(key);
    }
  }
  return extra;
}

}  // namespace

CheckedPayload check_payload(const EventSpec& spec, std::string_view text) {
  // An event with nothing to say (system.shutdown) may send no payload.
  if (is_blank(text)) return CheckedPayload{"{}", {}};
  check_depth(spec, text);
  Json payload = parse(spec, text);
  if (!payload.is_object()) {
    fail(spec,
         "a payload must be a JSON object ({\"field\": value, ...}), "
         "not " +
             std::string(payload.type_name()));
  }
  return CheckedPayload{payload.dump(), extra_fields(spec, payload)};
}

}  // namespace eventhost
