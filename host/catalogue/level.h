// Event levels: which events are emitted (see DESIGN.md "Catalogue and levels").
//
// Every catalogue event belongs to one level set (CRITICAL, SYSTEM, FULL or
// DISABLED). The configured level is cumulative: NONE emits nothing,
// CRITICAL emits the critical set, SYSTEM adds the system set, FULL adds the
// rest. DISABLED events are never emitted.
//
// Thread-safety: free functions on values; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eventhost {

// The configured level. Values are ordered: a higher level emits more.
enum class EventLevel : std::uint8_t { kNone = 0, kCritical = 1, kSystem = 2, kFull = 3 };

// The level set an event belongs to. Critical/System/Full equal the
// EH_LEVEL_* values of plugin.h.
enum class LevelSet : std::uint8_t { kCritical = 1, kSystem = 2, kFull = 3, kDisabled = 4 };

// "NONE", "CRITICAL", ... upper case.
const char* to_string(EventLevel level);
const char* to_string(LevelSet set);

// Case-insensitive, surrounding white space ignored. nullopt if invalid.
std::optional<EventLevel> parse_level(std::string_view text);
std::optional<LevelSet> parse_level_set(std::string_view text);

// True if an event of `set` is emitted when `configured` is in force.
bool level_allows(EventLevel configured, LevelSet set);

// The effective level and where it came from. Precedence:
// EVENTHOST_EVENT_LEVEL (env) > the persisted setting > FULL. An invalid
// value is skipped with a warning that names it and the level used instead.
struct LevelResolution {
  EventLevel level = EventLevel::kFull;
  std::string source;                 // "environment", "state", "default"
  std::vector<std::string> warnings;  // one per invalid value skipped
};

// `env_value` is the raw EVENTHOST_EVENT_LEVEL (nullptr if unset),
// `stored` the persisted setting if any.
LevelResolution resolve_level(const char* env_value,
                              const std::optional<std::string>& stored);

}  // namespace eventhost
