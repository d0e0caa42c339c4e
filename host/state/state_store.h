// StateStore -- everything eventhost remembers between runs, in one SQLite
// file (WAL mode): which plugins are enabled and their pinned SHA-256, why a
// plugin was disabled, settings values, the event level, per-plugin
// delivery counters, and the event id sequence. This is the only place in
// the host that speaks SQL.
//
// Thread-safety: all methods are safe to call from any thread (one internal
// mutex serializes them); keep calls off the dispatch hot path.
// Errors: throws Error(kIo) naming the file and SQLite's message when the
// database cannot be opened, is not an eventhost state file, or a statement
// fails.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace eventhost {

struct PluginState {
  std::string key;
  bool enabled = false;
  std::string sha256;           // pinned when enabled; "" if never enabled
  std::string file;             // path it was enabled from
  std::string disabled_reason;  // set by the circuit breaker, cleared on enable
  std::string isolation;  // "thread", "process", or "" (as the manifest asks)
};

// Per-plugin delivery counters, accumulated across runs.
struct PluginCounters {
  std::uint64_t delivered = 0;   // handler returned EH_OK
  std::uint64_t failed = 0;      // handler returned an error code
  std::uint64_t exceptions = 0;  // an exception was caught
  std::uint64_t timeouts = 0;    // ran past its time budget
  std::uint64_t dropped = 0;     // its queue was full
  std::uint64_t crashes = 0;     // its worker process died in a call
  std::string last_error;        // most recent failure message
};

// An event a plugin did not get after every retry, or that its full queue
// refused; kept until retried or dropped by the operator.
struct DeadLetter {
  std::int64_t id = 0;  // the dead letter's own id
  std::string plugin_key;
  std::uint64_t event_id = 0;
  std::uint32_t attempts = 0;
  std::string outcome;  // "error", "timeout", "dropped", ...
  std::string last_error;
  std::int64_t created_at = 0;  // Unix seconds
};

class StateStore {
 public:
  // Opens or creates the database at `path`, creating parent folders
  // (mode 0700). Applies the schema; refuses a file from a newer eventhost.
  explicit StateStore(const std::filesystem::path& path);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Plugins. get_plugin returns nullopt for a key never seen.
  std::optional<PluginState> get_plugin(const std::string& key);
  std::vector<PluginState> plugins();
  void set_enabled(const std::string& key, const std::string& sha256,
                   const std::string& file);  // clears disabled_reason
  void set_disabled(const std::string& key, const std::string& reason);
  // The user's isolation tier for `key` ("thread", "process", or "" to
  // follow the manifest); kept across enable and disable.
  void set_isolation(const std::string& key, const std::string& isolation);

  // Settings: JSON text of each value the user set, by setting id.
  std::map<std::string, std::string> settings(const std::string& key);
  // Replaces the given values in one transaction.
  void put_settings(const std::string& key,
                    const std::map<std::string, std::string>& values);

  // The persisted event level text, nullopt if never set.
  std::optional<std::string> event_level();
  void set_event_level(const std::string& level);

  // Counters: add() accumulates a run's deltas in one transaction.
  PluginCounters counters(const std::string& key);
  void add_counters(const std::string& key, const PluginCounters& delta);

  // Delivery cursors: the highest event id each plugin finished, with
  // every earlier one it takes finished too. save_cursors() writes many
  // in one transaction.
  std::map<std::string, std::uint64_t> cursors();
  void save_cursors(const std::map<std::string, std::uint64_t>& cursors);

  // Dead letters. add_dead_letter() replaces one for the same plugin and
  // event. `plugin` "" lists every plugin's.
  void add_dead_letter(const DeadLetter& letter);
  std::vector<DeadLetter> dead_letters(const std::string& plugin = "");
  void remove_dead_letters(const std::vector<std::int64_t>& ids);
  void remove_dead_letter(const std::string& plugin, std::uint64_t event_id);

  // Reserves `count` consecutive event ids and returns the first. Ids are
  // unique and increasing across runs of every process using this file.
  std::uint64_t reserve_event_ids(std::uint64_t count);

 private:
  struct Db;  // hides sqlite3 from includers
  std::filesystem::path path_;
  std::mutex mutex_;
  std::unique_ptr<Db> db_;  // GUARDED_BY(mutex_)
};

// Default state file: $EVENTHOST_STATE, else
// $XDG_STATE_HOME/eventhost/state.db, else ~/.local/state/eventhost/state.db.
std::filesystem::path default_state_path();

}  // namespace eventhost
