// eventhost_bench -- runs every benchmark suite and prints one table; with
// --json, also writes it as JSON. README.md "Performance" shows the table.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <set>
#include <string>

#include "bench_suite.h"

namespace eventhost::bench {

std::vector<SuiteEntry>& suites() {
  static std::vector<SuiteEntry> all;
  return all;
}

}  // namespace eventhost::bench

namespace {

using namespace eventhost::bench;

void usage(FILE* out) {
  std::fprintf(out,
               "usage: eventhost_bench [--quick] [--only SUITE[,SUITE...]] "
               "[--json FILE] [--markdown FILE]\n"
               "       eventhost_bench --only soak [--minutes N] "
               "[--kill-every-s S]\n"
               "  Measures eventhost against floors taken in the same run and "
               "prints one table.\n"
               "  --quick   small counts, one round: checks that every suite "
               "runs (figures are not meaningful)\n"
               "  --only    run just these suites\n"
               "  --json    also write the table, with the machine, to FILE\n"
               "  --markdown  also write it as a Markdown table (README.md)\n"
               "  --list    name the suites and exit\n"
               "  --minutes N  the soak's length (default 10; fractions "
               "allowed)\n"
               "  --kill-every-s S  the soak kills -9 and restarts the daemon "
               "every S seconds (default 120; 0 = never)\n"
               "  The soak runs only when --only names it.\n");
}

std::set<std::string> split(const std::string& text) {
  std::set<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) out.insert(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  std::set<std::string> only;
  std::string json_path, markdown_path;
  bool list = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      config.quick = true;
    } else if (arg == "--only" && i + 1 < argc) {
      only = split(argv[++i]);
    } else if (arg == "--json" && i + 1 < argc) {
      json_path = argv[++i];
    } else if (arg == "--markdown" && i + 1 < argc) {
      markdown_path = argv[++i];
    } else if ((arg == "--minutes" || arg == "--kill-every-s") &&
               i + 1 < argc) {
      char* end = nullptr;
      const double value = std::strtod(argv[++i], &end);
      const bool minutes = arg == "--minutes";
      if (end == argv[i] || *end != '\0' || !(value >= 0) ||
          (minutes && value <= 0)) {
        std::fprintf(
            stderr, "eventhost_bench: %s wants a number %s, not '%s'\n",
            arg.c_str(), minutes ? "above 0" : "of 0 or more", argv[i]);
        return 2;
      }
      (minutes ? config.minutes : config.kill_every_s) = value;
    } else if (arg == "--list") {
      list = true;
    } else if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "eventhost_bench: unknown argument '%s'\n",
                   arg.c_str());
      usage(stderr);
      return 2;
    }
  }
  auto entries = suites();
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.order < b.order; });
  for (const std::string& name : only) {
    if (std::none_of(entries.begin(), entries.end(),
                     [&](const auto& e) { return name == e.name; })) {
      std::fprintf(stderr,
                   "eventhost_bench: no suite '%s' (--list names them)\n",
                   name.c_str());
      return 2;
    }
  }
  if (list) {
    for (const auto& e : entries)
      std::printf("%-10s %s%s\n", e.name, e.description,
                  e.on_request ? " (only with --only)" : "");
    return 0;
  }
  Report report;
  for (const auto& e : entries) {
    if (only.empty() ? e.on_request : only.count(e.name) == 0) continue;
    std::fprintf(stderr, "bench: %s ...\n", e.name);
    report.begin_suite(e.name, e.description);
    try {
      e.run(config, report);
    } catch (const std::exception& ex) {
      report.fail(std::string(e.name) + ": " + ex.what());
    }
  }
  report.print();
  if (!json_path.empty() && !report.write_json(json_path)) return 1;
  if (!markdown_path.empty() && !report.write_markdown(markdown_path)) {
    return 1;
  }
  return report.failed() ? 1 : 0;
}
