// libFuzzer target, differential: check_payload (simdjson accepting,
// nlohmann explaining refusals) against the checker it replaced (nlohmann
// alone: the depth pre-scan, parse, "is an object"). Aborts when they
// differ in what they accept, when what plugins would read out of the
// result differs from what nlohmann read out of the input, when the result
// is not minimal, or when a refusal is not Error(kInvalidInput).
//
// It also aborts when simdjson alone disagrees with nlohmann in a way not
// listed in simdjson_may_refuse(), so that a new difference is found, and
// decided, rather than silently covered by the fallback.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "catalogue/payload.h"
#include "common/error.h"

using namespace eventhost;
using Json = nlohmann::ordered_json;

namespace {

constexpr std::size_t kMaxDepth = 64;

std::size_t nesting(const Json& value) {
  if (!value.is_structured()) return 0;
  std::size_t deepest = 0;
  for (const Json& child : value) deepest = std::max(deepest, nesting(child));
  return deepest + 1;
}

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\n\v\f\r") == std::string_view::npos;
}

// nlohmann ends the text at a NUL byte; check_payload accepts only NULs
// after it (a C caller counting the terminator), never other unread text.
std::string_view without_trailing_nuls(std::string_view text) {
  while (!text.empty() && text.back() == '\0') text.remove_suffix(1);
  return text;
}

// The old checker's verdict, but for unread text after a NUL byte: the
// payload as nlohmann reads it, or nothing.
std::optional<Json> reference(std::string_view text) {
  if (is_blank(text)) return Json::object();
  if (without_trailing_nuls(text).find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  try {
    Json value = Json::parse(text);
    if (!value.is_object() || nesting(value) > kMaxDepth) return std::nullopt;
    return value;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

// Texts nlohmann accepts and simdjson refuses, on purpose: check_payload
// then accepts them through nlohmann and passes them on as written.
bool simdjson_may_refuse(simdjson::error_code error) {
  // An integer beyond 64 bits: JSON all the same (nlohmann reads a
  // double), and passing it as written loses nothing.
  // (simdjson 3.0 reports it as NUMBER_ERROR.)
  return error == simdjson::NUMBER_ERROR;
}

void check_simdjson_alone(std::string_view text, bool reference_accepts) {
  if (is_blank(text)) return;
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  text = without_trailing_nuls(text);
  static simdjson::dom::parser parser = [] {
    simdjson::dom::parser p;
    if (p.allocate(4096, kMaxDepth)) std::abort();
    return p;
  }();
  simdjson::dom::object object;
  const simdjson::error_code error =
      parser.parse(text.data(), text.size()).get(object);
  if (error == simdjson::SUCCESS && !reference_accepts) std::abort();
  if (error != simdjson::SUCCESS && reference_accepts &&
      !simdjson_may_refuse(error)) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const EventSpec spec{"channel.created",
                              LevelSet::kFull,
                              {"channel_id", "channel_name"},
                              "",
                              "host"};
  const std::optional<Json> expected = reference(text);
  check_simdjson_alone(text, expected.has_value());
  CheckedPayload checked;
  try {
    checked = check_payload(spec, text);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kInvalidInput || expected) std::abort();
    return 0;
  }
  if (!expected) std::abort();
  // What a plugin parses out of the result is what nlohmann parsed out of
  // the input (repeated keys, escapes and number spellings included).
  if (Json::parse(checked.json).dump() != expected->dump()) std::abort();
  std::string minimal(checked.json.size(), '\0');
  std::size_t minimal_size = 0;
  if (simdjson::minify(checked.json.data(), checked.json.size(), minimal.data(),
                       minimal_size) != simdjson::SUCCESS ||
      minimal_size != checked.json.size()) {
    std::abort();
  }
  std::vector<std::string> extra;
  for (const auto& item : expected->items()) {
    if (item.key() != "channel_id" && item.key() != "channel_name") {
      extra.push_back(item.key());
    }
  }
  if (checked.extra_fields != extra) std::abort();
  return 0;
}
