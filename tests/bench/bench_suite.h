// A benchmark suite: one function that measures one thing (dispatch, the
// journal, HTTP ingest, ...) and adds its rows to the shared Report. Suites
// register themselves with EH_BENCH_SUITE; eventhost_bench runs them in
// `order`, or the ones named with --only.
//
// A suite throws (std::exception) when it cannot measure honestly: a
// plugin did not start, not every event arrived. It never reports a number
// it did not measure.
#pragma once

#include <string>
#include <vector>

#include "bench_report.h"

namespace eventhost::bench {

struct Config {
  // --quick: small counts and one round, to check that every suite runs
  // (the smoke test), not to produce figures worth quoting.
  bool quick = false;
  // Scales a count for the mode: n in full runs, n / 20 (at least 1) when
  // quick.
  int scaled(int n) const { return quick ? std::max(1, n / 20) : n; }
  int rounds(int n) const { return quick ? 1 : n; }
  // The soak's length (--minutes) and how often it kills the daemon
  // (--kill-every-s, 0 = never).
  double minutes = 10;
  double kill_every_s = 120;
};

using SuiteFn = void (*)(const Config&, Report&);

struct SuiteEntry {
  int order;
  const char* name;
  const char* description;
  SuiteFn run;
  // Runs only when named with --only (the soak: minutes, not seconds).
  bool on_request = false;
};

std::vector<SuiteEntry>& suites();

struct RegisterSuite {
  RegisterSuite(int order, const char* name, const char* description,
                SuiteFn run, bool on_request = false) {
    suites().push_back({order, name, description, run, on_request});
  }
};

}  // namespace eventhost::bench

#define EH_BENCH_CONCAT2(a, b) a##b
#define EH_BENCH_CONCAT(a, b) EH_BENCH_CONCAT2(a, b)
// Registers `fn` (any function name, qualified or not) as suite `name`, a
// short word used with --only.
#define EH_BENCH_SUITE(order, name, description, fn)              \
  static const ::eventhost::bench::RegisterSuite EH_BENCH_CONCAT( \
      eh_bench_suite_, __LINE__) {                                \
    order, name, description, fn                                  \
  }
// The same for a suite that runs only when --only names it.
#define EH_BENCH_SUITE_ON_REQUEST(order, name, description, fn)   \
  static const ::eventhost::bench::RegisterSuite EH_BENCH_CONCAT( \
      eh_bench_suite_, __LINE__) {                                \
    order, name, description, fn, true                            \
  }
