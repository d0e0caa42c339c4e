// Host -- the facade over the core: catalogue, loader, state and dispatch.
// Front ends (the CLI today; the daemon, HTTP and Redis bridges later) talk
// to the core only through this class.
//
// A Host has two modes. Constructed, it reads the state file, scans the
// plugins folder (reading files as data; no plugin code runs) and builds
// the catalogue: enough to list, inspect and change settings. start()
// begins a dispatch session: enabled plugins whose files still match their
// pins are loaded, initialized and configured, and events flow until
// stop(). Management calls (enable, disable, configure) work in both modes
// and, in a session, take effect at once.
//
// Thread-safety: emit() and stats() may be called from any thread once
// started; plugins reach host services through a HostGate (host_gate.h).
// Other methods: one controlling thread at a time, except that the const
// ones, run_action() and replay() may run on several at once (no other then).
// Errors: throws eventhost::Error; kNotFound for unknown plugins, events
// or actions (the message names the nearest known one), kInvalidInput for
// bad JSON or settings, kRefused when a rule forbids the request.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalogue/catalogue.h"
#include "catalogue/payload.h"
#include "core/delivery_ledger.h"
#include "core/durability.h"
#include "core/emit_guard.h"
#include "core/event_log.h"
#include "core/fatal_signals.h"
#include "core/flight_recorder.h"
#include "core/host_gate.h"
#include "core/plugin_view.h"
#include "core/shared_config.h"
#include "core/type_mismatch_log.h"
#include "dispatch/delivery.h"
#include "dispatch/dispatcher.h"
#include "dispatch/plugin_context.h"
#include "state/journal.h"
#include "state/state_store.h"
#include "worker/worker_user.h"

