#include "core/event_document.h"

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace eventhost {

std::pair<std::string, std::string> parse_event_document(
    const std::string& text) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(ErrorKind::kInvalidInput,
                "not valid JSON (at byte " + std::to_string(e.byte) + ")");
  }
  if (!doc.is_object() || !doc.contains("event") || !doc["event"].is_string()) {
    throw Error(ErrorKind::kInvalidInput,
                "expected {\"event\": \"<name>\", \"data\": {...}}");
  }
  for (const auto& [member, value] : doc.items()) {
    if (member != "event" && member != "data") {
      throw Error(ErrorKind::kInvalidInput,
                  "unknown member \"" + member +
                      "\"; an event has only \"event\" and \"data\"");
    }
  }
  if (doc.contains("data") && !doc["data"].is_object()) {
    throw Error(ErrorKind::kInvalidInput, "\"data\" must be a JSON object");
  }
  return {doc["event"].get<std::string>(),
          doc.contains("data") ? doc["data"].dump() : "{}"};
}

}  // namespace eventhost
