#include "state/journal.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <string>

#include "common/error.h"
#include "state/sqlite_handle.h"

namespace eventhost {

struct Journal::Db {
  Db(const std::filesystem::path& path, Durability durability)
      : connection(path) {
    connection.exec("PRAGMA journal_mode = WAL", "switching to WAL mode");
    connection.exec(durability == Durability::kFull
                        ? "PRAGMA synchronous = FULL"
                        : "PRAGMA synchronous = NORMAL",
                    "setting the journal's durability");
  }
  sql::Connection connection;
};

namespace {

// How often a journal that failed to write tries again on its own.
constexpr auto kProbeEvery = std::chrono::seconds(1);

JournalEntry read_entry(const sql::Statement& row) {
  JournalEntry e;
  e.id = static_cast<std::uint64_t>(row.integer(0));
  e.name = row.text(1);
  e.payload = row.text(2);
  e.level = static_cast<std::uint32_t>(row.integer(3));
  e.emitted_at_us = row.integer(4);
  return e;
}

// Event patterns are names with '*' wildcards; GLOB matches them as such
// (names hold only [a-z0-9_.], none of GLOB's other specials).
std::string glob_of(const std::string& pattern) {
  return pattern.empty() ? "*" : pattern;
}

// How many entries the journal holds, and its oldest id (0 if empty).
std::pair<std::uint64_t, std::uint64_t> count_rows(sql::Connection& db) {
  auto stmt = db.prepare("SELECT count(*), coalesce(min(id), 0) FROM journal",
                         "counting the journal");
  if (!stmt.step()) return {0, 0};
  return {static_cast<std::uint64_t>(stmt.integer(0)),
          static_cast<std::uint64_t>(stmt.integer(1))};
}

}  // namespace

Journal::Journal(const std::filesystem::path& path, Durability durability)
    : path_(path),
      writer_db_(std::make_unique<Db>(path, durability)),
      reader_db_(std::make_unique<Db>(path, durability)),
      writer_([this] { writer_loop(); }) {}

Journal::~Journal() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_writer_.notify_one();
  writer_.join();
}

std::uint64_t Journal::append(JournalEntry entry) {
  auto owned = std::make_shared<const JournalEntry>(std::move(entry));
  SharedJournalEntry shared{nullptr,        owned->id,    owned->name,
                            owned->payload, owned->level, owned->emitted_at_us};
  shared.owner = std::move(owned);
  return append_shared(std::move(shared));
}

std::uint64_t Journal::append_shared(SharedJournalEntry entry) {
  std::uint64_t ticket;
  bool was_empty;
  {
    std::lock_guard lock(mutex_);
    was_empty = queued_.empty();
    queued_.push_back(std::move(entry));
    ticket = ++appended_;
  }
  // The writer sleeps only when nothing is queued: wake it for the first
  // entry, not for each one it will find anyway.
  if (was_empty) wake_writer_.notify_one();
  return ticket;
}

std::string Journal::wait_durable(std::uint64_t ticket) {
  std::unique_lock lock(mutex_);
  committed_cv_.wait(lock, [&] { return committed_ >= ticket; });
  for (const auto& [first, last, error] : failures_) {
    if (ticket >= first && ticket <= last) return error;
  }
  return "";
}

std::string Journal::flush() {
  std::unique_lock lock(mutex_);
  const std::uint64_t upto = appended_;
  committed_cv_.wait(lock, [&] { return committed_ >= upto; });
  return failures_.empty() ? "" : failures_.front().error;
}

void Journal::writer_loop() {
  std::vector<SharedJournalEntry> batch;
  for (;;) {
    std::uint64_t first = 0, last = 0;
    {
      std::unique_lock lock(mutex_);
      const auto has_work = [this] { return stopping_ || !queued_.empty(); };
      wake_writer_.wait(lock, [&] { return has_work() || !problem_.empty(); });
      // Failing with nothing to write: try again now and then on its own.
      if (!has_work() && !wake_writer_.wait_for(lock, kProbeEvery, has_work)) {
        lock.unlock();
        probe();
        continue;
      }
      if (queued_.empty()) return;  // stopping, all committed
      batch.swap(queued_);
      last = appended_;
      first = last - batch.size() + 1;
    }
    std::string error;
    try {
      commit(batch);
    } catch (const Error& e) {
      error = e.what();
      spdlog::error("journal: {} events were not recorded: {}", batch.size(),
                    error);
    }
    batch.clear();
    {
      std::lock_guard lock(mutex_);
      committed_ = last;
      if (!error.empty()) {
        failures_.push_back({first, last, error});
        if (failures_.size() > 64) failures_.pop_front();
      }
    }
    set_problem(error);
    committed_cv_.notify_all();
  }
}

void Journal::set_problem(const std::string& error) {
  bool recovered;
  {
    std::lock_guard lock(mutex_);
    recovered = error.empty() && !problem_.empty();
    problem_ = error;
  }
  if (recovered) spdlog::info("journal: writing again");
}

std::string Journal::problem() {
  std::lock_guard lock(mutex_);
  return problem_;
}