namespace eventhost {

struct HostOptions {
  std::filesystem::path plugins_dir;
  std::filesystem::path state_path;
  unsigned threads = 0;                 // 0 = one per core
  std::uint32_t breaker_threshold = 5;  // consecutive failures; 0 = off
  std::chrono::milliseconds shutdown_grace{10000};
  // Sees every delivery outcome, on pool threads. Optional.
  std::function<void(const DeliveryResult&)> observer;
  // Sees every accepted event (not the suppressed ones) once its id is
  // assigned, just before it is queued, on the emitting thread. Optional;
  // it must be quick (the daemon appends to its live stream).
  std::function<void(const Event&)> on_emitted;
  // Sees the name and level set of every event the level suppresses, on
  // the emitting thread. Optional; it must be quick.
  std::function<void(const std::string&, LevelSet)> on_suppressed;
  // Plugin emits: the longest chain of them one event may start (an event
  // from outside is depth 0, one a plugin emits while handling E is E's
  // depth + 1; see dispatch/event.h), 1 to EmitGuard::kMaxMaxDepth. Each
  // refused emit (past this depth, or past the plugin's manifest
  // "max_emits_per_second") is told to on_emit_refused with the plugin's
  // key and "depth" or "rate", on the emitting thread. Optional; quick.
  std::uint32_t max_emit_depth = EmitGuard::kDefaultMaxDepth;
  std::function<void(const std::string&, const char*)> on_emit_refused;
  // A payload field of the wrong type for its declared type: refused with
  // the event (kStrict), or accepted (kLenient), logged (at most a line a
  // second per event and field, TypeMismatchLog) and told to
  // on_type_mismatch with the event and the field, on the emitting thread
  // (optional; quick).
  PayloadCheck payload_check = PayloadCheck::kStrict;
  std::function<void(const std::string&, const std::string&)> on_type_mismatch;
  // start() loads no plugin, for this run only: enabled flags, pins and
  // settings stay as they are, and enable() only records the change.
  bool safe_mode = false;
  // The process tier. The worker executable ("" = find_worker_binary()),
  // crashes within a minute that disable a plugin (0 = never), and how
  // long past its budget a call may run before its worker is killed.
  std::filesystem::path worker_binary;
  std::uint32_t worker_crash_limit = 5;
  std::chrono::milliseconds worker_kill_grace{1000};
  // The user workers run as (worker/worker_user.h); empty: the host's own.
  std::optional<worker::WorkerUser> worker_user;
  // Durability. The journal records every accepted event (off only to
  // measure what it costs: then nothing is retried or redelivered either);
  // how hard a commit is; how long events are kept; and the retry policy a
  // manifest's "retry" does not set: attempts in all, first back-off
  // (doubling each time).
  bool journal = true;
  Durability durability = Durability::kProcess;
  RetentionPolicy retention;
  std::uint32_t retry_attempts = 3;
  std::chrono::milliseconds retry_backoff{100};
  // Makes the event log to use instead of the state file's journal (a
  // cluster's, see core/event_log.h); empty: the state file's.
  std::function<std::unique_ptr<EventLog>()> event_log;
  // This node's name in a cluster ("" outside one): the statuses that are
  // about this node's copy of a plugin (its file differs from the
  // cluster's pin, or is missing) name it.
  std::string node;
};

// An event that passed the catalogue and payload checks (Host::check()),
// ready to emit.
struct CheckedEvent {
  std::string name;
  LevelSet level = LevelSet::kFull;
  std::string payload;                    // minified JSON object text
  std::vector<std::string> extra_fields;  // not in the catalogue's list
  // Fields of the wrong type, accepted under PayloadCheck::kLenient.
  std::vector<FieldMismatch> type_mismatches;
};

// How a session starts (Host::start).
struct SessionOptions {
  // Emit system.startup now and system.shutdown at stop().
  bool announce = false;
  // Deliver again what a previous run left unfinished. Sessions that
  // deliver events do; a management command leaves it to the next of
  // those, so it runs no plugin code it does not need.
  bool redeliver = true;
  // An enabled plugin not to load in this session: the one a command
  // changes without needing its code (disable, --isolation), so the
  // command works whatever that plugin does when loaded.
  std::string leave_unloaded;
};

// What emit() did with one event.
struct EmitOutcome {
  std::uint64_t event_id = 0;  // 0 if suppressed
  std::string event;
  LevelSet level = LevelSet::kFull;
  bool suppressed = false;
  std::vector<std::string> extra_fields;  // not in the catalogue's list
  std::size_t queued = 0;                 // deliveries queued
  std::size_t dropped = 0;                // deliveries refused by full queues
  // Pass to Host::wait_durable() before telling the emitter "accepted".
  std::uint64_t journal_ticket = 0;
  // Fields of the wrong type, accepted under PayloadCheck::kLenient: one
  // FieldMismatch message each.
  std::vector<std::string> type_mismatches;
};

struct HostStats {
  std::array<std::uint64_t, 5> emitted{};     // by LevelSet value
  std::array<std::uint64_t, 5> suppressed{};  // by LevelSet value
  std::array<std::uint64_t, 5> dropped{};     // deliveries refused, by LevelSet
  std::array<std::uint64_t, 2> emits_refused{};  // plugin emits, by EmitRefusal
};

class Host : private DeliveryPort {
 public:
  explicit Host(HostOptions options);
  ~Host() override;
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  // The built-in events plus those the usable plugins declare. The
  // reference stays valid until this thread's next refresh_folder().
  const Catalogue& catalogue() const { return *catalogue_.load(); }
  const HostOptions& options() const { return options_; }

  // If the previous process on this state file died inside a plugin call,
  // one line naming the plugin and suggesting --safe-mode (read at
  // construction, from the flight recorder; see core/flight_recorder.h).
  const std::optional<std::string>& unclean_previous_run() const {
    return unclean_previous_run_;
  }

  // The effective level and its source; warnings name invalid values.
  const LevelResolution& level() const { return level_; }
  // Persists `level`. The environment variable still wins if set.
  void set_level(EventLevel level);

  // What is wrong with the plugins folder ("" if nothing), and whether the
  // host refuses it (writable by group or others): then none of its
  // files is used, and listing or enabling says so instead.
  const std::string& folder_problem() const { return folder_problem_; }
  bool folder_refused() const { return folder_refused_; }

