// Event levels: names, parsing, the cumulative filter and the precedence of
// the places a level can be configured.
#include "catalogue/level.h"

#include <array>
#include <cctype>
#include <string>

namespace eventhost {
namespace {

constexpr std::array<EventLevel, 4> kLevels = {
    EventLevel::kNone, EventLevel::kCritical, EventLevel::kSystem,
    EventLevel::kFull};
constexpr std::array<LevelSet, 4> kLevelSets = {
    LevelSet::kCritical, LevelSet::kSystem, LevelSet::kFull,
    LevelSet::kDisabled};

constexpr const char* kLevelChoices = "NONE, CRITICAL, SYSTEM, FULL";

std::string_view trim(std::string_view text) {
  auto is_space = [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
  };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

template <typename Value, std::size_t N>
std::optional<Value> parse_named(const std::array<Value, N>& values,
                                 std::string_view text) {
  text = trim(text);
  for (Value value : values) {
    if (equals_ignoring_case(text, to_string(value))) return value;
  }
  return std::nullopt;
}

// One place a level may come from, in order of precedence.
struct Candidate {
  const char* source;    // LevelResolution::source
  const char* label;     // how a warning names the bad value: label"value"
  const char* fallback;  // how a warning names it when used instead
  std::optional<std::string> raw;
};

std::string skipped_warning(const Candidate& bad, const Candidate& used,
                            EventLevel level) {
  return std::string(bad.label) + "\"" + *bad.raw + "\" is not one of " +
         kLevelChoices + "; using " + used.fallback + " " + to_string(level);
}

}  // namespace

const char* to_string(EventLevel level) {
  switch (level) {
    case EventLevel::kNone:
      return "NONE";
    case EventLevel::kCritical:
      return "CRITICAL";
    case EventLevel::kSystem:
      return "SYSTEM";
    case EventLevel::kFull:
      return "FULL";
  }
  return "UNKNOWN";
}

const char* to_string(LevelSet set) {
  switch (set) {
    case LevelSet::kCritical:
      return "CRITICAL";
    case LevelSet::kSystem:
      return "SYSTEM";
    case LevelSet::kFull:
      return "FULL";
    case LevelSet::kDisabled:
      return "DISABLED";
  }
  return "UNKNOWN";
}

std::optional<EventLevel> parse_level(std::string_view text) {
  return parse_named(kLevels, text);
}

std::optional<LevelSet> parse_level_set(std::string_view text) {
  return parse_named(kLevelSets, text);
}

bool level_allows(EventLevel configured, LevelSet set) {
  // DISABLED is outside the ladder: no configured level reaches it.
  if (set == LevelSet::kDisabled) return false;
  // The enums share numbering (CRITICAL=1 ... FULL=3), so cumulative means
  // "the set's rung is at or below the configured rung"; NONE (0) is below
  // every set.
  return static_cast<int>(set) <= static_cast<int>(configured);
}

LevelResolution resolve_level(const char* env_value,
                              const std::optional<std::string>& stored) {
  // An empty variable (EVENTHOST_EVENT_LEVEL=) is how shells unset a value
  // for one command, so it counts as unset rather than as invalid.
  std::optional<std::string> env;
  if (env_value != nullptr && !trim(env_value).empty()) env = env_value;

  const std::array<Candidate, 3> candidates = {{
      {"environment", "EVENTHOST_EVENT_LEVEL=", "", env},
      {"state", "the stored event level ", "the stored level", stored},
      {"default", "", "the default level", std::string("FULL")},
  }};

  LevelResolution result;
  std::vector<const Candidate*> skipped;
  for (const Candidate& candidate : candidates) {
    if (!candidate.raw) continue;
    std::optional<EventLevel> level = parse_level(*candidate.raw);
    if (!level) {
      skipped.push_back(&candidate);
      continue;
    }
    result.level = *level;
    result.source = candidate.source;
    for (const Candidate* bad : skipped) {
      result.warnings.push_back(skipped_warning(*bad, candidate, *level));
    }
    return result;
  }
  // Unreachable: the default candidate always parses.
  result.source = "default";
  return result;
}

}  // namespace eventhost