void Journal::write_failed(const std::string& error) {
  {
    std::lock_guard lock(mutex_);
    problem_ = error;
  }
  // The writer may be asleep with nothing queued: it starts probing.
  wake_writer_.notify_one();
}

// A write that changes nothing but still reaches the disk: the row goes
// in and out within one transaction, yet its page is written at commit.
void Journal::probe() {
  try {
    sql::Connection& db = writer_db_->connection;
    sql::Transaction transaction(db);
    db.exec(
        "INSERT OR REPLACE INTO journal (id, name, payload, level, "
        "emitted_at_us) VALUES (0, '', '', 0, 0)",
        "checking that the journal can write again");
    db.exec("DELETE FROM journal WHERE id = 0",
            "checking that the journal can write again");
    transaction.commit();
  } catch (const Error& e) {
    set_problem(e.what());
    return;
  }
  set_problem("");
}

namespace {

// Rows one INSERT statement writes. Row by row, SQLite's per-statement
// work (step, halt, reset, clear) cost as much as the row itself; in
// statements of 64 rows the writer keeps up with the emitters (perf:
// the writer's backlog was the whole gap between journal on and off).
// 64 rows bind 320 parameters, well under SQLite's limit (999 before
// 3.32, 32766 since).
constexpr std::size_t kRowsPerInsert = 64;

// OR REPLACE, as the journal always wrote: should an id already be in the
// file, the batch still commits (the newer row wins) instead of failing
// with every other event in it.
std::string insert_sql(std::size_t rows) {
  std::string sql =
      "INSERT OR REPLACE INTO journal (id, name, payload, level, "
      "emitted_at_us) VALUES ";
  for (std::size_t i = 0; i < rows; ++i) {
    sql += i == 0 ? "(?,?,?,?,?)" : ",(?,?,?,?,?)";
  }
  return sql;
}

// The batch owns the text (each entry's owner) until the statement is
// reset, so it is bound without a copy.
void bind_row(sql::Statement& insert, int first, const SharedJournalEntry& e) {
  insert.bind(first, static_cast<std::int64_t>(e.id))
      .bind_static(first + 1, e.name)
      .bind_static(first + 2, e.payload)
      .bind(first + 3, static_cast<std::int64_t>(e.level))
      .bind(first + 4, e.emitted_at_us);
}

}  // namespace

void Journal::commit(const std::vector<SharedJournalEntry>& batch) {
  sql::Connection& db = writer_db_->connection;
  sql::Transaction transaction(db);
  std::size_t done = 0;
  if (batch.size() >= kRowsPerInsert) {
    static const std::string many_sql = insert_sql(kRowsPerInsert);
    auto many = db.prepare(many_sql.c_str(), "appending to the event journal");
    for (; batch.size() - done >= kRowsPerInsert; done += kRowsPerInsert) {
      for (std::size_t row = 0; row < kRowsPerInsert; ++row) {
        bind_row(many, static_cast<int>(row * 5 + 1), batch[done + row]);
      }
      many.run();
      many.reset();
    }
  }
  if (done < batch.size()) {
    static const std::string one_sql = insert_sql(1);
    auto one = db.prepare(one_sql.c_str(), "appending to the event journal");
    for (; done < batch.size(); ++done) {
      bind_row(one, 1, batch[done]);
      one.run();
      one.reset();
    }
  }
  transaction.commit();
}

std::vector<JournalEntry> Journal::list(const JournalQuery& query) {
  std::lock_guard lock(read_mutex_);
  auto stmt = reader_db_->connection.prepare(
      "SELECT id, name, payload, level, emitted_at_us FROM journal "
      "WHERE id > ?1 AND emitted_at_us >= ?2 AND name GLOB ?3 "
      "ORDER BY id LIMIT ?4",
      "reading the event journal");
  stmt.bind(1, static_cast<std::int64_t>(query.after_id))
      .bind(2, query.since_us)
      .bind(3, glob_of(query.pattern))
      .bind(4, static_cast<std::int64_t>(query.limit));
  std::vector<JournalEntry> out;
  while (stmt.step()) out.push_back(read_entry(stmt));
  return out;
}

std::optional<JournalEntry> Journal::get(std::uint64_t id) {
  std::lock_guard lock(read_mutex_);
  auto stmt = reader_db_->connection.prepare(
      "SELECT id, name, payload, level, emitted_at_us FROM journal "
      "WHERE id = ?1",
      "reading event " + std::to_string(id) + " from the journal");
  stmt.bind(1, static_cast<std::int64_t>(id));
  if (!stmt.step()) return std::nullopt;
  return read_entry(stmt);
}

std::uint64_t Journal::last_id() {
  std::lock_guard lock(read_mutex_);
  auto stmt = reader_db_->connection.prepare(
      "SELECT coalesce(max(id), 0) FROM journal", "reading the journal's end");
  return stmt.step() ? static_cast<std::uint64_t>(stmt.integer(0)) : 0;
}

