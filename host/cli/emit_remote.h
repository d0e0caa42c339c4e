// `eventhost emit` against a running daemon: the event goes to its
// POST /api/events (over the control socket) and is delivered there,
// asynchronously; the command reports the id it was given, not the
// plugins' outcomes (see `plugins info`, /api/events/stats or the live
// stream for those).
//
// --ndjson sends the lines in batches as they arrive, so a pipe feeds the
// daemon continuously; a rejected line is reported with its number and
// the rest of its batch is sent again without it, so one bad line never
// costs the others.
//
// Thread-safety: main thread only.
#pragma once

#include <string>

#include "cli/command.h"
#include "cli/daemon_client.h"

namespace eventhost::cli {

// Exits 0, or 3/4 for an unknown event or bad payload.
int emit_one_remote(const Invocation& inv, DaemonClient& daemon,
                    const std::string& event, const std::string& payload);

// Exits 4 if any line was rejected, else 0.
int emit_ndjson_remote(const Invocation& inv, DaemonClient& daemon);

}  // namespace eventhost::cli
