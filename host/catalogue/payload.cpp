// check_payload -- validates an event's payload once, at ingest, so nothing
// downstream has to re-parse or re-validate it.
//
// This runs for every event on the emitting thread, so the accepting path
// is simdjson's DOM parser: it validates the grammar and UTF-8 and refuses
// nesting beyond kMaxDepth itself, in less time than the dispatch that
// follows. A text it refuses goes through the original nlohmann-based
// checks, which say why in the words emitters already see (the byte offset,
// the depth, "not an object"). tests/catalogue/fuzz_payload.cpp checks that
// this accepts what those checks alone accepted. The typed fields are
// checked in the same pass over the parsed object (payload_types.h).
#include "catalogue/payload.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <new>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "catalogue/payload_types.h"
#include "common/error.h"
#include "common/json_error.h"

namespace eventhost {
namespace {

// Keeps the emitter's key order when reporting extra fields.
using Json = nlohmann::ordered_json;

// Event payloads are flat records. The limit exists because plugins parse
// payloads, often recursively, so a hostile "[[[[..." could overflow their
// stack.
constexpr std::size_t kMaxDepth = 64;

// A parser keeps buffers for the largest text it has parsed (about 180 KB
// for 64 KiB of JSON). Each thread reuses one for payloads up to this size;
// a bigger payload (the HTTP body limit is 1 MiB) gets a parser of its own,
// freed when the check returns, so no thread keeps megabytes after one
// large event.
constexpr std::size_t kReusedCapacity = 64 * 1024;
constexpr std::size_t kInitialCapacity = 4 * 1024;

bool is_blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
  });
}

// What simdjson is given: nlohmann, which checked payloads before, skips a
// UTF-8 byte order mark and ends the text at a NUL byte (so a C caller may
// count the terminator in the size); simdjson would refuse both.
std::string_view trimmed(std::string_view text) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  while (!text.empty() && text.back() == '\0') text.remove_suffix(1);
  return text;
}

[[noreturn]] void fail(const EventSpec& spec, const std::string& what) {
  throw Error(ErrorKind::kInvalidInput,
              "invalid JSON payload for " + spec.name + ": " + what);
}

// ---- The accepting path --------------------------------------------------

simdjson::dom::parser new_parser(std::size_t capacity,
                                 std::size_t max_capacity) {
  simdjson::dom::parser parser(max_capacity);
  // The depth limit is set by the first allocation; growing keeps it.
  if (parser.allocate(capacity, kMaxDepth) != simdjson::SUCCESS) {
    throw std::bad_alloc();
  }
  return parser;
}

// One pass over a payload's top-level fields: the fields `spec` does not
// list are collected, each once in the order first seen (nlohmann, keeping
// one entry per repeated key, reported them so), and the typed ones are
// checked (payload_types.h). It keeps views of the keys: the parsed
// document must outlive take().
class FieldWalk {
 public:
  FieldWalk(const EventSpec& spec, PayloadCheck mode)
      : spec_(spec), mode_(mode) {}

  // Throws the mismatch under kStrict.
  template <typename Value>
  void note(std::string_view key, const Value& value) {
    const auto known = std::find(spec_.fields.begin(), spec_.fields.end(), key);
    if (known == spec_.fields.end()) {
      note_extra(key);
      return;
    }
    const FieldType type =
        spec_.type_of(static_cast<std::size_t>(known - spec_.fields.begin()));
    if (type == FieldType::kAny || payload_types::fits(value, type)) return;
    std::string message = payload_types::mismatch_message(
        spec_.name, key, type, payload_types::found(value, type));
    if (mode_ == PayloadCheck::kStrict) {
      throw Error(ErrorKind::kInvalidInput, std::move(message));
    }
    mismatches_.push_back({std::string(key), std::move(message)});
  }

  void take(CheckedPayload& out) {
    out.extra_fields.assign(keys_.begin(), keys_.end());
    out.mismatches = std::move(mismatches_);
  }

 private:
  void note_extra(std::string_view key) {
    // Searching the list is cheapest for the few extra fields a payload
    // usually has, but quadratic for one with hundreds: past kLinear, a
    // hash set.
    if (keys_.size() < kLinear) {
      if (std::find(keys_.begin(), keys_.end(), key) != keys_.end()) return;
    } else {
      if (seen_.empty()) seen_.insert(keys_.begin(), keys_.end());
      if (!seen_.insert(key).second) return;
    }
    keys_.push_back(key);
  }

  static constexpr std::size_t kLinear = 16;
  const EventSpec& spec_;
  const PayloadCheck mode_;
  std::vector<std::string_view> keys_;
  std::unordered_set<std::string_view> seen_;
  std::vector<FieldMismatch> mismatches_;
};

// True if some byte of `text` is <= ' ' (whitespace, in validated JSON):
// eight bytes at a time, since on a 150-byte payload a byte loop costs more
// than minify itself.
bool has_space_or_control(std::string_view text) {
  constexpr std::uint64_t kOnes = 0x0101010101010101u;
  constexpr std::uint64_t kHighBits = 0x8080808080808080u;
  std::uint64_t hits = 0;
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    // Sets a byte's high bit if the byte is below 0x21 (exact for "any").
    hits |= (word - 0x21 * kOnes) & ~word & kHighBits;
  }
  for (; i < text.size(); ++i) {
    hits |= static_cast<unsigned char>(text[i]) <= ' ';
  }
  return hits != 0;
}

