// exec -- runs a configured program for each event that matches its
// `events` setting: the event as the journal has it on standard input
// (event_record.hpp), EVENTHOST_EVENT, EVENTHOST_EVENT_ID,
// EVENTHOST_EVENT_LEVEL and EVENTHOST_ATTEMPT in its environment. The
// command is an argument list (a JSON array), never a shell string. A run
// that exits non-zero, dies of a signal or outlives `timeout_ms` fails the
// delivery, so the host retries it and keeps it as a dead letter at last.
//
// Concurrency: the manifest lets the host make up to 4 calls at once in
// the thread tier (in the process tier a worker makes one at a time);
// `max_concurrent` caps the programs running at once below that. The
// state is replaced only by configure, which the host never runs during a
// handler, so handlers read it without a lock; the slot count is shared
// and locked.
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <eventhost/plugin.hpp>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "child_run.hpp"
#include "event_patterns.hpp"
#include "event_record.hpp"

namespace {

using eventhost::Failure;
using exec_plugin::RunResult;

// The manifest's timeout_ms (125000) stays above a call that waits
// timeout_ms for a slot and then runs for timeout_ms.
constexpr long kMaxTimeoutMs = 60000;
constexpr long kMaxConcurrent = 4;  // the manifest's "concurrency"
constexpr std::size_t kErrorTailChars = 300;
constexpr const char* kCommandHelp =
    "exec: set the 'command' setting to a JSON array of the program and its "
    "arguments, e.g. eventhost plugins configure exec "
    "'command=[\"/usr/local/bin/on-event\", \"--verbose\"]'";

// Passed on from the host's environment when set; everything else the
// program needs goes in its arguments (or through /usr/bin/env NAME=value).
constexpr const char* kInherited[] = {"PATH",   "HOME",     "LANG",
                                      "LC_ALL", "LC_CTYPE", "TZ",
                                      "USER",   "LOGNAME",  "TMPDIR"};
constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

struct Config {
  std::string program;  // resolved: a path with a '/'
  std::vector<std::string> argv;
  std::chrono::milliseconds timeout{10000};
  long max_concurrent = kMaxConcurrent;
  eventhost_plugins::EventPatterns events;
};

struct State {
  std::optional<Config> config;  // no program yet: nullopt
  std::optional<eventhost_plugins::EventPatterns> events;
  std::mutex mutex;
  std::condition_variable slot_freed;
  long running = 0;
};

[[noreturn]] void refuse(const std::string& setting, const std::string& why) {
  throw Failure(EH_ERR_INVALID_ARGUMENT, "exec: " + setting + ": " + why);
}

std::string text(const nlohmann::json& s, const char* id, const char* def) {
  const auto it = s.find(id);
  return it != s.end() && it->is_string() ? it->get<std::string>() : def;
}

long whole(const nlohmann::json& s, const char* id, long def, long min,
           long max) {
  const auto it = s.find(id);
  if (it == s.end() || it->is_null()) return def;
  const double v = it->is_number() ? it->get<double>() : min - 1.0;
  if (v < min || v > max || v != static_cast<double>(static_cast<long>(v))) {
    refuse(id, it->dump() + " is not a whole number from " +
                   std::to_string(min) + " to " + std::to_string(max));
  }
  return static_cast<long>(v);
}

std::string search_path() {
  const char* path = std::getenv("PATH");
  return path != nullptr && *path != '\0' ? path : kDefaultPath;
}

// The file execve will run for argv[0]: itself if it has a '/', else the
// first executable of that name on PATH, as a shell would find it.
std::string resolve_program(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (name.front() != '/') {
      refuse("command", "'" + name +
                            "' is a relative path, which depends on the "
                            "folder the host runs in; give an absolute path");
    }
    if (::access(name.c_str(), X_OK) != 0) {
      refuse("command", "'" + name + "' is not an executable file (" +
                            std::strerror(errno) + ")");
    }
    return name;
  }
  const std::string path = search_path();
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t colon = path.find(':', start);
    if (colon == std::string::npos) colon = path.size();
    const std::string dir = path.substr(start, colon - start);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = colon + 1;
  }
  refuse("command", "no program '" + name + "' on PATH (" + path +
                        "); give its absolute path");
}

Config parse_config(const nlohmann::json& s, const std::string& command) {
  Config c;
  const nlohmann::json list = nlohmann::json::parse(command, nullptr, false);
  if (list.is_discarded() || !list.is_array()) {
    refuse("command",
           "expects a JSON array of the program and its arguments, e.g. "
           "[\"/usr/local/bin/on-event\", \"--verbose\"]; got " +
               command +
               ". No shell is used; to run one, say so: [\"/bin/sh\", "
               "\"-c\", \"...\"]");
  }
  if (list.empty()) refuse("command", "the array is empty; name a program");
  for (const auto& item : list) {
    if (!item.is_string()) {
      refuse("command",
             "every element must be a string; " + item.dump() + " is not");
    }
    const std::string arg = item.get<std::string>();
    if (arg.find('\0') != std::string::npos) {
      refuse("command", "an argument holds a NUL character");
    }
    c.argv.push_back(arg);
  }
  if (c.argv.front().empty()) refuse("command", "the program name is empty");
  c.program = resolve_program(c.argv.front());
  c.timeout = std::chrono::milliseconds(
      whole(s, "timeout_ms", 10000, 1, kMaxTimeoutMs));
  c.max_concurrent =
      whole(s, "max_concurrent", kMaxConcurrent, 1, kMaxConcurrent);
  c.events = eventhost_plugins::EventPatterns::parse(text(s, "events", "*"),
                                                     "exec: events");
  return c;
}

