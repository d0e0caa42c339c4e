// guarded_call -- runs one lifecycle function of a plugin (init, configure,
// action, shutdown) behind the exception barrier, with its set_error /
// set_result captured, and describes a failure in one line.
//
// Thread-safety: stateless; the capture is per thread (CallScope).
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <utility>

#include "dispatch/plugin_context.h"

namespace eventhost {

// "eh_plugin_init returned 2 (invalid argument): <the plugin's message>".
std::string call_failure(const char* what, std::int32_t code,
                         const CallRecord& record);

// Calls `fn` (returning an EH_* code); "" on EH_OK, else what went wrong.
template <typename Fn>
std::string guarded_call(const char* what, CallRecord& record, Fn&& fn) {
  CallScope scope(&record);
  try {
    const std::int32_t code = fn();
    return code == EH_OK ? "" : call_failure(what, code, record);
  } catch (const std::exception& e) {
    return std::string(what) + " threw: " + e.what();
  } catch (...) {
    return std::string(what) + " threw an unknown exception";
  }
}

template <typename Fn>
std::string guarded_call(const char* what, Fn&& fn) {
  CallRecord record;
  return guarded_call(what, record, std::forward<Fn>(fn));
}

}  // namespace eventhost