  std::vector<PluginView> plugins() const;
  // Reads the plugins folder again if files were added, removed or
  // changed since the last read; returns the keys seen for the first time
  // (they stay disabled until enabled). Cheap when nothing changed.
  std::vector<std::string> refresh_folder();
  // How many times the folder was read (construction included): moves
  // when refresh_folder() found a file added, removed or changed.
  std::uint64_t folder_reads() const { return folder_reads_; }
  // Throws Error(kNotFound) listing the known keys, or saying why the file
  // KEY.so is unusable; Error(kRefused) if the folder is refused.
  PluginView plugin(const std::string& key) const;

  // Enables `key`: pins the file's SHA-256 and, in a session, loads it and
  // emits plugin.enabled. Throws kRefused if the file is unusable; in a
  // session, throws kRefused if it fails to start (it stays enabled).
  PluginView enable(const std::string& key);
  // Disables `key`; in a session drains and unloads it and, if it was
  // enabled, emits plugin.disabled.
  PluginView disable(const std::string& key);
  // Validates `assignments` ("id" -> user text) against the manifest and
  // persists them; in a session, if a value changed, the running plugin's
  // configure hook sees them first (if it refuses them, it is given its old
  // settings back, nothing is saved and this throws kInvalidInput with its
  // reason), and plugin.configured is emitted.
  PluginView configure(const std::string& key,
                       const std::map<std::string, std::string>& assignments);
  // Sets where `key` runs ("thread" or "process"; "" follows the manifest)
  // and persists it; in a session a running plugin is restarted in its new
  // tier. Throws kInvalidInput for another value.
  PluginView set_isolation(const std::string& key, const std::string& tier);
  // A cluster's shared configuration (host_shared_config.cpp). What this
  // node's state holds for `key` (all defaults if it never heard of it),
  // and for every plugin the state knows, to share with the other nodes.
  SharedPluginConfig shared_config(const std::string& key) const;
  std::vector<SharedPluginConfig> shared_configs() const;
  // The level stored in the state (the environment's is this node's own).
  std::optional<std::string> stored_level() const;
  // Makes this node follow `config` through configure(), set_isolation(),
  // enable() and disable(), with their checks, changing only what differs.
  // A plugin whose file here differs from config's pin, or that has no
  // file here, is recorded enabled with that pin but not run: its status
  // says "pin mismatch on node X" or "missing on node X". A plugin this
  // node's breaker stopped stays stopped unless `revive` (an operator
  // enabled it again). Returns "" or why this node could not follow.
  std::string adopt(const SharedPluginConfig& config, bool revive);

  // Runs a manifest action in a session; returns the plugin's result text.
  std::string run_action(const std::string& key, const std::string& action,
                         std::string_view params_json);

  // Starts a dispatch session (see SessionOptions). First, an event that a
  // plugin was handling when the previous process died (the flight
  // recorder names it) becomes a dead letter for that plugin instead of
  // being delivered again: the operator retries it deliberately. Returns
  // one line per enabled plugin that could not be loaded, saying why.
  std::vector<std::string> start(const SessionOptions& session);
  std::vector<std::string> start(bool announce) {
    SessionOptions session;
    session.announce = announce;
    return start(session);
  }
  bool started() const { return dispatcher_ != nullptr; }

  // Ingest: catalogue check, payload check, level filter, route, queue.
  // Throws kNotFound for an unknown event, kInvalidInput for a bad payload.
  // `overflow` says what to do when a plugin's queue is full (see
  // Dispatcher::Overflow); front ends feeding a file or pipe use kWait.
  EmitOutcome emit(std::string_view event, std::string_view payload,
                   Dispatcher::Overflow overflow = Dispatcher::Overflow::kDrop);
  // The two halves of emit(), for front ends that check a whole batch
  // before emitting any of it. check() throws as emit() does; it may be
  // called before start().
  CheckedEvent check(std::string_view event, std::string_view payload) const;
  // `event` is copied, so one checked event may be emitted many times.
  EmitOutcome emit(const CheckedEvent& event,
                   Dispatcher::Overflow overflow = Dispatcher::Overflow::kDrop);