std::vector<std::string> environment_for(const eventhost::Event& ev) {
  std::vector<std::string> env;
  for (const char* name : kInherited) {
    if (const char* value = std::getenv(name)) {
      env.push_back(std::string(name) + "=" + value);
    }
  }
  if (std::getenv("PATH") == nullptr) {
    env.push_back(std::string("PATH=") + kDefaultPath);
  }
  env.push_back("EVENTHOST_EVENT=" + std::string(ev.name()));
  env.push_back("EVENTHOST_EVENT_ID=" + std::to_string(ev.id()));
  env.push_back(std::string("EVENTHOST_EVENT_LEVEL=") +
                eventhost_plugins::level_name(ev.level()));
  env.push_back("EVENTHOST_ATTEMPT=" + std::to_string(ev.attempt()));
  return env;
}

// The last `kErrorTailChars` of a program's output on one line.
std::string one_line_tail(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  if (text.size() > kErrorTailChars) {
    text = "..." + text.substr(text.size() - kErrorTailChars);
  }
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return text;
}

// "SIGSEGV", or "signal 77" for one without a name.
std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev != nullptr ? std::string("SIG") + abbrev
                           : "signal " + std::to_string(sig);
}

// Holds one of `max` run slots, waiting up to `timeout` for it.
class Slot {
 public:
  Slot(State& s, long max, std::chrono::milliseconds timeout) : state_(s) {
    std::unique_lock lock(s.mutex);
    if (!s.slot_freed.wait_for(lock, timeout,
                               [&] { return s.running < max; })) {
      throw Failure(EH_ERR_FAILED,
                    "exec: all " + std::to_string(max) +
                        " run slots (max_concurrent) stayed busy for " +
                        std::to_string(timeout.count()) + " ms");
    }
    ++s.running;
  }
  ~Slot() {
    {
      std::lock_guard lock(state_.mutex);
      --state_.running;
    }
    state_.slot_freed.notify_one();
  }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

 private:
  State& state_;
};

}  // namespace

EH_PLUGIN_INIT(eventhost::Context& ctx) { ctx.emplace_user_data<State>(); }

EH_PLUGIN_CONFIGURE(const nlohmann::json& settings, eventhost::Context& ctx) {
  State* state = ctx.user_data<State>();
  if (state == nullptr) return;
  const std::string command = text(settings, "command", "");
  if (command.find_first_not_of(" \t\r\n") == std::string::npos) {
    // Not an error yet: the operator may enable first and configure next.
    // Each event fails with the same message until the command is set.
    state->events = eventhost_plugins::EventPatterns::parse(
        text(settings, "events", "*"), "exec: events");
    state->config.reset();
    ctx.warn(kCommandHelp);
    return;
  }
  Config config = parse_config(settings, command);
  state->events = config.events;
  state->config = std::move(config);
}

EH_ON_ANY_EVENT(const eventhost::Event& ev, eventhost::Context& ctx) {
  State* state = ctx.user_data<State>();
  if (state == nullptr || !state->events) {
    throw Failure(EH_ERR_FAILED, "exec: not configured");
  }
  if (!state->events->matches(ev.name())) return;
  if (!state->config) throw Failure(EH_ERR_INVALID_ARGUMENT, kCommandHelp);
  const Config& config = *state->config;

  exec_plugin::RunSpec spec;
  spec.program = config.program;
  spec.argv = config.argv;
  spec.env = environment_for(ev);
  spec.input = eventhost_plugins::event_record(ev) + "\n";
  spec.timeout = config.timeout;
  const std::string what = config.argv.front() + " for " +
                           std::string(ev.name()) + " #" +
                           std::to_string(ev.id());
  RunResult r;
  {
    const Slot slot(*state, config.max_concurrent, config.timeout);
    try {
      r = exec_plugin::run_program(spec);
    } catch (const std::runtime_error& e) {
      throw Failure(EH_ERR_FAILED, "exec: " + what + ": " + e.what());
    }
  }
  const std::string err = one_line_tail(r.err_tail);
  const std::string said = err.empty() ? "" : "; its stderr: " + err;
  switch (r.end) {
    case RunResult::End::kNotStarted:
      throw Failure(EH_ERR_FAILED,
                    "exec: cannot run " + config.program + ": " + r.why);
    case RunResult::End::kTimedOut:
      throw Failure(EH_ERR_FAILED,
                    "exec: " + what + " ran past its " +
                        std::to_string(config.timeout.count()) +
                        " ms budget (timeout_ms) and was killed with its "
                        "process group" +
                        said);
    case RunResult::End::kSignaled:
      throw Failure(EH_ERR_FAILED, "exec: " + what + " was killed by " +
                                       signal_name(r.code) + said);
    case RunResult::End::kExited:
      if (r.code != 0) {
        throw Failure(EH_ERR_FAILED, "exec: " + what + " exited with status " +
                                         std::to_string(r.code) + said);
      }
  }
  if (!err.empty()) ctx.info("exec: " + what + " wrote to stderr: " + err);
  const std::string out = one_line_tail(r.out_tail);
  if (!out.empty()) ctx.debug("exec: " + what + " wrote: " + out);
}

EH_PLUGIN_SHUTDOWN(eventhost::Context& ctx) { ctx.destroy_user_data<State>(); }
