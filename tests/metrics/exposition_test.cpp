// Names, escaping and numbers of the Prometheus text format.
#include "metrics/exposition.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>

using namespace eventhost;

TEST_CASE("Metric names follow [a-zA-Z_:][a-zA-Z0-9_:]*") {
  CHECK(is_valid_metric_name("eventhost_events_total"));
  CHECK(is_valid_metric_name(":job:rate5m"));
  CHECK(is_valid_metric_name("_x9"));
  CHECK_FALSE(is_valid_metric_name(""));
  CHECK_FALSE(is_valid_metric_name("9lives"));
  CHECK_FALSE(is_valid_metric_name("events-total"));
  CHECK_FALSE(is_valid_metric_name("events.total"));
  CHECK_FALSE(is_valid_metric_name("événements"));
}

TEST_CASE("Label names refuse colons and the reserved __ prefix") {
  CHECK(is_valid_label_name("plugin"));
  CHECK(is_valid_label_name("_x"));
  CHECK_FALSE(is_valid_label_name("__name__"));
  CHECK_FALSE(is_valid_label_name("a:b"));
  CHECK_FALSE(is_valid_label_name("1a"));
  CHECK_FALSE(is_valid_label_name(""));
}

TEST_CASE("Values are written so Prometheus parses them") {
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(format_metric_value(0) == "0");
  CHECK(format_metric_value(1) == "1");
  CHECK(format_metric_value(0.005) == "0.005");
  CHECK(format_metric_value(0.0001) == "0.0001");
  CHECK(format_metric_value(-2.5) == "-2.5");
  CHECK(format_metric_value(1e-5) == "1e-05");
  CHECK(format_metric_value(100000) == "100000");
  CHECK(format_metric_value(1e6) == "1e+06");
  CHECK(format_metric_value(1e21) == "1e+21");
  CHECK(format_metric_value(inf) == "+Inf");
  CHECK(format_metric_value(-inf) == "-Inf");
  CHECK(format_metric_value(std::numeric_limits<double>::quiet_NaN()) == "NaN");
}

TEST_CASE(
    "Label values escape backslash, quote and newline; help keeps quotes") {
  CHECK(escape_label_value(R"(C:\p "x")"
                           "\n") == R"(C:\\p \"x\"\n)");
  CHECK(escape_help("say \"hi\"\\\n") == "say \"hi\"\\\\\\n");
}

TEST_CASE("A sample has braces only when it has labels") {
  std::string out;
  append_sample(out, "m", "", {}, "", "1");
  append_sample(out, "m", "_bucket", {}, "+Inf", "2");
  append_sample(out, "m", "_sum", {{"a", "x"}, {"b", "y\""}}, "", "3");
  CHECK(out == "m 1\nm_bucket{le=\"+Inf\"} 2\nm_sum{a=\"x\",b=\"y\\\"\"} 3\n");
}
