// Field types: their names, the ISO 8601 rule for timestamps, and the
// "fields" list forms the catalogue and manifests accept.
#include "catalogue/field_type.h"

#include <catch2/catch.hpp>
#include <string>

#include "catalogue/catalogue.h"

namespace eventhost {
namespace {

using Catch::Matchers::Contains;

TEST_CASE("every field type name reads back as itself") {
  for (FieldType type :
       {FieldType::kInteger, FieldType::kNumber, FieldType::kString,
        FieldType::kBoolean, FieldType::kTimestamp, FieldType::kIntegerArray,
        FieldType::kStringArray}) {
    INFO(to_string(type));
    CHECK(parse_field_type(to_string(type)) == type);
  }
  CHECK_FALSE(parse_field_type("any"));
  CHECK_FALSE(parse_field_type("int"));
  CHECK_FALSE(parse_field_type("Integer"));
  CHECK_FALSE(parse_field_type("array"));
}

TEST_CASE("ISO 8601 dates, times and zones are timestamps") {
  for (const char* text :
       {"2024-05-01", "2024-05-01T20:00", "2024-05-01T20:00:59",
        "2024-05-01T20:00:00Z", "2024-05-01T20:00:00.123456+02:00",
        "2024-05-01 20:00:00+00:00", "2024-05-01T20:00:00,5-05:30",
        "2024-05-01T20:00:00+0200", "2024-05-01T20:00+02",
        "2024-02-29T00:00:00Z", "2000-02-29", "2016-12-31T23:59:60Z",
        "2024-05-01t20:00:00z"}) {
    INFO(text);
    CHECK(is_iso8601_timestamp(text));
  }
}

TEST_CASE("text that is not an ISO 8601 timestamp is not one") {
  for (const char* text : {"",
                           "yesterday",
                           "2024",
                           "2024-5-1",
                           "2024-05",
                           "20240501",
                           "20240501T200000Z",
                           "2024-13-01",
                           "2024-00-10",
                           "2024-04-31",
                           "2023-02-29",
                           "1900-02-29",
                           "2024-05-01T24:00",
                           "2024-05-01T20:60",
                           "2024-05-01T20:00:61",
                           "2024-05-01T20",
                           "2024-05-01T20:00:00.",
                           "2024-05-01Z",
                           "2024-05-01T20:00:00+25:00",
                           "2024-05-01T20:00:00+02:",
                           "2024-05-01T20:00:00 ",
                           " 2024-05-01",
                           "2024-05-01T20:00:00ZZ",
                           "1714593600"}) {
    INFO(text);
    CHECK_FALSE(is_iso8601_timestamp(text));
  }
}

std::string field_list_error(const char* fields_json) {
  EventSpec spec;
  auto problem = read_field_list(nlohmann::json::parse(fields_json), spec);
  return problem ? *problem : "";
}

TEST_CASE("a fields list mixes untyped names and typed fields, in order") {
  EventSpec spec;
  const auto fields = nlohmann::json::parse(
      R"(["note", {"name": "id", "type": "integer"},
          {"name": "tags", "type": "string[]"}])");
  REQUIRE_FALSE(read_field_list(fields, spec));
  CHECK(spec.fields == std::vector<std::string>{"note", "id", "tags"});
  CHECK(spec.field_types == std::vector<FieldType>{FieldType::kAny,
                                                   FieldType::kInteger,
                                                   FieldType::kStringArray});
  CHECK(spec.type_of(1) == FieldType::kInteger);
  CHECK(spec.type_of(7) == FieldType::kAny);
}

TEST_CASE("a bad fields list says which item and what is wrong") {
  CHECK_THAT(field_list_error(R"({"id": "integer"})"),
             Contains("field \"fields\" must be an array"));
  CHECK_THAT(field_list_error(R"(["id", 3])"),
             Contains("fields[1] must be a non-empty string, not 3"));
  CHECK_THAT(field_list_error(R"([{"name": "id", "type": "int"}])"),
             Contains("fields[0].type \"int\" is not one of integer, number, "
                      "string, boolean, timestamp, integer[], string[]"));
  CHECK_THAT(field_list_error(R"([{"name": "id"}])"),
             Contains("fields[0].type must be one of"));
  CHECK_THAT(field_list_error(R"([{"type": "integer"}])"),
             Contains("fields[0].name must be a non-empty string"));
  CHECK_THAT(field_list_error(R"([{"name": "id", "type": "integer",
                                   "nullable": true}])"),
             Contains("fields[0] has an unknown member \"nullable\""));
}

}  // namespace
}  // namespace eventhost
