#include "state/schema.h"

#include <cstdint>
#include <iterator>
#include <string>

#include "common/error.h"

namespace eventhost::state {
namespace {

// "EVHT" in ASCII (1163282516), written literally in kMigrations[0]
// because PRAGMA values cannot be bound.
constexpr std::int64_t kApplicationId = 0x45564854;

// kMigrations[v] takes the schema from version v to v + 1 and ends by
// recording the new version. A shipped entry is never edited, only appended
// to, so every older file can be brought forward step by step.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE plugins (
  key TEXT PRIMARY KEY NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
  sha256 TEXT NOT NULL DEFAULT '',
  file TEXT NOT NULL DEFAULT '',
  disabled_reason TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL
);
CREATE TABLE settings (
  plugin_key TEXT NOT NULL,
  id TEXT NOT NULL,
  value_json TEXT NOT NULL,
  PRIMARY KEY (plugin_key, id)
) WITHOUT ROWID;
CREATE TABLE config (
  name TEXT PRIMARY KEY NOT NULL,
  value NOT NULL
);
CREATE TABLE counters (
  plugin_key TEXT PRIMARY KEY NOT NULL,
  delivered INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  exceptions INTEGER NOT NULL DEFAULT 0,
  timeouts INTEGER NOT NULL DEFAULT 0,
  dropped INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL
);
PRAGMA application_id = 1163282516;
PRAGMA user_version = 1;
)sql",
    // 2: the process isolation tier -- the user's chosen tier per plugin
    // ('' = as the manifest asks) and a count of worker crashes.
    R"sql(
ALTER TABLE plugins ADD COLUMN isolation TEXT NOT NULL DEFAULT '';
ALTER TABLE counters ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;
PRAGMA user_version = 2;
)sql",
    // 3: durability -- the event journal, each plugin's delivery cursor
    // (the highest event id it finished, contiguously) and dead letters.
    R"sql(
CREATE TABLE journal (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  payload TEXT NOT NULL,
  level INTEGER NOT NULL,
  emitted_at_us INTEGER NOT NULL
);
CREATE TABLE cursors (
  plugin_key TEXT PRIMARY KEY NOT NULL,
  event_id INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  plugin_key TEXT NOT NULL,
  event_id INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  last_error TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (plugin_key, event_id)
);
PRAGMA user_version = 3;
)sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion,
              "one migration per schema version");

std::int64_t read_pragma(sql::Connection& db, const char* sql) {
  auto stmt = db.prepare(sql, "reading the database header");
  return stmt.step() ? stmt.integer(0) : 0;
}

bool has_any_schema_object(sql::Connection& db) {
  auto stmt = db.prepare("SELECT count(*) FROM sqlite_master",
                         "listing the tables in the database");
  return stmt.step() && stmt.integer(0) > 0;
}

// An empty database is adopted; anything else must carry our mark, so we
// never add tables to, or convert to WAL, someone else's database.
void refuse_foreign_database(sql::Connection& db,
                             const std::string& path_text) {
  const std::int64_t application_id = read_pragma(db, "PRAGMA application_id");
  if (application_id == kApplicationId) return;
  if (application_id == 0 && !has_any_schema_object(db)) return;
  throw Error(ErrorKind::kIo,
              path_text +
                  " is a SQLite database of another application, not an "
                  "eventhost state file; pass another --state file");
}

void refuse_newer_schema(std::int64_t version, const std::string& path_text) {
  if (version <= kSchemaVersion) return;
  throw Error(ErrorKind::kIo,
              path_text + " was written by a newer eventhost (schema " +
                  std::to_string(version) +
                  "); upgrade eventhost or use another --state file");
}

}  // namespace

void apply_schema(sql::Connection& db, const std::string& path_text) {
  // One immediate transaction: two processes creating the same new file at
  // once serialize here, and the second sees the first one's schema.
  sql::Transaction transaction(db);
  refuse_foreign_database(db, path_text);
  const std::int64_t version = read_pragma(db, "PRAGMA user_version");
  refuse_newer_schema(version, path_text);
  for (std::int64_t v = version; v < kSchemaVersion; ++v) {
    db.exec(kMigrations[v], "creating schema version " + std::to_string(v + 1));
  }
  transaction.commit();
}

}  // namespace eventhost::state
