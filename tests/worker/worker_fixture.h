// Helpers for the process-tier tests: Host options that run on a Sandbox
// with the build's worker, and a look at the worker processes themselves.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../core/host_fixture.h"

namespace eventhost::testing {

inline HostOptions worker_host_options(const Sandbox& box, Outcomes* outcomes,
                                       std::uint32_t breaker_threshold = 5) {
  HostOptions options = host_options(box, outcomes, breaker_threshold);
  options.worker_kill_grace = std::chrono::milliseconds(200);
  return options;
}

// Pids of the live eventhost-worker processes whose parent is `parent`.
inline std::vector<pid_t> worker_pids(pid_t parent = ::getpid()) {
  std::vector<pid_t> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // pid (comm) state ppid ...; comm may hold spaces, so split at ')'.
    const auto open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    const std::string comm = line.substr(open + 1, close - open - 1);
    std::istringstream rest(line.substr(close + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent && state != 'Z' &&
        comm.rfind("eventhost-worke", 0) == 0) {
      found.push_back(static_cast<pid_t>(std::stol(name)));
    }
  }
  return found;
}

// Whether `pid` is a live process (not gone, not a zombie).
inline bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() &&
         line[close + 2] != 'Z';
}

// Polls `done` every 10 ms for up to `limit`; returns its last answer.
inline bool eventually(
    const std::function<bool()>& done,
    std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// The runner stats of `key` in a started host.
inline RunnerStats stats_of(const Host& host, const std::string& key) {
  for (const auto& [k, s] : host.runner_stats()) {
    if (k == key) return s;
  }
  return {};
}

}  // namespace eventhost::testing
