#include "state/sqlite_handle.h"

#include <sqlite3.h>

#include <utility>

#include "common/error.h"
#include "state/fault_vfs.h"

namespace eventhost::sql {
namespace {

// Long enough to ride out another process's write transaction, short enough
// that a wedged peer surfaces as an error instead of a hang.
constexpr int kBusyTimeoutMs = 5000;

std::string not_a_state_file_message(const std::string& path) {
  return path +
         " is not an eventhost state file (it is not a SQLite database); "
         "move it away or pass another --state file";
}

}  // namespace

Connection::Connection(const std::filesystem::path& path)
    : path_(path.string()) {
  install_fault_vfs_if_requested();  // test-only; see fault_vfs.h
  // NOMUTEX: the owner already serializes calls, so SQLite's own mutex
  // would only add cost.
  const int flags =
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message =
        db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw Error(ErrorKind::kIo,
                path_ + ": opening the state database: " + message);
  }
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
}

Connection::~Connection() { sqlite3_close_v2(db_); }

void Connection::exec(const char* sql, const std::string& doing) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    fail(doing);
  }
}

std::uint64_t Connection::changes() const {
  return static_cast<std::uint64_t>(sqlite3_changes64(db_));
}

Statement Connection::prepare(const char* sql, const std::string& doing) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) {
    fail(doing);
  }
  return Statement(*this, stmt, doing);
}

void Connection::fail(const std::string& doing) const {
  // SQLite only notices a foreign file when it first reads the header, so
  // this can surface on any statement, not just at open.
  if (sqlite3_errcode(db_) == SQLITE_NOTADB) {
    throw Error(ErrorKind::kIo, not_a_state_file_message(path_));
  }
  const int code = sqlite3_errcode(db_) & 0xff;  // the primary code
  std::string advice;
  if (code == SQLITE_CORRUPT) {
    advice =
        "; the state file is damaged: restore it from a backup, or "
        "move it aside (with its -wal and -shm files) to start afresh "
        "(plugins, settings and the journal are then forgotten)";
  } else if (code == SQLITE_READONLY || code == SQLITE_PERM ||
             code == SQLITE_CANTOPEN) {
    advice =
        "; eventhost needs to write its state file and the folder it "
        "is in: check their owner and permissions, or pass --state";
  } else if (code == SQLITE_FULL) {
    advice = "; the disk is full: free space, then run the command again";
  } else if (code == SQLITE_IOERR) {
    advice =
        "; the disk failed a write: check the system log (dmesg) and "
        "the disk, then run the command again";
  }
  throw Error(ErrorKind::kIo,
              path_ + ": " + doing + ": " + sqlite3_errmsg(db_) + advice);
}

void Connection::rollback_quietly() noexcept {
  // SQLite may already have rolled back on its own (e.g. after SQLITE_FULL).
  if (sqlite3_get_autocommit(db_) == 0) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

Statement::Statement(Connection& connection, sqlite3_stmt* stmt,
                     std::string doing)
    : connection_(connection), stmt_(stmt), doing_(std::move(doing)) {}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, const std::string& text) {
  // SQLITE_TRANSIENT: callers may bind temporaries.
  if (sqlite3_bind_text(stmt_, index, text.data(),
                        static_cast<int>(text.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK) {
    connection_.fail(doing_);
  }
  return *this;
}

Statement& Statement::bind_static(int index, std::string_view text) {
  if (sqlite3_bind_text(stmt_, index, text.data(),
                        static_cast<int>(text.size()),
                        SQLITE_STATIC) != SQLITE_OK) {
    connection_.fail(doing_);
  }
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) {
    connection_.fail(doing_);
  }
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  connection_.fail(doing_);
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::text(int column) const {
  const auto* bytes = sqlite3_column_text(stmt_, column);
  if (bytes == nullptr) return {};
  const int size = sqlite3_column_bytes(stmt_, column);
  return std::string(reinterpret_cast<const char*>(bytes),
                     static_cast<std::size_t>(size));
}

std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

Transaction::Transaction(Connection& connection) : connection_(connection) {
  connection_.exec("BEGIN IMMEDIATE", "starting a write transaction");
}

Transaction::~Transaction() {
  if (!committed_) connection_.rollback_quietly();
}

void Transaction::commit() {
  connection_.exec("COMMIT", "committing a write transaction");
  committed_ = true;
}

std::int64_t memory_used() { return sqlite3_memory_used(); }

}  // namespace eventhost::sql
