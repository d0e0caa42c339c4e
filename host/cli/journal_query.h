// Reading the journal's filters from the command line: --since (an event
// id, a UTC time or an age) and --event (a pattern), into a JournalQuery,
// and that query as the daemon's /api/journal query string.
//
// Thread-safety: free functions. Errors: Error(kUsage) saying what --since
// or --event takes.
#pragma once

#include <cstdint>
#include <string>

#include "cli/command.h"
#include "state/journal.h"

namespace eventhost::cli {

// True if `text` is one or more ASCII digits.
bool all_digits(const std::string& text);

// --since and --event of `inv` into a query (limit left at its default).
JournalQuery query_of(const Invocation& inv);

// "?limit=N&after=ID&since_us=T&event=P" for GET /api/journal.
std::string query_string(const JournalQuery& query);

}  // namespace eventhost::cli
