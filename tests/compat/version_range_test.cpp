// VersionRange: the host_version syntax, its errors, and what it admits.
#include "loader/version_range.h"

#include <catch2/catch.hpp>

#include "common/error.h"
#include "loader/manifest.h"

using namespace eventhost;

TEST_CASE("a version range is an AND of clauses over dotted versions") {
  const VersionRange r = VersionRange::parse(" >=0.1.0, <0.2.0 ");
  CHECK(r.text() == ">=0.1.0, <0.2.0");
  CHECK(r.satisfied_by("0.1.0"));
  CHECK(r.satisfied_by("0.1"));  // missing components are 0
  CHECK(r.satisfied_by("0.1.17"));
  CHECK_FALSE(r.satisfied_by("0.2.0"));
  CHECK_FALSE(r.satisfied_by("0.0.9"));
  CHECK_FALSE(r.satisfied_by("1.0"));
}

TEST_CASE("each operator compares as written") {
  CHECK(VersionRange::parse(">0.1").satisfied_by("0.1.1"));
  CHECK_FALSE(VersionRange::parse(">0.1").satisfied_by("0.1.0"));
  CHECK(VersionRange::parse("<=1.2").satisfied_by("1.2.0"));
  CHECK_FALSE(VersionRange::parse("<=1.2").satisfied_by("1.2.1"));
  CHECK(VersionRange::parse("==1.0").satisfied_by("1.0.0"));
  CHECK_FALSE(VersionRange::parse("==1.0").satisfied_by("1.0.1"));
  CHECK(VersionRange::parse("!=1.0").satisfied_by("1.0.1"));
  CHECK_FALSE(VersionRange::parse("!=1.0").satisfied_by("1"));
  CHECK(VersionRange::parse("<0.10").satisfied_by("0.9"));  // numeric, not text
}

TEST_CASE("the compatible-release operator bumps the second-to-last part") {
  const VersionRange patch = VersionRange::parse("~=0.1.0");
  CHECK(patch.satisfied_by("0.1.0"));
  CHECK(patch.satisfied_by("0.1.9"));
  CHECK_FALSE(patch.satisfied_by("0.2.0"));
  CHECK_FALSE(patch.satisfied_by("0.0.9"));
  const VersionRange minor = VersionRange::parse("~=1.4");
  CHECK(minor.satisfied_by("1.4"));
  CHECK(minor.satisfied_by("1.9.3"));
  CHECK_FALSE(minor.satisfied_by("2.0"));
  CHECK_FALSE(minor.satisfied_by("1.3.9"));
}

TEST_CASE("a bad range is refused naming the bad clause") {
  const auto refused = [](const char* text, const char* clause) {
    INFO(text);
    try {
      VersionRange::parse(text);
      FAIL("parsed");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::kInvalidInput);
      CHECK_THAT(e.what(), Catch::Contains(clause));
    }
  };
  refused("", "is empty");
  refused(">=0.1.0,", "is empty");
  refused("0.1.0", "\"0.1.0\" does not start with an operator");
  refused(">=0.1.x", "\">=0.1.x\" has no dotted numeric version");
  refused(">=0.1.0, =>0.2", "\"=>0.2\"");
  refused(">=1..2", "\">=1..2\"");
  refused("~=1", "\"~=1\" needs at least two components");
}

TEST_CASE(
    "a doubled operator is named as an operator where a version belongs") {
  const auto message = [](const char* text) {
    try {
      VersionRange::parse(text);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    FAIL("parsed " << text);
    return std::string();
  };
  CHECK_THAT(message(">=>0.18.0"),
             Catch::Contains("\">=>0.18.0\" has an operator where the version "
                             "belongs: \">\" after \">=\"") &&
                 Catch::Contains("e.g. \">=0.18.0\""));
  CHECK_THAT(message("<0.2, >= ==0.1"),
             Catch::Contains("\">= ==0.1\" has an operator where the version "
                             "belongs: \"==\" after \">=\""));
  CHECK_THAT(message(">="), Catch::Contains("\">=\" has an operator (>=) but "
                                            "no version after it"));
}

TEST_CASE("a manifest's host_version is optional and checked when given") {
  CHECK_FALSE(Manifest::parse(R"({"key": "a"})").host_version.has_value());
  const Manifest m =
      Manifest::parse(R"({"key": "a", "host_version": "~=0.1.0"})");
  REQUIRE(m.host_version.has_value());
  CHECK(m.host_version->text() == "~=0.1.0");
  CHECK_THROWS_WITH(
      Manifest::parse(R"({"key": "a", "host_version": "soon"})"),
      Catch::StartsWith("manifest: host_version clause \"soon\""));
  CHECK_THROWS_WITH(Manifest::parse(R"({"key": "a", "host_version": 1})"),
                    Catch::Contains("host_version must be a string"));
}