namespace {

// Rows one retention transaction deletes at most. A whole trim in one
// transaction (a million rows past a 256 MiB journal) held the database's
// write lock longer than the writer's busy timeout: its commits failed
// with "database is locked" and the events of those batches were not
// recorded (found by the soak). In steps, the writer waits one step.
constexpr std::int64_t kRetentionStep = 20000;

// The first id after `after` (0 if none): steps skip the gaps ids leave
// (a block reserved and not used up before a restart).
std::int64_t next_id(sql::Connection& db, std::int64_t after) {
  auto stmt =
      db.prepare("SELECT coalesce(min(id), 0) FROM journal WHERE id > ?1",
                 "measuring the journal");
  stmt.bind(1, after);
  return stmt.step() ? stmt.integer(0) : 0;
}

// Deletes the rows `where` selects among ids up to `last`, a step of ids
// per transaction; returns how many it deleted. `where` is a condition
// with ?1 (the step's last id) and optionally ?2 (`arg`).
std::uint64_t delete_in_steps(sql::Connection& db, const std::string& where,
                              std::int64_t last, std::int64_t arg) {
  std::uint64_t deleted = 0;
  for (std::int64_t from = next_id(db, 0); from != 0 && from <= last;) {
    const std::int64_t upto = std::min(last, from + kRetentionStep - 1);
    sql::Transaction transaction(db);
    const std::string sql = "DELETE FROM journal WHERE " + where;
    auto stmt = db.prepare(sql.c_str(), "removing old events from the journal");
    stmt.bind(1, upto);
    if (where.find("?2") != std::string::npos) stmt.bind(2, arg);
    stmt.run();
    const std::uint64_t changed = db.changes();
    transaction.commit();
    deleted += changed;
    from = next_id(db, upto);
  }
  return deleted;
}

// The newest entries that fit in `max_bytes` stay; returns the id of the
// newest entry that no longer fits (0 if all fit). Walks from the newest
// entry down and stops there: a window function summing over the whole
// journal had SQLite build a temporary table of it, a spike of 10 MiB and
// more in the daemon's memory once a minute.
std::int64_t first_id_past(sql::Connection& db, std::uint64_t max_bytes) {
  auto newest_first = db.prepare(
      "SELECT id, length(name) + length(payload) FROM journal "
      "ORDER BY id DESC",
      "measuring the journal");
  std::uint64_t total = 0;
  while (newest_first.step()) {
    total += static_cast<std::uint64_t>(newest_first.integer(1));
    if (total > max_bytes) return newest_first.integer(0);
  }
  return 0;
}

// Whether the journal's names and payloads surely fit in `max_bytes`
// without reading them: every byte of them is stored in a page of the
// database (length() counts characters, never more than bytes), so a
// file no larger than the limit holds no more text than that. The walk
// of first_id_past() read the whole journal every pass to find that out.
bool surely_fits(sql::Connection& db, std::uint64_t max_bytes) {
  auto count = db.prepare("PRAGMA page_count", "measuring the journal");
  auto size = db.prepare("PRAGMA page_size", "measuring the journal");
  if (!count.step() || !size.step()) return false;
  return static_cast<std::uint64_t>(count.integer(0)) *
             static_cast<std::uint64_t>(size.integer(0)) <=
         max_bytes;
}

}  // namespace

RetentionReport Journal::enforce_retention(std::int64_t min_time_us,
                                           std::uint64_t max_bytes) {
  std::lock_guard lock(read_mutex_);
  sql::Connection& db = reader_db_->connection;
  // One pass says how many entries there are, the oldest id and the newest
  // id old enough to go (emitted_at_us has no index: each of these was a
  // pass over the whole journal of its own).
  auto survey = db.prepare(
      "SELECT count(*), coalesce(min(id), 0), "
      "coalesce(max(CASE WHEN emitted_at_us < ?1 THEN id END), 0) "
      "FROM journal",
      "measuring the journal");
  survey.bind(1, min_time_us > 0 ? min_time_us
                                 : std::numeric_limits<std::int64_t>::min());
  RetentionReport report;
  std::int64_t newest_old = 0;
  if (survey.step()) {
    report.kept = static_cast<std::uint64_t>(survey.integer(0));
    report.oldest_id = static_cast<std::uint64_t>(survey.integer(1));
    newest_old = survey.integer(2);
  }
  // Counted as deleted, not as the difference of two counts: the writer
  // appends meanwhile, and "before - after" went below zero (a removed
  // count of 2^64 - 30000 in the log).
  if (newest_old > 0) {
    report.removed += delete_in_steps(db, "id <= ?1 AND emitted_at_us < ?2",
                                      newest_old, min_time_us);
  }
  if (max_bytes > 0 && !surely_fits(db, max_bytes)) {
    if (const std::int64_t cut = first_id_past(db, max_bytes); cut != 0)
      report.removed += delete_in_steps(db, "id <= ?1", cut, 0);
  }
  if (report.removed > 0) {
    const auto [after, oldest] = count_rows(db);
    report.kept = after;
    report.oldest_id = oldest;
  }
  return report;
}

}  // namespace eventhost
