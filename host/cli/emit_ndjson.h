// `eventhost emit --ndjson FILE|-`: emits a stream of events, one JSON
// object {"event": "...", "data": {...}} per line, in one announced
// session. A bad line is reported with its number and why and does not
// stop the others; a summary follows.
//
// Thread-safety: main thread only.
#pragma once

#include "cli/command.h"

namespace eventhost::cli {

// Returns 4 if any line was rejected, else 6 if any delivery failed or was
// dropped, else 0.
int emit_ndjson(const Invocation& inv);

}  // namespace eventhost::cli
