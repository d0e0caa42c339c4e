// Payload checking at ingest: JSON objects only, extra fields reported, the
// emitter's text passed on minus whitespace.
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
        "\"nested\":{\"b\":[1,2],\"a\":\"\\u00e9\"}}");
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

TEST_CASE(
    "a payload reaches plugins as the emitter wrote it, minus whitespace") {
  // As Python's json.dumps writes it (", " and ": "), pretty-printed, and
  // already minimal: spaces inside strings stay.
  const std::string minimal =
      R"({"channel_id":7,"channel_name":"News HD","channel_number":101.5,)"
      R"("tags":["a b",null,true,false],"channel_group_name":""})";
  for (const char* text :
       {R"({"channel_id": 7, "channel_name": "News HD", )"
        R"("channel_number": 101.5, "tags": ["a b", null, true, false], )"
        R"("channel_group_name": ""})",
        "{\n\t\"channel_id\" : 7 ,\r\n\t\"channel_name\" : \"News HD\",\n"
        "\t\"channel_number\" : 101.5,\n\t\"tags\" : [ \"a b\" , null ,"
        " true , false ],\n\t\"channel_group_name\" : \"\"\n}\n",
        minimal.c_str()}) {
    INFO(text);
    CHECK(check_payload(channel_created(), text).json == minimal);
  }
}

TEST_CASE("the emitter's key order is kept, not sorted") {
  CHECK(check_payload(channel_created(), R"({"z": 1, "b": 2, "a": 3})").json ==
        R"({"z":1,"b":2,"a":3})");
}

TEST_CASE("unicode escapes and big numbers pass through as written") {
  // Re-serialising would decode the escapes and round the integer beyond
  // 64 bits to a double; plugins get the emitter's spelling instead. (The
  // big integer is in an extra field: channel_id is a 64-bit integer.)
  const std::string text =
      R"({"channel_name":"Caf\u00e9 \ud83d\udcfa \"HD\"\n","serial":)"
      R"(123456789012345678901234567890,"channel_number":1.50,"e":-2E+3})";
  CHECK(check_payload(channel_created(), text).json == text);
}

TEST_CASE("a repeated key passes through and is reported once") {
  CheckedPayload checked = check_payload(
      channel_created(), R"({"mood": 1, "channel_id": 2, "mood": 3})");
  CHECK(checked.json == R"({"mood":1,"channel_id":2,"mood":3})");
  CHECK(checked.extra_fields == std::vector<std::string>{"mood"});
}

TEST_CASE("a UTF-8 byte order mark is skipped") {
  CHECK(check_payload(channel_created(), "\xEF\xBB\xBF{\"channel_id\": 7}")
            .json == R"({"channel_id":7})");
}

TEST_CASE("NUL bytes may end a payload but not hide text after it") {
  using namespace std::string_view_literals;
  // A C caller may count the terminator in the size.
  CHECK(check_payload(channel_created(), "{\"channel_id\": 7}\0"sv).json ==
        R"({"channel_id":7})");
  // nlohmann stopped reading at the NUL and passed the rest unchecked.
  CHECK(payload_error("{\"channel_id\": 7}\0{\"x\"\0"sv) ==
        "invalid JSON payload for channel.created: syntax error at byte 18: "
        "a NUL byte followed by more text");
}

TEST_CASE("malformed UTF-8 is refused wherever it is") {
  for (const char* text : {
           "{\"channel_name\": \"\xc0\xaf\"}",      // overlong '/'
           "{\"channel_name\": \"\xed\xa0\x80\"}",  // a UTF-16 surrogate
           "{\"channel_name\": \"\xe2\x82\"}",      // cut short
           "{\"\xff\": 1}",                         // in a key
           "{\"channel_name\": \"\\ud800\"}",       // a lone surrogate escape
       }) {
    INFO(text);
    CHECK_THAT(payload_error(text),
               StartsWith("invalid JSON payload for channel.created: syntax "
                          "error at byte "));
  }
}

TEST_CASE("65 levels of nesting are refused with the byte of the 65th") {
  // '{' is byte 1 and the 64 brackets start at byte 6: the last is 69.
  const std::string deep =
      "{\"a\":" + std::string(64, '[') + std::string(64, ']') + "}";
  CHECK(payload_error(deep) ==
        "invalid JSON payload for channel.created: nested deeper than 64 "
        "levels at byte 69; send a flat object of fields");
}

TEST_CASE("a top-level array is refused, naming what it is") {
  CHECK(payload_error(R"([{"channel_id": 7}])") ==
        "invalid JSON payload for channel.created: a payload must be a JSON "
        "object ({\"field\": value, ...}), not array");
}

TEST_CASE("a number too large for a double is refused as invalid input") {
  CHECK(payload_error(R"({"channel_id": 1e400})") ==
        "invalid JSON payload for channel.created: number overflow parsing "
        "'1e400'");
}

// A channel.created payload of about `size` bytes, grown with extra fields.
std::string large_payload(std::size_t size) {
  std::string text = R"({"channel_id":7,"channel_name":"News HD")";
  for (int i = 0; text.size() + 40 < size; ++i) {
    text +=
        ",\"extra_" + std::to_string(i) + "\":\"" + std::string(20, 'x') + "\"";
  }
  return text + "}";
}

TEST_CASE("a 16 KB payload is accepted whole, extra fields reported") {
  const std::string text = large_payload(16 * 1024);
  CheckedPayload checked = check_payload(channel_created(), text);
  CHECK(checked.json == text);
  REQUIRE(checked.extra_fields.size() > 400);
  CHECK(checked.extra_fields.front() == "extra_0");
}

TEST_CASE("payloads beyond 64 KiB are checked as strictly as small ones") {
  // These take a parser of their own rather than the thread's reused one.
  const std::string text = large_payload(200 * 1024);
  CHECK(check_payload(channel_created(), text).json == text);
  CHECK_THAT(payload_error(text + " x"), StartsWith("invalid JSON payload "
                                                    "for channel.created: "
                                                    "syntax error at byte "));
  const std::string deep = text.substr(0, text.size() - 1) +
                           ",\"deep\":" + std::string(64, '[') +
                           std::string(64, ']') + "}";
  CHECK_THAT(payload_error(deep), Contains("nested deeper than 64 levels"));
  // And the small ones after them still take the reused parser.
  CHECK(check_payload(channel_created(), "{}").json == "{}");
}

}  // namespace
}  // namespace eventhost
