// The state database's schema and its versioning.
//
// The schema version lives in PRAGMA user_version; the file is marked as
// eventhost's with PRAGMA application_id, a field SQLite reserves in the
// file header for exactly this, so no extra table is needed to recognise it.
//
// Thread-safety: none; the caller serializes use of the connection.
// Errors: Error(kIo) when the file belongs to another application, was
// written by a newer eventhost, or a statement fails.
#pragma once

#include "state/sqlite_handle.h"

namespace eventhost::state {

// The schema version this build writes.
inline constexpr int kSchemaVersion = 3;

// Brings the database at `db` (whose file is `path_text`) up to
// kSchemaVersion in one write transaction, refusing foreign or newer files
// before changing anything.
void apply_schema(sql::Connection& db, const std::string& path_text);

}  // namespace eventhost::state
