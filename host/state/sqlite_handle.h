// Small RAII wrappers over the SQLite C API, private to the state component:
// a Connection owns one sqlite3 handle, a Statement one sqlite3_stmt, and a
// Transaction one BEGIN IMMEDIATE ... COMMIT span that rolls back unless
// committed.
//
// Thread-safety: none. The owner (StateStore) serializes every use of a
// Connection and of the Statements prepared from it.
// Errors: every failure throws Error(kIo, "<path>: <what was being done>:
// <sqlite message>"); a file that is not a SQLite database gets a message
// saying it is not an eventhost state file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace eventhost::sql {

class Statement;

class Connection {
 public:
  // Opens (creating if missing) the database file, with a busy timeout so
  // several eventhost processes can share it.
  explicit Connection(const std::filesystem::path& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs SQL that binds no values and returns no rows (DDL, BEGIN, ...).
  void exec(const char* sql, const std::string& doing);
  Statement prepare(const char* sql, const std::string& doing);

  // Rows the most recent INSERT, UPDATE or DELETE on this connection
  // changed.
  std::uint64_t changes() const;

  // Throws the Error describing SQLite's most recent failure.
  [[noreturn]] void fail(const std::string& doing) const;

  // Rolls back an open transaction, ignoring errors: used on unwind paths
  // where the original exception is the one worth reporting.
  void rollback_quietly() noexcept;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement(Connection& connection, sqlite3_stmt* stmt, std::string doing);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are numbered from 1, as in SQLite.
  Statement& bind(int index, const std::string& text);
  Statement& bind(int index, std::int64_t value);
  // Binds `text` without copying it: it must stay valid and unchanged
  // until the statement is reset or destroyed. For hot paths that bind
  // text they own anyway (the journal's batch).
  Statement& bind_static(int index, std::string_view text);

  // Advances one row; false once the statement is done.
  bool step();
  // Steps to completion, for statements that return no rows.
  void run();
  // Makes the statement ready to be bound and stepped again.
  void reset();

  // Columns are numbered from 0, as in SQLite. NULL reads as "" or 0.
  std::string text(int column) const;
  std::int64_t integer(int column) const;

 private:
  Connection& connection_;
  sqlite3_stmt* stmt_;
  std::string doing_;
};

// BEGIN IMMEDIATE takes the write lock up front: in WAL mode a deferred
// transaction that later upgrades to a writer can fail with SQLITE_BUSY
// without waiting, so every read-modify-write here starts immediate.
class Transaction {
 public:
  explicit Transaction(Connection& connection);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();

 private:
  Connection& connection_;
  bool committed_ = false;
};

// Bytes SQLite has allocated in this process, every connection's page
// cache included (sqlite3_memory_used). Any thread.
std::int64_t memory_used();

}  // namespace eventhost::sql
