#include "state/state_store.h"

#include <limits>

#include "common/error.h"
#include "state/schema.h"
#include "state/sqlite_handle.h"
#include "state/state_file.h"

namespace eventhost {
namespace {

// Statements are prepared per call rather than cached: the store is called
// rarely and off the hot path, and this keeps every statement's lifetime
// inside one lock.

constexpr const char* kNextEventIdName = "next_event_id";
constexpr const char* kEventLevelName = "event_level";

// SQLite integers are signed 64-bit; refuse what would not round-trip.
std::int64_t to_sql_integer(std::uint64_t value, const char* what) {
  if (value >
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    throw Error(
        ErrorKind::kUsage,
        std::string(what) + " is too large to store: " + std::to_string(value));
  }
  return static_cast<std::int64_t>(value);
}

std::uint64_t from_sql_integer(std::int64_t value) {
  return value < 0 ? 0 : static_cast<std::uint64_t>(value);
}

PluginState read_plugin_row(const sql::Statement& row) {
  PluginState state;
  state.key = row.text(0);
  state.enabled = row.integer(1) != 0;
  state.sha256 = row.text(2);
  state.file = row.text(3);
  state.disabled_reason = row.text(4);
  state.isolation = row.text(5);
  return state;
}

// Ids start at 1 so 0 can mean "no id" to callers.
std::int64_t read_next_event_id(sql::Connection& connection,
                                const std::string& doing) {
  auto read =
      connection.prepare("SELECT value FROM config WHERE name = ?1", doing);
  read.bind(1, std::string(kNextEventIdName));
  return read.step() ? read.integer(0) : 1;
}

}  // namespace

struct StateStore::Db {
  Db(const std::filesystem::path& path) : connection(path) {
    const std::string path_text = path.string();
    // Schema first: it refuses a foreign file before WAL mode would
    // rewrite its header.
    state::apply_schema(connection, path_text);
    connection.exec("PRAGMA journal_mode = WAL", "switching to WAL mode");
    connection.exec("PRAGMA synchronous = NORMAL",
                    "setting the synchronous mode");
  }

