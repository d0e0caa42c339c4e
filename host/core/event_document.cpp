// parse_event_document -- the envelope of an event, read once per event on
// the ingest path (an NDJSON batch of 10 000 lines calls it 10 000 times).
//
// The accepting path is simdjson's On Demand parser, which hands back the
// raw text of "data" without building or re-serialising anything; that
// text is then validated fully, once, by the payload check. A document it
// refuses is read again by nlohmann only to say what is wrong, in the same
// words as before.
#include "core/event_document.h"

#include <simdjson.h>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/json_error.h"

namespace eventhost {
namespace {

std::pair<std::string, std::string> explain_refusal(std::string_view text) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(ErrorKind::kInvalidInput,
                "not valid JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const nlohmann::json::exception& e) {
    // A number too big for a double (1e400) is not a parse_error; it must
    // not escape as anything but a refusal either.
    throw Error(ErrorKind::kInvalidInput,
                "not valid JSON (" + json_error_detail(e.what()) + ")");
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
  // simdjson refused what nlohmann accepts (a repeated member, say): take
  // nlohmann's reading rather than refuse a document that was fine before.
  return {doc["event"].get<std::string>(),
          doc.contains("data") ? doc["data"].dump() : "{}"};
}

// Whether the root object is followed by more than whitespace, which On
// Demand does not check by itself. `text` is the parsed (padded) copy.
bool ends_early(simdjson::ondemand::document& doc, std::string_view text) {
  doc.rewind();
  std::string_view root;
  if (doc.raw_json().get(root)) return true;
  const std::size_t end =
      static_cast<std::size_t>(root.data() - text.data()) + root.size();
  return text.find_first_not_of(" \t\r\n", end) != std::string_view::npos;
}

// Reads the envelope; false if anything is off (explain_refusal says what).
bool read_envelope(std::string_view text, std::string* event,
                   std::string* data) {
  // On Demand reads up to SIMDJSON_PADDING bytes past the end, so the text
  // is copied into a buffer of this thread's that has them; for an event
  // of a few hundred bytes the copy costs less than anything else here.
  // A parser keeps capacity for the largest text it has read: a big single
  // document (a request body may be 1 MiB) gets a parser of its own, so no
  // thread keeps megabytes after one large event.
  constexpr std::size_t kReusedCapacity = 64 * 1024;
  thread_local simdjson::ondemand::parser reused;
  thread_local std::string reused_buffer;
  simdjson::ondemand::parser own;
  std::string own_buffer;
  const bool small = text.size() <= kReusedCapacity;
  simdjson::ondemand::parser& parser = small ? reused : own;
  std::string& buffer = small ? reused_buffer : own_buffer;
  buffer.assign(text);
  buffer.append(simdjson::SIMDJSON_PADDING, '\0');
  simdjson::ondemand::document doc;
  simdjson::ondemand::object object;
  if (parser.iterate(buffer.data(), text.size(), buffer.size()).get(doc) ||
      doc.get_object().get(object)) {
    return false;
  }
  bool have_event = false, have_data = false;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    if (key == "event" && !have_event) {
      std::string_view name;
      if (field.value().get_string().get(name)) return false;
      event->assign(name);
      have_event = true;
    } else if (key == "data" && !have_data) {
      simdjson::ondemand::object payload;
      std::string_view raw;
      if (field.value().get_object().get(payload) ||
          payload.raw_json().get(raw)) {
        return false;
      }
      data->assign(raw);
      have_data = true;
    } else {
      return false;
    }
  }
  if (!have_event ||
      ends_early(doc, std::string_view(buffer.data(), text.size()))) {
    return false;
  }
  if (!have_data) *data = "{}";
  return true;
}

}  // namespace

std::pair<std::string, std::string> parse_event_document(
    std::string_view text) {
  std::pair<std::string, std::string> parsed;
  if (read_envelope(text, &parsed.first, &parsed.second)) return parsed;
  return explain_refusal(text);
}

std::vector<std::pair<std::size_t, std::string_view>> ndjson_lines(
    std::string_view body) {
  std::vector<std::pair<std::size_t, std::string_view>> lines;
  std::size_t pos = 0, number = 0;
  while (pos < body.size()) {
    std::size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    ++number;
    std::string_view line = body.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) {
      lines.emplace_back(number, line);
    }
    pos = end + 1;
  }
  return lines;
}

}  // namespace eventhost
