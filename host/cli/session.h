// Session helpers: a Host started for one command and stopped after it.
//
// Management commands (enable, disable, configure, run, deadletters retry,
// replay) start a session without announcing it, so a change reaches the
// loaded plugins live (and enabling proves the plugin starts); they do not
// deliver again what a previous run left unfinished, and a command that
// changes a plugin without needing its code leaves that plugin unloaded,
// so it works whatever the plugin does. emit announces its session, so
// plugins see system.startup and system.shutdown, and redelivers.
//
// Thread-safety: main thread only.
#pragma once

#include <chrono>

#include "core/host.h"

namespace eventhost::cli {

// The session of a command that emits events (see the top of this file).
SessionOptions emitting_session();
// The session of a management command; `leave_unloaded` is the plugin it
// changes without needing its code ("" = load every enabled plugin).
SessionOptions management_session(const std::string& leave_unloaded = "");

// Starts `host`'s session. First warns on stderr if the previous run died
// inside a plugin call (naming the plugin); in safe mode, says that no
// plugin was loaded and how many enabled ones were left alone.
void start_session(Host& host, const SessionOptions& session);

// How long a command waits for queued deliveries before it stops the host.
inline constexpr std::chrono::milliseconds kDefaultWait{30000};

// Waits up to `wait` for queued deliveries; false (and a warning) if some
// were still running.
bool wait_for_deliveries(Host& host, std::chrono::milliseconds wait);

// Stops the host. If a plugin is still stuck in a call after the grace
// period its thread cannot be joined: this says which plugin, flushes the
// output and ends the process at once with `status_if_stuck`.
void stop_session(Host& host, int status_if_stuck);

// wait_for_deliveries() then stop_session(); returns what the wait did.
bool finish_session(Host& host, std::chrono::milliseconds wait,
                    int status_if_stuck);

}  // namespace eventhost::cli
