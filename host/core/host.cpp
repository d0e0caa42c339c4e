#include "core/host.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <set>
#include <thread>

#include "common/error.h"
#include "common/keep_until_exit.h"
#include "core/flight_recorder.h"
#include "core/plugin_check.h"
#include "eventhost/version.h"

namespace eventhost {
namespace {

// Whether `runner` is (or becomes, by `deadline`) out of every plugin call.
// With no work outstanding a runner may still hold its running slot for a
// moment: the process tier's supervisor reports each event's outcome
// before it ends the batch.
// That is not a stuck call, and must not keep the plugin loaded.
bool settles(const PluginRunner& runner,
             std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    if (runner.idle()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// Names, sizes and modification times of the folder's entries: when this
// is unchanged, so is what a scan would find.
std::string folder_signature(const std::filesystem::path& folder) {
  std::vector<std::string> entries;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    std::error_code stat_ec;
    const auto size = entry.file_size(stat_ec);
    const auto mtime = entry.last_write_time(stat_ec);
    entries.push_back(entry.path().filename().string() + ":" +
                      std::to_string(size) + ":" +
                      std::to_string(mtime.time_since_epoch().count()));
  }
  std::sort(entries.begin(), entries.end());
  std::string signature = ec ? "unreadable: " + ec.message() : "";
  for (const std::string& e : entries) signature += e + "\n";
  return signature;
}

}  // namespace

Host::Host(HostOptions options)
    : options_(std::move(options)),
      state_(std::make_unique<StateStore>(options_.state_path)),
      catalogue_(std::make_shared<const Catalogue>(Catalogue::builtin())),
      unfinished_calls_(FlightRecorder::read_unfinished(
          FlightRecorder::path_for(options_.state_path))) {
  unclean_previous_run_ = FlightRecorder::report(unfinished_calls_);
  const char* env = std::getenv("EVENTHOST_EVENT_LEVEL");
  level_ = resolve_level(env, state_->event_level());
  effective_level_.store(level_.level);
  for (const std::string& warning : level_.warnings)
    spdlog::warn("{}", warning);
  rescan();
}

Host::~Host() { stop(); }

// Reads the plugins folder and rebuilds the catalogue: the built-in events
// plus what each usable plugin declares. A plugin whose declared events
// would break the catalogue (bad names, symbol collisions) is refused, not
// the host: the built-in catalogue alone is always valid.
void Host::rescan() {
  ++folder_reads_;
  folder_signature_ = folder_signature(options_.plugins_dir);
  ScanResult scan = scan_plugins_folder(options_.plugins_dir);
  {
    std::lock_guard lock(files_mutex_);
    files_ = std::move(scan.plugins);
  }
  folder_problem_ = std::move(scan.folder_problem);
  folder_refused_ = scan.folder_refused;
  if (!folder_problem_.empty()) spdlog::warn("{}", folder_problem_);
  Catalogue merged = Catalogue::builtin();
  declared_event_problems_.clear();
  for (const PluginFile& file : files_) {
    std::string clash = merge_declared_events(file, merged);
    if (!clash.empty()) {
      declared_event_problems_[file.path.string()] = std::move(clash);
    }
  }
  catalogue_.store(std::make_shared<const Catalogue>(std::move(merged)));
}

std::vector<std::string> Host::refresh_folder() {
  if (folder_signature(options_.plugins_dir) == folder_signature_) return {};
  std::set<std::string> known;
  for (const PluginFile& file : files_) known.insert(plugin_key_of(file));
  rescan();
  std::vector<std::string> added;
  for (const PluginFile& file : files_) {
    if (known.insert(plugin_key_of(file)).second) {
      added.push_back(plugin_key_of(file));
    }
  }
  return added;
}

void Host::set_level(EventLevel level) {
  state_->set_event_level(to_string(level));
  level_ = resolve_level(std::getenv("EVENTHOST_EVENT_LEVEL"),
                         state_->event_level());
  effective_level_.store(level_.level);
}

// What the host knows of `file`: state, problems, warnings. Reading it
// hashes the file if enabled, so callers build views only of the files
// they need.
PluginView Host::view_of(const PluginFile& file) const {
  std::vector<std::filesystem::path> same_key;
  for (const PluginFile& other : files_) {
    if (&other != &file && file.manifest && other.manifest &&
        other.manifest->key == file.manifest->key) {
      same_key.push_back(other.path);
    }
  }
  auto it = declared_event_problems_.find(file.path.string());
  PluginView view = make_plugin_view(
      file, *state_, it == declared_event_problems_.end() ? "" : it->second,
      same_key);
  for (std::string& warning : handler_warnings(file, catalogue())) {
    view.warnings.push_back(std::move(warning));
  }
  // In a cluster this node's pin is always the cluster's (adopt()): a
  // file that differs from it is this node's copy, not a change to trust.
  if (!options_.node.empty() && view.status.rfind("changed: ", 0) == 0) {
    view.status =
        "pin mismatch on node " + options_.node +
        ": this node's file has SHA-256 " + view.current_sha256.substr(0, 12) +
        "…, not the cluster's pin " + view.state->sha256.substr(0, 12) +
        "…; it does not run here (the other nodes run it): put "
        "the same file here, or make this file the cluster's with "
        "`eventhost plugins enable " +
        view.key + "`";
  }
  return view;
}

std::vector<PluginView> Host::plugins() const {
  std::vector<PluginView> views;
  for (const PluginFile& file : files_) views.push_back(view_of(file));
  for (PluginView& view : missing_plugins()) views.push_back(std::move(view));
  return views;
}

// With duplicate keys, the file the plugin was enabled from, else the
// first; either way its `same_key` names the others.
PluginView Host::plugin(const std::string& key) const {
  std::string known;
  std::vector<PluginView> matches;
  for (const PluginFile& file : files_) {
    const std::string file_key = plugin_key_of(file);
    if (file_key == key) {
      matches.push_back(view_of(file));
    } else {
      known += (known.empty() ? "" : ", ") + file_key;
    }
  }
  for (const PluginView& view : matches) {
    if (view.state && view.state->file == view.file.path.string()) return view;
  }
  if (!matches.empty()) return matches.front();
  for (PluginView& view : missing_plugins()) {
    if (view.key == key) return view;
  }
  if (folder_refused_) {
    throw Error(ErrorKind::kRefused,
                "no plugin '" + key + "' can be used: " + folder_problem_);
  }
  for (const PluginFile& file : files_) {
    // KEY.so is there but its manifest could not be read: say why.
    if (file.path.stem() == key && !file.usable()) {
      throw Error(ErrorKind::kRefused, "no usable plugin '" + key +
                                           "': " + file.path.string() +
                                           " is unusable: " + file.problem);
    }
  }
  throw Error(ErrorKind::kNotFound,
              "no plugin '" + key + "' in " + options_.plugins_dir.string() +
                  (known.empty() ? " (the folder has no plugins)"
                                 : "; known plugins: " + known));
}

std::vector<std::string> Host::start(const SessionOptions& session) {
  if (dispatcher_) return {};
  Dispatcher::Options opts;
  opts.threads = options_.threads;
  opts.breaker_threshold = options_.breaker_threshold;
  gate_ = std::make_shared<HostGate>([this](const EmitSource& source,
                                            std::string_view event,
                                            std::string_view payload) {
    return plugin_emit(source, event, payload);
  });
  Dispatcher::Callbacks callbacks;
  callbacks.on_result = [this, gate = gate_](const DeliveryResult& r) {
    gate->pass([&] { on_result(r); });
  };
  callbacks.on_trip = [this, gate = gate_](PluginRunner& r,
                                           const std::string& why) {
    gate->pass([&] { on_trip(r, why); });
  };
  callbacks.on_overrun = [](const PluginRunner& r, const Overrun& o) {
    spdlog::warn(
        "plugin {} is still running event {} #{} after {} ms (budget {} ms)",
        r.key(), o.event_name, o.event_id, o.elapsed.count(),
        r.config().timeout.count());
  };
  // Only a journal keeps a ledger: without one, the producer's side of
  // every delivery skips the gate (open_durability() opens it exactly
  // when options_.journal is set).
  if (options_.journal) {
    callbacks.on_queued = [this, gate = gate_](const PluginRunner& r,
                                               const Event& e) {
      gate->pass([&] {
        if (durability_) ledger_.queued(r.key(), e.id);
      });
    };
  }
  dispatcher_ = std::make_unique<Dispatcher>(opts, std::move(callbacks));
  open_durability();
  // Before the recorder starts a new record: the old one is read already,
  // and what it names must be settled before any plugin code runs.
  dead_letter_crashed_events();
  open_flight_recorder();

  std::vector<std::string> problems;
  for (const PluginView& view : plugins()) {
    if (!view.enabled || options_.safe_mode) continue;
    if (view.key == session.leave_unloaded) continue;
    if (!view.loadable) {
      problems.push_back(view.key + ": not loaded: " + view.status);
      continue;
    }
    const std::string failure = load_plugin(view);
    if (!failure.empty()) problems.push_back(view.key + ": " + failure);
  }
  for (const std::string& p : problems) spdlog::warn("{}", p);
  if (hands_back()) {
    // A cluster's log keeps each plugin's place itself (its consumer
    // group) and hands back what is owed, left over from before included.
    journal_->start_delivery(*this);
  } else if (session.redeliver) {
    redeliver_unfinished();
  }
  if (session.announce) {
    announced_ = true;
    emit_host_event("system.startup",
                    nlohmann::json{{"version", kHostVersion}}.dump());
  }
  return problems;
}

Host::StopReport Host::stop() {
  StopReport report;
  if (!dispatcher_) return report;
  if (announced_) {
    emit_host_event("system.shutdown", "{}");
    announced_ = false;
  }
  // No more reads from a cluster's stream; what was read still finishes
  // and is acknowledged.
  if (hands_back()) journal_->stop_delivery();
  const auto runners = dispatcher_->runners();
  // Retries due within the grace still run; later ones stay pending and
  // are delivered again at the next start.
  const auto deadline =
      std::chrono::steady_clock::now() + options_.shutdown_grace;
  wait_idle(options_.shutdown_grace);
  if (durability_) durability_->stop();
  report.clean = dispatcher_->shutdown(
      std::max(std::chrono::milliseconds(0),
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   deadline - std::chrono::steady_clock::now())));
  flush_drop_log();
  emit_guard_.flush_log();
  type_mismatch_log_.flush();
  // After a clean drain no call is left, so a runner still settling gets a
  // moment even if the grace is spent.
  const auto settle_by =
      report.clean ? std::max(deadline, std::chrono::steady_clock::now() +
                                            std::chrono::milliseconds(500))
                   : deadline;
  for (const auto& runner : runners) {
    save_counters(*runner);
    if (!settles(*runner, settle_by)) {
      report.busy.push_back(runner->key());
      spdlog::error(
          "plugin {} did not finish its call within {} ms; "
          "leaving it loaded so the host can exit",
          runner->key(), options_.shutdown_grace.count());
      // Its thread is executing the library's code: it stays mapped.
      keep_until_exit(runner);
      continue;
    }
    unload(runner);
  }
  // From here on a call still running reaches nothing of this Host: its
  // outcome is dropped, its emits refused (see core/host_gate.h).
  gate_->close();
  if (journal_) report.journal_error = journal_->flush();
  if (!report.clean) {
    // The pool threads left in calls return into the dispatcher (and
    // through its callbacks into the closed gate): it stays too.
    keep_until_exit(std::shared_ptr<Dispatcher>(std::move(dispatcher_)));
  }
  durability_.reset();
  dispatcher_.reset();
  journal_.reset();
  // A stuck call stays in the record: the next start names that plugin.
  if (recorder_ && report.clean) recorder_->mark_clean();
  signal_watch_.reset();
  recorder_.reset();
  // gate_ (closed) stays until the next start() or the Host's end: the
  // runners just unloaded may still hold it as their services.
  return report;
}

// The recorder is a safety net, not a reason to refuse a session: without
// it the host runs, it just cannot name a plugin after a crash.
void Host::open_flight_recorder() {
  try {
    recorder_ = std::make_shared<FlightRecorder>(
        FlightRecorder::path_for(options_.state_path));
    signal_watch_ = std::make_unique<FatalSignalWatch>();
  } catch (const Error& e) {
    spdlog::warn("{}; running without the flight recorder", e.what());
  }
}

bool Host::wait_idle(std::chrono::milliseconds timeout) {
  if (!dispatcher_) return true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // A retry waiting for its back-off is work still to do: wait for it too,
  // until both are quiet at once.
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!dispatcher_->wait_idle(std::max(left, std::chrono::milliseconds(0)))) {
      return false;
    }
    if (!durability_ || durability_->idle()) {
      if (dispatcher_->wait_idle(std::chrono::milliseconds(0))) return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

HostStats Host::stats() const {
  HostStats s;
  for (std::size_t i = 0; i < s.emitted.size(); ++i) {
    s.emitted[i] = emitted_[i].load();
    s.suppressed[i] = suppressed_[i].load();
    s.dropped[i] = dropped_[i].load();
  }
  s.emits_refused[0] = emit_guard_.refused(EmitRefusal::kDepth);
  s.emits_refused[1] = emit_guard_.refused(EmitRefusal::kRate);
  return s;
}

std::string Host::state_problem() const {
  try {
    (void)state_->event_level();
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}

std::string Host::journal_problem() const {
  return journal_ ? journal_->problem() : "";
}

std::vector<std::pair<std::string, RunnerStats>> Host::runner_stats() const {
  std::vector<std::pair<std::string, RunnerStats>> out;
  if (!dispatcher_) return out;
  for (const auto& runner : dispatcher_->runners()) {
    out.emplace_back(runner->key(), runner->stats());
  }
  return out;
}

}  // namespace eventhost
