#include "bench_report.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

namespace eventhost::bench {
namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon != std::string::npos) return line.substr(colon + 2);
  }
  return "unknown";
}

std::string utc_now() {
  char text[32];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

nlohmann::json machine() {
  utsname un{};
  uname(&un);
  return {{"cpu", cpu_model()},
          {"cores", std::thread::hardware_concurrency()},
          {"kernel", std::string(un.sysname) + " " + un.release},
          {"date", utc_now()}};
}

}  // namespace

void Report::begin_suite(std::string suite, std::string description) {
  suites_.push_back({std::move(suite), std::move(description), {}});
}

void Report::add(Row row) {
  if (suites_.empty()) begin_suite("misc", "");
  suites_.back().rows.push_back(std::move(row));
}

void Report::fail(const std::string& what) {
  std::fprintf(stderr, "bench: FAILED: %s\n", what.c_str());
  failures_.push_back(what);
}

void Report::print() const {
  std::size_t width = 4;
  for (const Suite& s : suites_) {
    for (const Row& r : s.rows) width = std::max(width, r.name.size());
  }
  const int w = static_cast<int>(width);
  std::printf("\n%-*s  %14s  %-9s  %s\n", w, "what", "value", "unit", "note");
  for (const Suite& s : suites_) {
    std::printf("-- %s: %s\n", s.name.c_str(), s.description.c_str());
    for (const Row& r : s.rows) {
      std::printf("%-*s  %14.2f  %-9s  %s\n", w, r.name.c_str(), r.value,
                  r.unit.c_str(), r.note.c_str());
    }
  }
  for (const std::string& f : failures_) std::printf("FAILED: %s\n", f.c_str());
  std::fflush(stdout);
}

bool Report::write_json(const std::string& path) const {
  nlohmann::json suites = nlohmann::json::array();
  for (const Suite& s : suites_) {
    nlohmann::json rows = nlohmann::json::array();
    for (const Row& r : s.rows) {
      rows.push_back({{"name", r.name},
                      {"value", r.value},
                      {"unit", r.unit},
                      {"note", r.note}});
    }
    suites.push_back(
        {{"suite", s.name}, {"description", s.description}, {"rows", rows}});
  }
  std::ofstream out(path);
  out << nlohmann::json{{"machine", machine()},
                        {"suites", suites},
                        {"failures", failures_}}
             .dump(2)
      << "\n";
  if (!out) {
    std::fprintf(stderr, "bench: could not write %s\n", path.c_str());
    return false;
  }
  return true;
}

bool Report::write_markdown(const std::string& path) const {
  const nlohmann::json m = machine();
  std::ofstream out(path);
  out << "Measured " << m["date"].get<std::string>() << " on "
      << m["cores"].get<unsigned>() << " cores (" << m["cpu"].get<std::string>()
      << "), " << m["kernel"].get<std::string>() << ".\n\n"
      << "| suite | what | value | unit | note |\n|---|---|---:|---|---|\n";
  char value[32];
  for (const Suite& s : suites_) {
    for (const Row& r : s.rows) {
      std::snprintf(value, sizeof value, "%.2f", r.value);
      out << "| " << s.name << " | " << r.name << " | " << value << " | "
          << r.unit << " | " << r.note << " |\n";
    }
  }
  if (!out) {
    std::fprintf(stderr, "bench: could not write %s\n", path.c_str());
    return false;
  }
  return true;
}

}  // namespace eventhost::bench
