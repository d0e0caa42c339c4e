// Manifest -- what a plugin says about itself, read before any of its code
// runs (see plugin.h "The manifest").
//
// Thread-safety: a parsed Manifest is an immutable value.
// Errors: Manifest::parse throws Error(kInvalidInput) naming the field.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalogue/catalogue.h"
#include "loader/version_range.h"

namespace eventhost {

struct SettingField {
  std::string id;
  std::string label;
  std::string type;              // "boolean" | "number" | "string" | "select"
  nlohmann::json default_value;  // null if the manifest gives none
  std::vector<std::string> options;  // for "select"
  std::string help;
};

struct ActionSpec {
  std::string id;
  std::string label;
  std::string description;
};

// Work of higher priority runs first when plugins compete for the pool.
enum class Priority : std::uint8_t {
  kCritical = 0,
  kHigh = 1,
  kNormal = 2,
  kLow = 3
};
const char* to_string(Priority p);

// Where a plugin's code runs: in the host's process on the pool (thread),
// or in a supervised worker process of its own (process).
enum class Isolation : std::uint8_t { kThread = 0, kProcess = 1 };
const char* to_string(Isolation i);
// "thread" or "process"; nullopt for anything else.
std::optional<Isolation> parse_isolation(std::string_view text);

// How a plugin shares the work when several nodes run it on one Redis
// ("cluster"; see DESIGN.md "A cluster"): any node takes any event
// (shared), one node at a time in stream order (ordered), or every node
// gets every event (every_node). A single node ignores it.
enum class ClusterMode : std::uint8_t { kShared, kOrdered, kEveryNode };
const char* to_string(ClusterMode mode);
// "shared", "ordered" or "every_node"; nullopt for anything else.
std::optional<ClusterMode> parse_cluster_mode(std::string_view text);

// What a process-tier plugin promised not to do ("sandbox"), enforced in
// its worker by seccomp (see host/worker/sandbox.h).
inline constexpr const char* kSandboxPromises[] = {"no_network", "no_fs_write",
                                                   "no_spawn"};

// A process-tier worker's resource limits ("limits"); 0 = no limit.
struct WorkerLimitSpec {
  std::uint32_t memory_mb = 512;  // address space
  std::uint32_t cpu_seconds = 0;  // CPU time over the worker's life
  std::uint32_t open_files = 256;
};

// A plugin's emits a second when its manifest does not say: far above
// what a sensible plugin emits (an event per user action, per login, per
// recording), far below what one plugin emitting in a loop would: with
// the journal taking about 0.9 M events/s (README, Performance), a runaway
// plugin at the cap takes about 1 % of it, and the others keep running.
inline constexpr std::uint32_t kDefaultMaxEmitsPerSecond = 10000;

struct Manifest {
  std::string key;  // [a-z][a-z0-9_]*, unique among plugins
  std::string name;
  std::string version;
  std::string description;
  std::vector<SettingField> settings;
  std::vector<ActionSpec> actions;
  std::vector<EventSpec> events;  // declared, origin = key; each "<key>.<x>"
  // Event patterns ("channel.*", "*") the catch-all eh_on_any_event gets;
  // default {"*"}. Named on_<...> handlers always get their own event.
  std::vector<std::string> subscribe;
  Priority priority = Priority::kNormal;
  std::uint32_t concurrency = 1;  // 1 = calls serialized
  std::uint32_t timeout_ms = 5000;
  std::uint32_t queue_capacity = 1024;
  // Events it may emit a second ("max_emits_per_second"); past that its
  // emits are refused (dispatch/emit_budget.h).
  std::uint32_t max_emits_per_second = kDefaultMaxEmitsPerSecond;
  // "retry": deliveries in all for an event that fails, and the first
  // back-off; 0 = the host's defaults.
  std::uint32_t retry_attempts = 0;
  std::uint32_t retry_backoff_ms = 0;
  // The tier it asks for ("isolation"); the user's choice wins.
  Isolation isolation = Isolation::kThread;
  ClusterMode cluster = ClusterMode::kShared;  // "cluster"
  std::vector<std::string> sandbox;  // of kSandboxPromises
  WorkerLimitSpec limits;
  // The host versions it runs on ("host_version"); absent = any.
  std::optional<VersionRange> host_version;
  nlohmann::json raw;  // the document as written

  static Manifest parse(std::string_view json_text);

  const SettingField* find_setting(std::string_view id) const;
  const ActionSpec* find_action(std::string_view id) const;
};

// Checks `value` against `field` (type, select options). Returns "" if it
// fits, else why not ("log_channels expects a boolean, got \"yes\"").
std::string check_setting_value(const SettingField& field,
                                const nlohmann::json& value);

// Parses user text for a setting ("true", "30", "a b") into a typed value
// by the field's type; throws Error(kInvalidInput) saying what is expected.
nlohmann::json parse_setting_text(const SettingField& field,
                                  std::string_view text);

}  // namespace eventhost
