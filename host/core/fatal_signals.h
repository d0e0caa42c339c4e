// FatalSignalWatch -- while one exists, a fatal signal raised by code
// running in a plugin call (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT,
// SIGSYS) is first noted in the flight recorder's slot of that call, then
// handled as before: the previous disposition is restored and the signal
// raised again, so the process still dies of it (exit 128 + signal) and a
// sanitizer's or debugger's handler still sees it.
//
// The note is what lets the next start tell a crash in a plugin (its event
// becomes a dead letter at once) from a kill from outside during the call
// (the event is delivered again, once).
//
// A stack overflow in a plugin is not noted: the handler has no stack of
// its own to run on. Such a crash is then treated like a kill from outside.
//
// Thread-safety: construct and destroy on the controlling thread; watches
// nest (the first installs the handlers, the last restores them).
// Errors: none; a handler that cannot be installed is logged and skipped.
#pragma once

namespace eventhost {

class FatalSignalWatch {
 public:
  FatalSignalWatch();
  ~FatalSignalWatch();
  FatalSignalWatch(const FatalSignalWatch&) = delete;
  FatalSignalWatch& operator=(const FatalSignalWatch&) = delete;
};

}  // namespace eventhost
