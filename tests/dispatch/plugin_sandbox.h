// Sandbox -- a private folder per test holding a plugins folder (0755) with
// copies of real built plugins (0644) and room for a fresh state file and
// the files plugins write (recorder, audit_log). Removed afterwards.
//
// Shared by the dispatch and core tests. Thread-safety: one test owns it;
// the Outcomes collector may be fed from pool threads.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "dispatch/delivery.h"

namespace eventhost::testing {

namespace fs = std::filesystem;

// Generous: only a broken host waits this long.
constexpr std::chrono::seconds kIdleTimeout{30};

class Sandbox {
 public:
  Sandbox() {
    std::random_device random;
    for (;;) {
      root_ = fs::temp_directory_path() /
              ("eh-host-test-" + std::to_string(random()));
      if (fs::create_directory(root_)) break;
    }
    fs::permissions(root_, fs::perms(0755));
    fs::create_directory(plugins());
    fs::permissions(plugins(), fs::perms(0755));
  }
  ~Sandbox() {
    std::error_code ignored;  // a failed clean-up must not fail the test
    fs::remove_all(root_, ignored);
  }
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  fs::path plugins() const { return root_ / "plugins"; }
  fs::path state() const { return root_ / "state" / "eventhost.db"; }
  // A path for a file the test or a plugin writes, e.g. "recorder.log".
  fs::path file(const std::string& name) const { return root_ / name; }

  // Copies a test-only plugin ("recorder.so") into the plugins folder.
  // A file already there is kept: overwriting a library that is loaded
  // would corrupt the running copy.
  fs::path add_test_plugin(const std::string& file_name) {
    return add(fs::path(EH_TEST_PLUGINS_DIR) / file_name);
  }
  // Copies a plugin that ships with the host ("audit_log.so").
  fs::path add_shipped_plugin(const std::string& file_name) {
    return add(fs::path(EH_PLUGINS_DIR) / file_name);
  }

 private:
  fs::path add(const fs::path& source) {
    const fs::path target = plugins() / source.filename();
    if (fs::exists(target)) return target;
    fs::copy_file(source, target);
    fs::permissions(target, fs::perms(0644));
    return target;
  }

  fs::path root_;
};

// The lines of a text file; none if it does not exist.
inline std::vector<std::string> read_lines(const fs::path& file) {
  std::vector<std::string> lines;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// One line the recorder wrote: "<symbol> <event id> <event name>".
struct Recorded {
  std::string symbol;
  std::uint64_t id = 0;
  std::string event;
};

inline std::vector<Recorded> recorded(const fs::path& file) {
  std::vector<Recorded> out;
  for (const std::string& line : read_lines(file)) {
    std::istringstream in(line);
    Recorded r;
    in >> r.symbol >> r.id >> r.event;
    out.push_back(r);
  }
  return out;
}

// Collects every DeliveryResult the dispatcher reports, from any thread.
class Outcomes {
 public:
  void add(const DeliveryResult& result) {
    std::lock_guard lock(mutex_);
    results_.push_back(result);
  }
  // Every result so far, in the order reported.
  std::vector<DeliveryResult> all() const {
    std::lock_guard lock(mutex_);
    return results_;
  }
  std::vector<DeliveryResult> of(const std::string& plugin_key) const {
    std::lock_guard lock(mutex_);
    std::vector<DeliveryResult> out;
    for (const DeliveryResult& r : results_) {
      if (r.plugin_key == plugin_key) out.push_back(r);
    }
    return out;
  }
  std::size_t count(const std::string& plugin_key, Outcome outcome) const {
    const auto all = of(plugin_key);
    return static_cast<std::size_t>(std::count_if(
        all.begin(), all.end(),
        [&](const DeliveryResult& r) { return r.outcome == outcome; }));
  }

 private:
  mutable std::mutex mutex_;
  std::vector<DeliveryResult> results_;
};

// Sets an environment variable for one test and restores it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) previous_ = old;
    if (value == nullptr) {
      ::unsetenv(name);
    } else {
      ::setenv(name, value, 1);
    }
  }
  ~ScopedEnv() {
    if (previous_) {
      ::setenv(name_.c_str(), previous_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> previous_;
};

}  // namespace eventhost::testing
