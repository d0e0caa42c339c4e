// Payload checking at ingest: JSON objects only, extra fields reported.
#include "catalogue/payload.h"

#include <catch2/catch.hpp>
#include <string>

#include "catalogue/catalogue.h"
#include "common/error.h"

namespace eventhost {
namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

const EventSpec& channel_created() {
  static const Catalogue catalogue = Catalogue::builtin();
  const EventSpec* spec = catalogue.find("channel.created");
  REQUIRE(spec != nullptr);
  return *spec;
}

std::string payload_error(std::string_view text) {
  try {
    check_payload(channel_created(), text);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kInvalidInput);
    return e.what();
  }
  return "";
}

TEST_CASE("a payload that is not JSON is refused with its byte offset") {
  // Byte 19 (counting from 1) is the 'o' of the unquoted key.
  std::string error = payload_error(R"({"channel_id": 1, oops: 2})");
  CHECK_THAT(error, StartsWith("invalid JSON payload for channel.created: "
                               "syntax error at byte 19: "));
  CHECK_THAT(error, !Contains("[json.exception"));

  // The end of a 16-byte text is byte 17.
  CHECK_THAT(payload_error(R"({"channel_id": 1)"),
             Contains("syntax error at byte 17: while parsing object - "
                      "unexpected end of input"));
}

TEST_CASE("a payload that is JSON but not an object is refused") {
  for (const char* text : {"[1, 2]", "42", "\"text\"", "null", "true"}) {
    INFO(text);
    std::string error = payload_error(text);
    CHECK_THAT(error, StartsWith("invalid JSON payload for channel.created: "));
    CHECK_THAT(error, Contains("a payload must be a JSON object"));
  }
  CHECK_THAT(payload_error("[1, 2]"), Contains("not array"));
}

TEST_CASE("fields the catalogue does not list are reported, in order") {
  CheckedPayload checked = check_payload(
      channel_created(),
      R"({"channel_id": 7, "mood": "happy", "channel_name": "News",
          "colour": null})");
  CHECK(checked.extra_fields == std::vector<std::string>{"mood", "colour"});
}

TEST_CASE("missing fields are fine and known fields are not extra") {
  CheckedPayload checked =
      check_payload(channel_created(), R"({"channel_name": "News"})");
  CHECK(checked.extra_fields.empty());
  CHECK(checked.json == R"({"channel_name":"News"})");
}

TEST_CASE("the checked payload is minified JSON in the emitter's key order") {
  CheckedPayload checked = check_payload(
      channel_created(),
      " {\n  \"channel_name\" : \"News\",\n  \"channel_id\" : 7,\n"
      "  \"nested\" : { \"b\" : [1, 2], \"a\" : \"\\u00e9\" } }\n");
  CHECK(checked.json ==
        "{\"channel_name\":\"News\",\"channel_id\":7,"
        "\"nested\":{\"b\":[1,2],\"a\":\"\xc3\xa9\"}}");
}

TEST_CASE("an empty payload means an empty object") {
  for (const char* text : {"", "  \n"}) {
    CheckedPayload checked = check_payload(channel_created(), text);
    CHECK(checked.json == "{}");
    CHECK(checked.extra_fields.empty());
  }
  CHECK(check_payload(channel_created(), "{}").json == "{}");
}

TEST_CASE("a payload that is not valid UTF-8 is refused") {
  CHECK_THAT(payload_error("{\"channel_name\": \"\xff\"}"),
             StartsWith("invalid JSON payload for channel.created: syntax "
                        "error at byte "));
}

TEST_CASE(
    "a deeply nested payload is refused before it can exhaust the stack") {
  std::string deep =
      "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  CHECK_THAT(payload_error(deep), Contains("nested deeper than 64 levels"));

  // Brackets inside strings are text, not nesting.
  std::string brackets = "{\"a\":\"" + std::string(1000, '[') + "\"}";
  CHECK_NOTHROW(check_payload(channel_created(), brackets));
  std::string nested =
      "{\"a\":" + std::string(63, '[') + std::string(63, ']') + "}";
  CHECK_NOTHROW(check_payload(channel_created(), nested));
}

}  // namespace
}  // namespace eventhost
