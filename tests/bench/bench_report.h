// The benchmarks' shared reporting: rows of named figures, grouped by the
// suite that measured them, printed as one aligned table and written as
// JSON, so every benchmark reports the same way. Ratios are computed within
// one run, because these machines are shared and absolute figures drift.
//
// Thread-safety: a Report is filled by one thread at a time.
#pragma once

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace eventhost::bench {

struct Row {
  std::string name;
  double value = 0;
  std::string unit;
  std::string note;  // what it is measured against, the target, ...
};

class Report {
 public:
  // Rows added from now on belong to `suite`.
  void begin_suite(std::string suite, std::string description);
  void add(Row row);
  // A suite that could not run: printed and counted, never a number.
  void fail(const std::string& what);
  bool failed() const { return !failures_.empty(); }

  void print() const;
  // Writes every row, with the machine it ran on, to `path`. Returns false
  // (and says why on stderr) if the file could not be written.
  bool write_json(const std::string& path) const;
  // The same as a Markdown table (for README.md), machine line first.
  bool write_markdown(const std::string& path) const;

 private:
  struct Suite {
    std::string name, description;
    std::vector<Row> rows;
  };
  std::vector<Suite> suites_;
  std::vector<std::string> failures_;
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

// The q-quantile (0..1) of `sorted` samples, nearest rank.
inline double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(q * (sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)];
}

}  // namespace eventhost::bench
