// Typed payload fields at ingest: a field of the wrong type is refused
// under the strict check (naming the event, the field, the expected and
// the found type) and accepted and reported under the lenient one.
#include <catch2/catch.hpp>
#include <string>

#include "catalogue/catalogue.h"
#include "catalogue/payload.h"
#include "common/error.h"

namespace eventhost {
namespace {

using Catch::Matchers::Contains;

const EventSpec& builtin(const char* name) {
  static const Catalogue catalogue = Catalogue::builtin();
  const EventSpec* spec = catalogue.find(name);
  REQUIRE(spec != nullptr);
  return *spec;
}

// One event with a field of every type, and one untyped.
const EventSpec& every_type() {
  static const EventSpec spec = [] {
    EventSpec s;
    s.name = "demo.every_type";
    s.fields = {"i", "n", "s", "b", "t", "ia", "sa", "any"};
    s.field_types = {FieldType::kInteger,     FieldType::kNumber,
                     FieldType::kString,      FieldType::kBoolean,
                     FieldType::kTimestamp,   FieldType::kIntegerArray,
                     FieldType::kStringArray, FieldType::kAny};
    return s;
  }();
  return spec;
}

std::string refusal(const EventSpec& spec, std::string_view text) {
  try {
    check_payload(spec, text);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kInvalidInput);
    return e.what();
  }
  return "";
}

TEST_CASE(
    "a field of the wrong type is refused naming event, field and types") {
  CHECK(refusal(builtin("channel.created"), R"({"channel_id": "7"})") ==
        "channel.created: field \"channel_id\" must be an integer, got "
        "string (\"7\")");
  CHECK(refusal(builtin("stream.created"), R"({"is_custom": "yes"})") ==
        "stream.created: field \"is_custom\" must be a boolean, got string "
        "(\"yes\")");
  CHECK(refusal(builtin("auth.login_failed"), R"({"username": 42})") ==
        "auth.login_failed: field \"username\" must be a string, got integer "
        "(42)");
  CHECK(refusal(builtin("channel.created"), R"({"channel_number": "101"})") ==
        "channel.created: field \"channel_number\" must be a number, got "
        "string (\"101\")");
}

TEST_CASE("an integer field takes whole numbers within 64 bits only") {
  const EventSpec& spec = every_type();
  for (const char* ok :
       {R"({"i": 3})", R"({"i": -7})", R"({"i": 0})",
        R"({"i": 9223372036854775807})", R"({"i": -9223372036854775808})"}) {
    INFO(ok);
    CHECK_NOTHROW(check_payload(spec, ok));
  }
  CHECK(refusal(spec, R"({"i": 1.5})") ==
        "demo.every_type: field \"i\" must be an integer, got number (1.5)");
  CHECK_THAT(refusal(spec, R"({"i": 3.0})"), Contains("got number"));
  CHECK_THAT(refusal(spec, R"({"i": 1e3})"), Contains("got number"));
  CHECK_THAT(refusal(spec, R"({"i": 9223372036854775808})"),
             Contains("got integer beyond 64 bits"));
  // Beyond 64 bits altogether: read by the fallback parser, refused alike.
  CHECK_THAT(refusal(spec, R"({"i": 123456789012345678901234567890})"),
             Contains("field \"i\" must be an integer, got number"));
}

TEST_CASE("a number field takes integers and fractions") {
  for (const char* ok : {R"({"n": 3})", R"({"n": 1.5})", R"({"n": -2E+3})",
                         R"({"n": 18446744073709551615})"}) {
    INFO(ok);
    CHECK_NOTHROW(check_payload(every_type(), ok));
  }
  CHECK_THAT(refusal(every_type(), R"({"n": true})"),
             Contains("\"n\" must be a number, got boolean (true)"));
}

TEST_CASE("a timestamp field takes ISO 8601 text only") {
  const EventSpec& spec = builtin("recording.scheduled");
  CHECK_NOTHROW(check_payload(spec, R"({"start_time": "2024-05-01T20:00:00Z",
                "end_time": "2024-05-01 21:30:00+02:00"})"));
  CHECK(refusal(spec, R"({"start_time": "tomorrow"})") ==
        "recording.scheduled: field \"start_time\" must be a timestamp (ISO "
        "8601 text such as 2024-05-01T20:00:00Z), got string (\"tomorrow\")");
  CHECK_THAT(refusal(spec, R"({"end_time": 1714593600})"),
             Contains("got integer (1714593600)"));
}

TEST_CASE("array fields check every element") {
  const EventSpec& spec = every_type();
  CHECK_NOTHROW(check_payload(spec, R"({"ia": [1, 2, 3], "sa": ["a", "b"]})"));
  CHECK_NOTHROW(check_payload(spec, R"({"ia": [], "sa": []})"));
  CHECK(refusal(spec, R"({"ia": [1, "2", 3]})") ==
        "demo.every_type: field \"ia\" must be an array of integers, got "
        "array with a string at [1] (\"2\")");
  CHECK(refusal(spec, R"({"sa": ["a", null]})") ==
        "demo.every_type: field \"sa\" must be an array of strings, got "
        "array with a null at [1] (null)");
  CHECK(refusal(spec, R"({"ia": [1, 2.5]})") ==
        "demo.every_type: field \"ia\" must be an array of integers, got "
        "array with a number at [1] (2.5)");
  CHECK(refusal(spec, R"({"ia": 7})") ==
        "demo.every_type: field \"ia\" must be an array of integers, got "
        "integer (7)");
}

TEST_CASE("null and missing fields are accepted whatever their type") {
  CHECK_NOTHROW(
      check_payload(every_type(),
                    R"({"i": null, "n": null, "s": null, "b": null, "t": null,
          "ia": null, "sa": null, "any": null})"));
  CHECK_NOTHROW(check_payload(every_type(), "{}"));
}

TEST_CASE("untyped and extra fields take any value") {
  const CheckedPayload checked = check_payload(
      every_type(), R"({"any": {"deep": [1, "x"]}, "extra": [true]})");
  CHECK(checked.extra_fields == std::vector<std::string>{"extra"});
  CHECK(checked.mismatches.empty());
}

TEST_CASE("a long value is cut short in the refusal") {
  const std::string name(500, 'x');
  const std::string error =
      refusal(every_type(), R"({"i": ")" + name + R"("})");
  CHECK_THAT(error, Contains("got string (\"xxxxxxxx"));
  CHECK_THAT(error, Contains("...)"));
  CHECK(error.size() < 150);
}

TEST_CASE("the lenient check accepts wrong types and reports each field") {
  const CheckedPayload checked =
      check_payload(builtin("channel.created"),
                    R"({"channel_id": "7", "channel_name": "News",
                        "channel_group_id": 1.5, "mood": "happy"})",
                    PayloadCheck::kLenient);
  CHECK(checked.json ==
        R"({"channel_id":"7","channel_name":"News","channel_group_id":1.5,)"
        R"("mood":"happy"})");
  CHECK(checked.extra_fields == std::vector<std::string>{"mood"});
  REQUIRE(checked.mismatches.size() == 2);
  CHECK(checked.mismatches[0].field == "channel_id");
  CHECK(checked.mismatches[0].message ==
        "channel.created: field \"channel_id\" must be an integer, got "
        "string (\"7\")");
  CHECK(checked.mismatches[1].field == "channel_group_id");
  // Not JSON is refused in either mode.
  CHECK_THROWS_AS(
      check_payload(builtin("channel.created"), "{", PayloadCheck::kLenient),
      Error);
}

TEST_CASE("the payload check modes read and print as strict and lenient") {
  CHECK(parse_payload_check("strict") == PayloadCheck::kStrict);
  CHECK(parse_payload_check("lenient") == PayloadCheck::kLenient);
  CHECK_FALSE(parse_payload_check("loose"));
  CHECK(std::string(to_string(PayloadCheck::kLenient)) == "lenient");
}

}  // namespace
}  // namespace eventhost