  sql::Connection connection;
};

StateStore::StateStore(const std::filesystem::path& path) : path_(path) {
  state::create_private_state_file(path_);
  db_ = std::make_unique<Db>(path_);
}

StateStore::~StateStore() = default;

std::optional<PluginState> StateStore::get_plugin(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto stmt = db_->connection.prepare(
      "SELECT key, enabled, sha256, file, disabled_reason, isolation "
      "FROM plugins WHERE key = ?1",
      "reading the state of plugin '" + key + "'");
  stmt.bind(1, key);
  if (!stmt.step()) return std::nullopt;
  return read_plugin_row(stmt);
}

std::vector<PluginState> StateStore::plugins() {
  std::lock_guard lock(mutex_);
  auto stmt = db_->connection.prepare(
      "SELECT key, enabled, sha256, file, disabled_reason, isolation "
      "FROM plugins ORDER BY key",
      "listing plugin states");
  std::vector<PluginState> result;
  while (stmt.step()) result.push_back(read_plugin_row(stmt));
  return result;
}

void StateStore::set_enabled(const std::string& key, const std::string& sha256,
                             const std::string& file) {
  std::lock_guard lock(mutex_);
  const char* sql =
      "INSERT INTO plugins (key, enabled, sha256, file, disabled_reason, "
      "updated_at) VALUES (?1, 1, ?2, ?3, '', CAST(strftime('%s', 'now') AS "
      "INTEGER)) "
      "ON CONFLICT (key) DO UPDATE SET enabled = 1, sha256 = excluded.sha256, "
      "file = excluded.file, disabled_reason = '', "
      "updated_at = excluded.updated_at";
  auto stmt = db_->connection.prepare(
      sql, "saving that plugin '" + key + "' is enabled");
  stmt.bind(1, key).bind(2, sha256).bind(3, file);
  stmt.run();
}

void StateStore::set_disabled(const std::string& key,
                              const std::string& reason) {
  std::lock_guard lock(mutex_);
  // The pin and file stay: they say what was last trusted, and the CLI
  // shows them when explaining why a plugin is off.
  const char* sql =
      "INSERT INTO plugins (key, enabled, disabled_reason, updated_at) "
      "VALUES (?1, 0, ?2, CAST(strftime('%s', 'now') AS INTEGER)) "
      "ON CONFLICT (key) DO UPDATE SET enabled = 0, "
      "disabled_reason = excluded.disabled_reason, "
      "updated_at = excluded.updated_at";
  auto stmt = db_->connection.prepare(
      sql, "saving that plugin '" + key + "' is disabled");
  stmt.bind(1, key).bind(2, reason);
  stmt.run();
}

std::map<std::string, std::string> StateStore::settings(
    const std::string& key) {
  std::lock_guard lock(mutex_);
  auto stmt = db_->connection.prepare(
      "SELECT id, value_json FROM settings WHERE plugin_key = ?1",
      "reading the settings of plugin '" + key + "'");
  stmt.bind(1, key);
  std::map<std::string, std::string> result;
  while (stmt.step()) result.emplace(stmt.text(0), stmt.text(1));
  return result;
}

void StateStore::put_settings(
    const std::string& key, const std::map<std::string, std::string>& values) {
  std::lock_guard lock(mutex_);
  const std::string doing = "saving the settings of plugin '" + key + "'";
  sql::Transaction transaction(db_->connection);
  auto stmt = db_->connection.prepare(
      "INSERT INTO settings (plugin_key, id, value_json) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (plugin_key, id) DO UPDATE SET "
      "value_json = excluded.value_json",
      doing);
  for (const auto& [id, value_json] : values) {
    stmt.bind(1, key).bind(2, id).bind(3, value_json);
    stmt.run();
    stmt.reset();
  }
  transaction.commit();
}

std::optional<std::string> StateStore::event_level() {
  std::lock_guard lock(mutex_);
  auto stmt = db_->connection.prepare(
      "SELECT value FROM config WHERE name = ?1", "reading the event level");
  stmt.bind(1, std::string(kEventLevelName));
  if (!stmt.step()) return std::nullopt;
  return stmt.text(0);
}

void StateStore::set_event_level(const std::string& level) {
  std::lock_guard lock(mutex_);
  auto stmt = db_->connection.prepare(
      "INSERT INTO config (name, value) VALUES (?1, ?2) "
      "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      "saving the event level");
  stmt.bind(1, std::string(kEventLevelName)).bind(2, level);
  stmt.run();
}

void StateStore::set_isolation(const std::string& key,
                               const std::string& isolation) {
  std::lock_guard lock(mutex_);
  const char* sql =
      "INSERT INTO plugins (key, isolation, updated_at) "
      "VALUES (?1, ?2, CAST(strftime('%s', 'now') AS INTEGER)) "
      "ON CONFLICT (key) DO UPDATE SET isolation = excluded.isolation, "
      "updated_at = excluded.updated_at";
  auto stmt = db_->connection.prepare(
      sql, "saving the isolation tier of plugin '" + key + "'");
  stmt.bind(1, key).bind(2, isolation);
  stmt.run();
}

PluginCounters StateStore::counters(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto stmt = db_->connection.prepare(
      "SELECT delivered, failed, exceptions, timeouts, dropped, last_error, "
      "crashes FROM counters WHERE plugin_key = ?1",
      "reading the counters of plugin '" + key + "'");
  stmt.bind(1, key);
  PluginCounters counters;
  if (!stmt.step()) return counters;
  counters.delivered = from_sql_integer(stmt.integer(0));
  counters.failed = from_sql_integer(stmt.integer(1));
  counters.exceptions = from_sql_integer(stmt.integer(2));
  counters.timeouts = from_sql_integer(stmt.integer(3));
  counters.dropped = from_sql_integer(stmt.integer(4));
  counters.last_error = stmt.text(5);
  counters.crashes = from_sql_integer(stmt.integer(6));
  return counters;
}

void StateStore::add_counters(const std::string& key,
                              const PluginCounters& delta) {
  std::lock_guard lock(mutex_);
  // One statement is one transaction. An empty last_error means "no new
  // failure this run", so the previous message survives.
  const char* sql =
      "INSERT INTO counters (plugin_key, delivered, failed, exceptions, "
      "timeouts, dropped, last_error, crashes, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, CAST(strftime('%s', 'now') AS "
      "INTEGER)) "
      "ON CONFLICT (plugin_key) DO UPDATE SET "
      "delivered = delivered + excluded.delivered, "
      "failed = failed + excluded.failed, "
      "exceptions = exceptions + excluded.exceptions, "
      "timeouts = timeouts + excluded.timeouts, "
      "dropped = dropped + excluded.dropped, "
      "crashes = crashes + excluded.crashes, "
      "last_error = CASE WHEN excluded.last_error <> '' "
      "THEN excluded.last_error ELSE last_error END, "
      "updated_at = excluded.updated_at";
  auto stmt = db_->connection.prepare(
      sql, "adding to the counters of plugin '" + key + "'");
  stmt.bind(1, key)
      .bind(2, to_sql_integer(delta.delivered, "delivered count"))
      .bind(3, to_sql_integer(delta.failed, "failed count"))
      .bind(4, to_sql_integer(delta.exceptions, "exception count"))
      .bind(5, to_sql_integer(delta.timeouts, "timeout count"))
      .bind(6, to_sql_integer(delta.dropped, "dropped count"))
      .bind(7, delta.last_error)
      .bind(8, to_sql_integer(delta.crashes, "crash count"));
  stmt.run();
}

std::map<std::string, std::uint64_t> StateStore::cursors() {
  std::lock_guard lock(mutex_);
  auto stmt = db_->connection.prepare(
      "SELECT plugin_key, event_id FROM cursors", "reading delivery cursors");
  std::map<std::string, std::uint64_t> out;
  while (stmt.step()) out[stmt.text(0)] = from_sql_integer(stmt.integer(1));
  return out;
}

void StateStore::save_cursors(
    const std::map<std::string, std::uint64_t>& cursors) {
  if (cursors.empty()) return;
  std::lock_guard lock(mutex_);
  sql::Transaction transaction(db_->connection);
  auto stmt = db_->connection.prepare(
      "INSERT INTO cursors (plugin_key, event_id, updated_at) VALUES (?1, ?2, "
      "CAST(strftime('%s', 'now') AS INTEGER)) ON CONFLICT (plugin_key) DO "
      "UPDATE SET event_id = excluded.event_id, updated_at = "
      "excluded.updated_at",
      "saving delivery cursors");
  for (const auto& [key, id] : cursors) {
    stmt.bind(1, key).bind(2, to_sql_integer(id, "event id"));
    stmt.run();
    stmt.reset();
  }
  transaction.commit();
}

void StateStore::add_dead_letter(const DeadLetter& letter) {
  std::lock_guard lock(mutex_);
  auto stmt = db_->connection.prepare(
      "INSERT INTO dead_letters (plugin_key, event_id, attempts, outcome, "
      "last_error, created_at) VALUES (?1, ?2, ?3, ?4, ?5, "
      "CAST(strftime('%s', 'now') AS INTEGER)) ON CONFLICT (plugin_key, "
      "event_id) DO UPDATE SET attempts = excluded.attempts, outcome = "
      "excluded.outcome, last_error = excluded.last_error, created_at = "
      "excluded.created_at",
      "recording a dead letter for plugin '" + letter.plugin_key + "'");
  stmt.bind(1, letter.plugin_key)
      .bind(2, to_sql_integer(letter.event_id, "event id"))
      .bind(3, static_cast<std::int64_t>(letter.attempts))
      .bind(4, letter.outcome)
      .bind(5, letter.last_error);
  stmt.run();
}

std::vector<DeadLetter> StateStore::dead_letters(const std::string& plugin) {
  std::lock_guard lock(mutex_);
  auto stmt = db_->connection.prepare(
      "SELECT id, plugin_key, event_id, attempts, outcome, last_error, "
      "created_at FROM dead_letters WHERE ?1 = '' OR plugin_key = ?1 "
      "ORDER BY plugin_key, event_id",
      "listing dead letters");
  stmt.bind(1, plugin);
  std::vector<DeadLetter> out;
  while (stmt.step()) {
    DeadLetter d;
    d.id = stmt.integer(0);
    d.plugin_key = stmt.text(1);
    d.event_id = from_sql_integer(stmt.integer(2));
    d.attempts = static_cast<std::uint32_t>(stmt.integer(3));
    d.outcome = stmt.text(4);
    d.last_error = stmt.text(5);
    d.created_at = stmt.integer(6);
    out.push_back(std::move(d));
  }
  return out;
}

void StateStore::remove_dead_letters(const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return;
  std::lock_guard lock(mutex_);
  sql::Transaction transaction(db_->connection);
  auto stmt = db_->connection.prepare("DELETE FROM dead_letters WHERE id = ?1",
                                      "removing dead letters");
  for (const std::int64_t id : ids) {
    stmt.bind(1, id);
    stmt.run();
    stmt.reset();
  }
  transaction.commit();
}

void StateStore::remove_dead_letter(const std::string& plugin,
                                    std::uint64_t event_id) {
  std::lock_guard lock(mutex_);
  auto stmt = db_->connection.prepare(
      "DELETE FROM dead_letters WHERE plugin_key = ?1 AND event_id = ?2",
      "clearing a dead letter of plugin '" + plugin + "'");
  stmt.bind(1, plugin).bind(2, to_sql_integer(event_id, "event id"));
  stmt.run();
}

std::uint64_t StateStore::reserve_event_ids(std::uint64_t count) {
  if (count == 0) {
    throw Error(ErrorKind::kUsage,
                "reserve_event_ids needs a count of 1 or more");
  }
  std::lock_guard lock(mutex_);
  const std::string doing = "reserving event ids";
  // Immediate: read and write under the write lock, so two processes can
  // never read the same next id.
  sql::Transaction transaction(db_->connection);
  const std::int64_t first = read_next_event_id(db_->connection, doing);
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  const std::int64_t wanted = to_sql_integer(count, "event id count");
  if (first < 1 || wanted > max - first) {
    throw Error(ErrorKind::kIo, path_.string() +
                                    ": the event id sequence is exhausted or "
                                    "damaged; use another --state file");
  }
  auto write = db_->connection.prepare(
      "INSERT INTO config (name, value) VALUES (?1, ?2) "
      "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      doing);
  write.bind(1, std::string(kNextEventIdName)).bind(2, first + wanted);
  write.run();
  transaction.commit();
  return static_cast<std::uint64_t>(first);
}

}  // namespace eventhost
