// The state file itself: WAL mode, private permissions, refusal of files
// that are not ours, and where the file lives by default.
#include <sqlite3.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include "common/error.h"
#include "state/state_store.h"
#include "temp_dir.h"

using eventhost::Error;
using eventhost::ErrorKind;
using eventhost::StateStore;
using eventhost::testing::TempDir;

namespace {

// Runs SQL on the file through SQLite directly, as an outside tool would.
void run_sql(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  REQUIRE(message == "");
  REQUIRE(rc == SQLITE_OK);
}

std::string query_text(const std::filesystem::path& file,
                       const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  const std::string text =
      reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return text;
}

unsigned mode_of(const std::filesystem::path& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 0777;
}

// Opening must fail with Error(kIo) whose message names the file and says
// `expected`.
void require_refused(const std::filesystem::path& file,
                     const std::string& expected) {
  try {
    StateStore store(file);
    FAIL("opening " << file << " should have been refused");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kIo);
    const std::string message = e.what();
    CHECK_THAT(message, Catch::Contains(file.string()));
    CHECK_THAT(message, Catch::Contains(expected));
  }
}

// Sets or unsets an environment variable for one scope, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("the state file is in WAL mode") {
  TempDir dir;
  const auto file = dir.path() / "state.db";
  { StateStore store(file); }
  CHECK(query_text(file, "PRAGMA journal_mode") == "wal");
}

TEST_CASE("the state file is 0600 and new folders 0700 whatever the umask") {
  TempDir dir;
  const auto folder = dir.path() / "a" / "b";
  const auto file = folder / "state.db";
  const mode_t old_umask = ::umask(0);
  {
    StateStore store(file);
    store.set_event_level("FULL");
  }
  ::umask(old_umask);
  CHECK(mode_of(file) == 0600);
  CHECK(mode_of(folder) == 0700);
  CHECK(mode_of(dir.path() / "a") == 0700);
}

TEST_CASE("a file that is not a SQLite database is refused by name") {
  TempDir dir;
  const auto file = dir.path() / "notes.txt";
  {
    std::ofstream out(file);
    for (int i = 0; i < 100; ++i) out << "this is a text file, not state\n";
  }
  require_refused(file, "not an eventhost state file");
}

TEST_CASE("a file written by a newer eventhost is refused by name") {
  TempDir dir;
  const auto file = dir.path() / "state.db";
  { StateStore store(file); }
  run_sql(file, "PRAGMA user_version = 7");
  require_refused(file, "newer eventhost (schema 7)");
}

TEST_CASE("another application's SQLite database is refused untouched") {
  TempDir dir;
  const auto file = dir.path() / "other.db";
  run_sql(file,
          "CREATE TABLE songs (title TEXT); "
          "INSERT INTO songs VALUES ('a');");
  require_refused(file, "not an eventhost state file");
  CHECK(query_text(file, "PRAGMA journal_mode") == "delete");
  CHECK(query_text(file, "SELECT count(*) FROM sqlite_master") == "1");
}

TEST_CASE("default_state_path prefers EVENTHOST_STATE") {
  ScopedEnv state("EVENTHOST_STATE", "/srv/eh/custom.db");
  ScopedEnv xdg("XDG_STATE_HOME", "/xdg");
  CHECK(eventhost::default_state_path() == "/srv/eh/custom.db");
}

TEST_CASE("default_state_path uses XDG_STATE_HOME, then HOME") {
  ScopedEnv state("EVENTHOST_STATE", nullptr);
  ScopedEnv home("HOME", "/home/user");
  {
    ScopedEnv xdg("XDG_STATE_HOME", "/xdg/state");
    CHECK(eventhost::default_state_path() == "/xdg/state/eventhost/state.db");
  }
  {
    ScopedEnv xdg("XDG_STATE_HOME", nullptr);
    CHECK(eventhost::default_state_path() ==
          "/home/user/.local/state/eventhost/state.db");
  }
  {
    // The XDG spec says a relative value is invalid and must be ignored.
    ScopedEnv xdg("XDG_STATE_HOME", "relative/dir");
    CHECK(eventhost::default_state_path() ==
          "/home/user/.local/state/eventhost/state.db");
  }
}