// The payload without insignificant whitespace. Validated JSON has no
// control bytes inside strings, so a text with no byte <= ' ' at all (JSON
// written by a machine, with no spaces in its strings either) is already
// minimal and is copied as it is: the check and the copy cost about half
// of minify on a 150-byte payload.
std::string minified(std::string_view text) {
  if (!has_space_or_control(text)) return std::string(text);
  std::string out(text.size(), '\0');
  std::size_t size = 0;
  // minify only tracks strings; on validated JSON it cannot fail.
  if (simdjson::minify(text.data(), text.size(), out.data(), size) !=
      simdjson::SUCCESS) {
    throw Error(ErrorKind::kInternal, "could not minify a validated payload");
  }
  out.resize(size);
  return out;
}

// Fills `out` and returns true if simdjson accepts `text` as an object.
bool check_with_simdjson(const EventSpec& spec, PayloadCheck mode,
                         simdjson::dom::parser& parser, std::string_view text,
                         CheckedPayload& out) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end of its input,
  // and a string_view (an HTTP body, a plugin's buffer) promises none. With
  // realloc_if_needed the parser copies the text into its own padded
  // buffer, reused from call to call: one memcpy of a few hundred bytes,
  // where a padded_string would allocate for every event.
  simdjson::dom::object object;
  if (parser.parse(text.data(), text.size(), /*realloc_if_needed=*/true)
          .get(object) != simdjson::SUCCESS) {
    return false;
  }
  FieldWalk walk(spec, mode);
  for (const simdjson::dom::key_value_pair field : object) {
    walk.note(field.key, field.value);
  }
  walk.take(out);
  out.json = minified(text);
  return true;
}

// ---- The explaining path -------------------------------------------------

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

Json parse(const EventSpec& spec, std::string_view text) {
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte counts from 1, like the line and column in editors.
    fail(spec, "syntax error at byte " + std::to_string(e.byte) + ": " +
                   json_error_detail(e.what(), "syntax error "));
  } catch (const nlohmann::json::out_of_range& e) {
    // A number beyond a double ("1e400"): "number overflow parsing '1e400'".
    fail(spec, json_error_detail(e.what()));
  }
}

void walk_fields(const EventSpec& spec, PayloadCheck mode, const Json& object,
                 CheckedPayload& out) {
  FieldWalk walk(spec, mode);
  for (const auto& item : object.items()) walk.note(item.key(), item.value());
  walk.take(out);
}

// Throws the detailed error for `text`, or returns it parsed if it is an
// acceptable payload after all.
Json check_with_nlohmann(const EventSpec& spec, std::string_view text) {
  check_depth(spec, text);
  Json payload = parse(spec, text);
  if (!payload.is_object()) {
    fail(spec,
         "a payload must be a JSON object ({\"field\": value, ...}), "
         "not " +
             std::string(payload.type_name()));
  }
  return payload;
}

}  // namespace

const char* to_string(PayloadCheck mode) {
  return mode == PayloadCheck::kLenient ? "lenient" : "strict";
}

std::optional<PayloadCheck> parse_payload_check(std::string_view text) {
  if (text == "strict") return PayloadCheck::kStrict;
  if (text == "lenient") return PayloadCheck::kLenient;
  return std::nullopt;
}

CheckedPayload check_payload(const EventSpec& spec, std::string_view text,
                             PayloadCheck mode) {
  // An event with nothing to say (system.shutdown) may send no payload.
  if (is_blank(text)) return CheckedPayload{"{}", {}, {}};
  const std::string_view body = trimmed(text);
  CheckedPayload checked;
  if (body.size() <= kReusedCapacity) {
    thread_local simdjson::dom::parser reused =
        new_parser(kInitialCapacity, kReusedCapacity);
    if (check_with_simdjson(spec, mode, reused, body, checked)) return checked;
  } else {
    simdjson::dom::parser own = new_parser(body.size(), body.size());
    if (check_with_simdjson(spec, mode, own, body, checked)) return checked;
  }
  // Refused (or not an object): explain why. nlohmann is given the text as
  // sent, so that its byte offsets count a byte order mark too.
  const Json payload = check_with_nlohmann(spec, text);
  // nlohmann stopped at a NUL byte, leaving what follows unread; passing it
  // on would hand plugins text nobody checked.
  if (body.find('\0') != std::string_view::npos) {
    fail(spec, "syntax error at byte " + std::to_string(text.find('\0') + 1) +
                   ": a NUL byte followed by more text");
  }
  // The one kind of text nlohmann accepts and simdjson refuses is an
  // integer beyond 64 bits: JSON all the same, passed on as written.
  checked = CheckedPayload{};
  walk_fields(spec, mode, payload, checked);
  checked.json = minified(body);
  return checked;
}

}  // namespace eventhost
