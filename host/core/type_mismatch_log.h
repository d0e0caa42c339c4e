// TypeMismatchLog -- the warnings for payload fields of the wrong type that
// --payload-check lenient accepts: the first for an event's field at once,
// then at most one line a second for it with a count of the others (as
// the host logs delivery failures and refused emits), never a line per
// event, however fast a misbehaving emitter sends.
//
// Thread-safety: report() and flush() from any thread (a short lock).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "catalogue/payload.h"

namespace eventhost {

class TypeMismatchLog {
 public:
  // Logs (or counts for the next line) `mismatch` of event `event`.
  void report(const std::string& event, const FieldMismatch& mismatch);
  // Logs the counts not reported yet (at the end of a session).
  void flush();

 private:
  struct State {
    std::chrono::steady_clock::time_point last{};
    std::uint64_t unlogged = 0;
  };
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, State>
      log_;  // GUARDED_BY(mutex_)
};

}  // namespace eventhost
