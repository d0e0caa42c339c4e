// MetricsRegistry: the exact exposition, buckets, refusals, threads.
#include <catch2/catch.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "metrics/metrics.h"

using namespace eventhost;

namespace {

void fill_small_registry(MetricsRegistry& reg) {
  const std::string events = "eventhost_events_total";
  const std::string help = "Events emitted, by name and outcome.";
  reg.counter(events, help, {{"event", "channel.created"}, {"outcome", "ok"}})
      .inc(3);
  reg.counter(events, help,
              {{"event", "auth.login_failed"}, {"outcome", "error"}})
      .inc();
  auto& h =
      reg.histogram("eventhost_handler_duration_seconds", "Handler call time.",
                    {{"plugin", "recorder"}}, {0.01, 0.1, 1});
  for (double v : {0.0078125, 0.0625, 0.5, 2.0}) h.observe(v);
  reg.gauge_callback("eventhost_queue_depth", "Events waiting, by plugin.", [] {
    return std::vector<Sample>{{{{"plugin", "a"}}, 5}, {{{"plugin", "b"}}, 0}};
  });
}

}  // namespace

TEST_CASE("A small registry renders exactly") {
  MetricsRegistry reg;
  fill_small_registry(reg);
  CHECK(
      reg.render() ==
      "# HELP eventhost_events_total Events emitted, by name and outcome.\n"
      "# TYPE eventhost_events_total counter\n"
      "eventhost_events_total{event=\"channel.created\",outcome=\"ok\"} 3\n"
      "eventhost_events_total{event=\"auth.login_failed\",outcome=\"error\"} "
      "1\n"
      "# HELP eventhost_handler_duration_seconds Handler call time.\n"
      "# TYPE eventhost_handler_duration_seconds histogram\n"
      "eventhost_handler_duration_seconds_bucket{plugin=\"recorder\",le=\"0."
      "01\"} 1\n"
      "eventhost_handler_duration_seconds_bucket{plugin=\"recorder\",le=\"0."
      "1\"} 2\n"
      "eventhost_handler_duration_seconds_bucket{plugin=\"recorder\",le=\"1\"} "
      "3\n"
      "eventhost_handler_duration_seconds_bucket{plugin=\"recorder\",le=\"+"
      "Inf\"} 4\n"
      "eventhost_handler_duration_seconds_sum{plugin=\"recorder\"} 2.5703125\n"
      "eventhost_handler_duration_seconds_count{plugin=\"recorder\"} 4\n"
      "# HELP eventhost_queue_depth Events waiting, by plugin.\n"
      "# TYPE eventhost_queue_depth gauge\n"
      "eventhost_queue_depth{plugin=\"a\"} 5\n"
      "eventhost_queue_depth{plugin=\"b\"} 0\n");
}

TEST_CASE("Label values and help text are escaped in the exposition") {
  MetricsRegistry reg;
  reg.counter("x_total", "Line one\nback\\slash \"quoted\"",
              {{"path", "C:\\plugins\\\"a\"\nb"}})
      .inc();
  CHECK(reg.render() ==
        "# HELP x_total Line one\\nback\\\\slash \"quoted\"\n"
        "# TYPE x_total counter\n"
        "x_total{path=\"C:\\\\plugins\\\\\\\"a\\\"\\nb\"} 1\n");
}

TEST_CASE("Histogram buckets are cumulative, inclusive, and end in +Inf") {
  Histogram h({0.005, 0.01});
  h.observe(0.005);  // on the bound: counted in le="0.005"
  h.observe(0.001);
  h.observe(0.0075);
  h.observe(30);  // past every bound: +Inf only
  h.observe(std::numeric_limits<double>::quiet_NaN());  // ignored
  const auto snap = h.snapshot();
  CHECK(snap.cumulative == std::vector<std::uint64_t>{2, 3, 4});
  CHECK(snap.count == 4);
  CHECK(snap.sum == Approx(30.0135));
}

TEST_CASE("The default duration buckets run from 0.1 ms to 5 s") {
  MetricsRegistry reg;
  reg.histogram("d_seconds", "", {}).observe(0.0002);
  const std::string text = reg.render();
  CHECK(text.find("# HELP") == std::string::npos);  // no help, no HELP line
  CHECK(text.find("d_seconds_bucket{le=\"0.0001\"} 0\n") != std::string::npos);
  CHECK(text.find("d_seconds_bucket{le=\"0.0005\"} 1\n") != std::string::npos);
  CHECK(text.find("d_seconds_bucket{le=\"5\"} 1\n") != std::string::npos);
  CHECK(default_duration_buckets().size() == 10);
}

TEST_CASE("The same labels in another order are the same child") {
  MetricsRegistry reg;
  Counter& a = reg.counter("c_total", "h", {{"x", "1"}, {"y", "2"}});
  Counter& b = reg.counter("c_total", "h", {{"y", "2"}, {"x", "1"}});
  CHECK(&a == &b);
  for (int i = 0; i < 100; ++i) {  // growth must not move a child
    reg.counter("c_total", "h", {{"x", std::to_string(i)}});
  }
  a.inc();
  CHECK(reg.counter("c_total", "h", {{"x", "1"}, {"y", "2"}}).value() == 1);
}