  // Waits until no delivery is queued, running or waiting for a retry.
  bool wait_idle(std::chrono::milliseconds timeout);
  // Waits until the journal holds every event up to `ticket` (an
  // EmitOutcome's). Returns "" or why it could not record them.
  std::string wait_durable(std::uint64_t ticket);
  // The event's id. In a cluster the stream gives it when the event is
  // stored, so EmitOutcome::event_id is 0 until wait_durable() returned
  // "" for its ticket; then this reads it from the log.
  std::uint64_t assigned_id(const EmitOutcome& outcome);
  // What a failed wait_durable() means for the emitter: kIo (the state
  // file failed; the events were delivered, not recorded) or kUnavailable
  // (a cluster's Redis did not take them; nothing was accepted).
  ErrorKind journal_failure_kind() const;

  // The journal and dead letters, for operators. journal() is null when
  // the journal is off; it opens the event log (the state file's journal,
  // or HostOptions::event_log's) on first use.
  EventLog* journal();
  std::vector<DeadLetter> dead_letters(const std::string& plugin = "") const;
  // Queues again the dead letters with these ids (all of `plugin`'s, or all
  // if both are empty) to their plugins, which must be running; removes
  // them. Returns one line per letter that could not be queued, saying why.
  std::vector<std::string> retry_dead_letters(
      const std::vector<std::int64_t>& ids, const std::string& plugin);
  std::size_t drop_dead_letters(const std::vector<std::int64_t>& ids,
                                const std::string& plugin);
  // Delivers again the journal's events after `after_id` (and emitted at
  // or after `since_us`, matching `pattern`) to the running plugin `key`.
  // `progress` is told the count so far. Returns how many were queued.
  std::size_t replay(const std::string& key, const JournalQuery& query,
                     const std::function<void(std::size_t)>& progress = {});

  struct StopReport {
    bool clean = true;              // every call finished in the grace
    std::vector<std::string> busy;  // plugins still in a call
    std::string journal_error;      // events the journal failed to record
  };
  // Ends the session: system.shutdown, drain, shutdown hooks, counters
  // saved. Safe to call twice. A plugin still in a call after the grace
  // is left running (not joined) and kept loaded until the process exits;
  // whatever it does once stop() has returned (return, emit) no longer
  // reaches this Host, so the Host may be destroyed at once. It waits for
  // hooks running on other threads (observer, on_emitted, ...): call it
  // holding no lock they take.
  StopReport stop();

  HostStats stats() const;
  // "" if the state file answers a query now, else SQLite's message.
  std::string state_problem() const;
  // "" if the journal's last write succeeded, else why it failed (a full
  // disk, an I/O error); clears by itself once writes work again.
  std::string journal_problem() const;
  std::vector<std::pair<std::string, RunnerStats>> runner_stats() const;

 private:
  PluginView view_of(const PluginFile& file) const;
  // In a cluster: the plugins enabled in the state that no file here
  // declares, each with a "missing on node X" status.
  std::vector<PluginView> missing_plugins() const;
  void adopt_settings(const SharedPluginConfig& config, const PluginView& view);
  struct Scanned;
  void rescan();
  void open_flight_recorder();
  std::string load_plugin(const PluginView& view);
  std::string load_in_thread(const PluginView& view);
  std::string load_in_worker(const PluginView& view);
  RunnerConfig runner_config(const PluginView& view) const;
  void unload(const std::shared_ptr<PluginRunner>& runner);
  std::shared_ptr<const PluginSettings> settings_for(
      const PluginView& view) const;
  void emit_host_event(const std::string& name, const std::string& payload);
  // emit() of an event at `depth`, emitted while handling `cause` (null
  // for none).
  EmitOutcome emit_caused(const CheckedEvent& checked,
                          Dispatcher::Overflow overflow, std::uint32_t depth,
                          EventPtr cause);
  EmitOutcome append_for_cluster(const CheckedEvent& checked,
                                 std::uint32_t depth, EmitOutcome outcome);
  // DeliveryPort (core/event_log.h; host_cluster.cpp), for a cluster's log
  // on its delivery thread.
  std::vector<Consumer> consumers() override;
  Delivery deliver(const std::string& key, const EventPtr& event,
                   std::uint32_t attempt) override;
  bool hands_back() const { return journal_ && journal_->hands_back(); }
  void on_result(const DeliveryResult& result);
  void on_trip(PluginRunner& runner, const std::string& reason);
  void save_counters(const PluginRunner& runner);
  std::uint64_t next_event_id();

