// Delivery outcomes: what happened when one event met one plugin.
//
// Thread-safety: plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "dispatch/event.h"

namespace eventhost {

enum class Outcome : std::uint8_t {
  kOk,         // the handler returned EH_OK within its budget
  kError,      // the handler returned a failure code
  kException,  // an exception was caught (SDK layer or host)
  kTimeout,    // the handler ran past the plugin's time budget
  kDropped,    // never called: queue full, or plugin stopped/disabled
  kCrashed,    // its worker process died during the call (process tier)
};

const char* to_string(Outcome outcome);

inline bool is_failure(Outcome o) {
  return o == Outcome::kError || o == Outcome::kException ||
         o == Outcome::kTimeout || o == Outcome::kCrashed;
}

struct DeliveryResult {
  std::string plugin_key;
  std::uint64_t event_id = 0;
  std::string event_name;
  bool catch_all = false;  // called eh_on_any_event, not its on_<...>
  Outcome outcome = Outcome::kOk;
  std::int32_t code = 0;  // the handler's return code
  std::string message;    // set_error text, exception text or drop reason
  std::chrono::nanoseconds duration{0};
  EventPtr event;             // what was (or was not) delivered
  std::uint32_t attempt = 1;  // 1 for the first delivery

  // The function called ("on_channel_created", "eh_on_any_event"). Built
  // on demand: most results are never printed.
  std::string symbol() const;
};

}  // namespace eventhost