TEST_CASE(
    "Counters add fractions but never go down, and stay exact when whole") {
  Counter c;
  c.inc(std::uint64_t{1} << 60);
  c.inc();
  CHECK(c.text() == "1152921504606846977");
  Counter seconds;
  seconds.add(0.25);
  seconds.inc(2);
  CHECK(seconds.text() == "2.25");
  CHECK_THROWS_AS(seconds.add(-1), Error);
  CHECK_THROWS_AS(seconds.add(std::numeric_limits<double>::quiet_NaN()), Error);
}

TEST_CASE("Bad names, mixed types and bad buckets are refused") {
  MetricsRegistry reg;
  auto refused = [](auto&& call) {
    try {
      call();
    } catch (const Error& e) {
      return e.kind() == ErrorKind::kInvalidInput;
    }
    return false;
  };
  CHECK(refused([&] { reg.counter("bad-name", "", {}); }));
  CHECK(refused([&] { reg.counter("1st", "", {}); }));
  CHECK(refused([&] { reg.counter("ok_total", "", {{"__x", "v"}}); }));
  CHECK(refused([&] {
    reg.counter("ok_total", "", {{"a", "1"}, {"a", "2"}});
  }));
  CHECK(refused([&] { reg.histogram("h", "", {{"le", "1"}}); }));
  CHECK(refused([&] { reg.histogram("h", "", {}, {1, 1}); }));
  CHECK(refused([&] { reg.histogram("h", "", {}, {2, 1}); }));
  reg.counter("m", "", {});
  CHECK(refused([&] { reg.histogram("m", "", {}); }));
  CHECK(refused([&] {
    reg.gauge_callback("m", "", [] { return std::vector<Sample>{}; });
  }));
  reg.histogram("h2", "", {}, {1, 2});
  CHECK(refused([&] { reg.histogram("h2", "", {{"a", "b"}}, {1, 3}); }));
  reg.gauge_callback("g", "", [] { return std::vector<Sample>{}; });
  CHECK(refused([&] {
    reg.gauge_callback("g", "", [] { return std::vector<Sample>{}; });
  }));
  // What was refused left nothing behind.
  CHECK(reg.render().find("ok_total") == std::string::npos);
}

TEST_CASE("A gauge callback may use the registry while it is rendered") {
  MetricsRegistry reg;
  reg.gauge_callback("g", "", [&reg] {
    reg.counter("scrapes_total", "", {}).inc();
    return std::vector<Sample>{{{}, 1.5}};
  });
  CHECK(reg.render() == "# TYPE g gauge\ng 1.5\n");
  CHECK(reg.render().find("scrapes_total 1\n") != std::string::npos);
}

TEST_CASE("Increments from four threads sum exactly") {
  MetricsRegistry reg;
  constexpr int kThreads = 4;
  constexpr int kEach = 100'000;
  Counter& shared = reg.counter("hits_total", "", {{"k", "v"}});
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto& mine = reg.histogram("lat_seconds", "", {{"t", std::to_string(t)}});
      for (int i = 0; i < kEach; ++i) {
        shared.inc();
        mine.observe(0.001);
        if (i % 10'000 == 0) (void)reg.render();  // scrapes race updates
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(shared.value() == kThreads * kEach);
  for (int t = 0; t < kThreads; ++t) {
    auto& h = reg.histogram("lat_seconds", "", {{"t", std::to_string(t)}});
    CHECK(h.snapshot().count == kEach);
  }
}

TEST_CASE("Every line of the exposition matches the text format grammar") {
  MetricsRegistry reg;
  fill_small_registry(reg);
  reg.counter("weird_total", "quotes \" and \\ and\nnewlines",
              {{"v", "a\"b\\c\nd"}, {"empty", ""}})
      .add(0.5);
  reg.gauge_callback("nothing_yet", "", [] {
    return std::vector<Sample>{{{}, std::numeric_limits<double>::infinity()},
                               {{{"k", "x"}}, -1e-7}};
  });
  const std::string value =
      R"(([+-]?Inf|NaN|[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?))";
  const std::string label = R"([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")";
  const std::regex sample("[a-zA-Z_:][a-zA-Z0-9_:]*(\\{" + label + "(," +
                          label + ")*\\})? " + value);
  const std::regex comment(
      "# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* ([^\\\\\n]|\\\\[\\\\n])*|"
      "TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram))");
  const std::string text = reg.render();
  REQUIRE(text.back() == '\n');
  std::istringstream lines(text);
  std::string line;
  int samples = 0;
  while (std::getline(lines, line)) {
    INFO(line);
    if (line.rfind("#", 0) == 0) {
      CHECK(std::regex_match(line, comment));
    } else {
      CHECK(std::regex_match(line, sample));
      ++samples;
    }
  }
  CHECK(samples == 13);
}
