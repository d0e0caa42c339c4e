// A small reporting helper for the benchmarks: rows of named figures
// printed as one aligned table, and optionally written as JSON, so every
// benchmark reports the same way. Ratios are computed within one run,
// because these machines are shared and absolute figures drift.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace eventhost::bench {

struct Row {
  std::string name;
  double value = 0;
  std::string unit;
  std::string note;
};

class Report {
 public:
  explicit Report(std::string title) : title_(std::move(title)) {}
  void add(Row row) { rows_.push_back(std::move(row)); }

  void print() const {
    std::size_t width = 4;
    for (const Row& r : rows_) width = std::max(width, r.name.size());
    std::printf("\n%s\n", title_.c_str());
    std::printf("%-*s  %14s  %-10s  %s\n", static_cast<int>(width), "what",
                "value", "unit", "note");
    for (const Row& r : rows_) {
      std::printf("%-*s  %14.2f  %-10s  %s\n", static_cast<int>(width),
                  r.name.c_str(), r.value, r.unit.c_str(), r.note.c_str());
    }
  }

  void write_json(const std::string& path) const {
    nlohmann::json rows = nlohmann::json::array();
    for (const Row& r : rows_) {
      rows.push_back({{"name", r.name},
                      {"value", r.value},
                      {"unit", r.unit},
                      {"note", r.note}});
    }
    std::ofstream(path)
        << nlohmann::json{{"title", title_}, {"rows", rows}}.dump(2) << "\n";
  }

 private:
  std::string title_;
  std::vector<Row> rows_;
};

// Seconds `fn` takes, on the steady clock.
template <typename Fn>
double seconds_of(Fn&& fn) {
  const auto start = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

// The median of `samples` (which it sorts).
inline double median(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return samples.empty() ? 0 : samples[samples.size() / 2];
}

}  // namespace eventhost::bench
