// A differential libFuzzer target for parse_event_document: its simdjson
// path must accept exactly the envelopes the nlohmann-only reading below
// (what it replaced) accepts, with the same event name and the same data,
// except that it leaves the data's own validity to the payload check that
// always follows (so a document refused only for its data must come out
// with data that check refuses). A document it refuses goes through
// nlohmann anyway, so only acceptance is compared. Build with
// -DEVENTHOST_FUZZ=ON (clang), run as
//   build/tests/core/fuzz_event_document -max_total_time=60 -max_len=2048
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/error.h"
#include "core/event_document.h"

namespace {

using Json = nlohmann::json;

// The reading before simdjson: the whole document by nlohmann. nullopt if
// it refuses the envelope.
std::optional<std::pair<std::string, Json>> reference(std::string_view text) {
  Json doc = Json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("event") ||
      !doc["event"].is_string()) {
    return std::nullopt;
  }
  for (const auto& [member, value] : doc.items()) {
    if (member != "event" && member != "data") return std::nullopt;
  }
  if (doc.contains("data") && !doc["data"].is_object()) return std::nullopt;
  return std::make_pair(doc["event"].get<std::string>(),
                        doc.contains("data") ? doc["data"] : Json::object());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<std::pair<std::string, std::string>> fast;
  try {
    fast = eventhost::parse_event_document(text);
  } catch (const eventhost::Error&) {
  }
  std::optional<std::pair<std::string, Json>> ref;
  try {
    ref = reference(text);
  } catch (const Json::exception&) {
    return 0;  // a number nlohmann cannot hold: the payload check refuses it
  }
  if (fast && !ref) {
    // Accepted only because the data is not looked into: it must be
    // invalid, for the payload check to refuse it.
    if (!Json::accept(fast->second)) return 0;
    std::abort();
  }
  if (!fast && ref) std::abort();
  if (!fast) return 0;
  if (fast->first != ref->first) std::abort();
  const Json fast_data = Json::parse(fast->second, nullptr, false);
  if (fast_data.is_discarded() || fast_data != ref->second) std::abort();
  return 0;
}