  // What a plugin's eh_host_api emit does, reached through gate_.
  std::int32_t plugin_emit(const EmitSource& source, std::string_view event,
                           std::string_view payload);

  HostOptions options_;
  EmitGuard emit_guard_{options_.max_emit_depth};
  TypeMismatchLog type_mismatch_log_;
  std::unique_ptr<StateStore> state_;
  LevelResolution level_;
  // level_.level, for emit() on any thread while set_level() changes it.
  std::atomic<EventLevel> effective_level_{EventLevel::kFull};
  // Replaced whole by rescan(); emit() on any thread reads a snapshot.
  std::atomic<std::shared_ptr<const Catalogue>> catalogue_;
  std::string folder_signature_;
  std::uint64_t folder_reads_ = 0;
  // Written by the controlling thread only; on_trip() reads it from a pool
  // thread under files_mutex_.
  mutable std::mutex files_mutex_;
  std::vector<PluginFile> files_;
  std::string folder_problem_;
  bool folder_refused_ = false;
  std::map<std::string, std::string> declared_event_problems_;  // by path

  void open_durability();
  void dead_letter_crashed_events();
  void redeliver_unfinished();
  void settle(const DeliveryResult& r);
  void start_cursor_now(const std::string& key);
  EventPtr event_of(const JournalEntry& entry) const;

  std::unique_ptr<EventLog> journal_;
  DeliveryLedger ledger_;
  std::unique_ptr<DurabilityService> durability_;  // in a session
  // In a session. Everything a thread the Host does not own calls (the
  // dispatcher's callbacks, the plugins' host services) passes gate_,
  // which stop() closes before it lets go of what they reach.
  std::shared_ptr<HostGate> gate_;
  std::unique_ptr<Dispatcher> dispatcher_;
  bool announced_ = false;
  std::optional<std::string> unclean_previous_run_;
  // The calls the previous process died in (read at construction, before
  // a session's recorder starts a new record).
  std::vector<UnfinishedCall> unfinished_calls_;
  std::shared_ptr<FlightRecorder> recorder_;  // in a session, if it opened
  std::unique_ptr<FatalSignalWatch> signal_watch_;  // with recorder_

  std::mutex ids_mutex_;
  std::uint64_t next_id_ = 0, id_limit_ = 0,
                id_block_ = 0;  // GUARDED_BY(ids_mutex_)

  mutable std::mutex errors_mutex_;
  std::map<std::string, std::string> last_error_;  // GUARDED_BY(errors_mutex_)
  // Failures and drops come in floods when a plugin breaks or falls
  // behind: the first is logged, then at most one line a second per plugin
  // and kind, with a count of the ones not logged (never a line per event).
  struct DropLog {
    std::chrono::steady_clock::time_point last{};
    std::uint64_t unlogged = 0;
  };
  // Keyed by plugin key, then "failed" or "dropped".
  std::map<std::pair<std::string, std::string>, DropLog>
      drop_log_;  // GUARDED_BY(errors_mutex_)
  void log_failure(const DeliveryResult& r);
  void flush_drop_log();

  std::array<std::atomic<std::uint64_t>, 5> emitted_{};
  std::array<std::atomic<std::uint64_t>, 5> suppressed_{};
  std::array<std::atomic<std::uint64_t>, 5> dropped_{};
};

}  // namespace eventhost
