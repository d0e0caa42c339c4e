// The event envelope as front ends read it: {"event": ..., "data": {...}}.
#include "core/event_document.h"

#include <catch2/catch.hpp>

#include "common/error.h"

using eventhost::Error;
using eventhost::parse_event_document;

namespace {

std::string refusal(const std::string& text) {
  try {
    parse_event_document(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("an envelope hands on its data as the emitter wrote it") {
  const auto [event, data] = parse_event_document(
      R"({"event": "channel.created", "data": {"channel_id": 7, "n": 1.50}})");
  CHECK(event == "channel.created");
  CHECK(data == R"({"channel_id": 7, "n": 1.50})");
}

TEST_CASE("an envelope without data has the empty payload") {
  const auto [event, data] = parse_event_document(R"({"event":"system.x"})");
  CHECK(event == "system.x");
  CHECK(data == "{}");
}

TEST_CASE("an envelope's member names and event may use escapes") {
  const auto [event, data] =
      parse_event_document(R"({"ev\u0065nt":"a\u002eb","data":{}})");
  CHECK(event == "a.b");
  CHECK(data == "{}");
}

TEST_CASE("a repeated member is read as before, the last one winning") {
  const auto [event, data] =
      parse_event_document(R"({"event":"a.b","event":"c.d"})");
  CHECK(event == "c.d");
}

TEST_CASE("a broken envelope is refused with the reason") {
  CHECK(refusal(R"({"event":"a.b"} {"event":"c.d"})") ==
        "not valid JSON (at byte 17)");
  CHECK(refusal(R"({"event":"a.b",)") == "not valid JSON (at byte 16)");
  CHECK(refusal(R"(["a.b"])") ==
        R"(expected {"event": "<name>", "data": {...}})");
  CHECK(refusal(R"({"data":{}})") ==
        R"(expected {"event": "<name>", "data": {...}})");
  CHECK(refusal(R"({"event":7})") ==
        R"(expected {"event": "<name>", "data": {...}})");
  CHECK(refusal(R"({"event":"a.b","when":1})") ==
        R"(unknown member "when"; an event has only "event" and "data")");
  CHECK(refusal(R"({"event":"a.b","data":[1]})") ==
        R"("data" must be a JSON object)");
  CHECK(refusal("{\"event\":\"a\xff\"}").rfind("not valid JSON", 0) == 0);
  // nlohmann throws something other than a parse error for this number:
  // it is a refusal all the same (found by fuzz_event_document).
  CHECK(refusal(R"({"d":1e400})") ==
        "not valid JSON (number overflow parsing '1e400')");
}

TEST_CASE(
    "an envelope leaves its data to the payload check, which refuses bad "
    "data") {
  const auto [event, data] =
      parse_event_document(R"({"event":"channel.created","data":{"a":nuld}})");
  CHECK(event == "channel.created");
  CHECK(data == R"({"a":nuld})");
}
