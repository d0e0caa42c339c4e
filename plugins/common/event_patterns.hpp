// event_patterns.hpp -- the `events` setting of the plugins that send
// events out of the host: which events a plugin passes on.
//
// A manifest's `subscribe` list is fixed when the plugin is built, but
// which events go to a chat channel or a broker is the operator's choice,
// so these plugins subscribe to "*" and filter by a setting instead:
//   events = "channel.*, recording.completed, *.failed"
// Patterns are separated by commas (spaces around them are ignored) and
// use `*` for any run of characters, as the manifest's `subscribe` does.
// An event that matches no pattern is accepted and dropped at once: the
// call succeeds, nothing is sent.
//
// Thread-safety: an EventPatterns is an immutable value after parse().
// Errors: parse() throws eventhost::Failure(EH_ERR_INVALID_ARGUMENT) naming
// the bad pattern and what a good one looks like.
#pragma once

#include <eventhost/plugin.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace eventhost_plugins {

// Glob match with '*' wildcards, backtracking only to the last '*'.
inline bool glob_match(std::string_view pattern, std::string_view name) {
  std::size_t p = 0, n = 0;
  std::size_t star = std::string_view::npos, star_n = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_n = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++star_n;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// True for a pattern the host would accept in `subscribe`.
inline bool is_event_pattern(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '*';
    if (!ok) return false;
  }
  return true;
}

class EventPatterns {
 public:
  // `owner` names the plugin and setting in errors ("webhook: events").
  static EventPatterns parse(std::string_view text, const std::string& owner) {
    EventPatterns result;
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t comma = text.find(',', start);
      if (comma == std::string_view::npos) comma = text.size();
      std::string_view item = text.substr(start, comma - start);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
        item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
        item.remove_suffix(1);
      if (!item.empty()) {
        if (!is_event_pattern(item)) {
          throw eventhost::Failure(
              EH_ERR_INVALID_ARGUMENT,
              owner + ": '" + std::string(item) +
                  "' is not an event pattern; use lower-case event names "
                  "with * as a wildcard, separated by commas, e.g. "
                  "events='channel.*,recording.completed'");
        }
        result.patterns_.emplace_back(item);
      }
      start = comma + 1;
    }
    if (result.patterns_.empty()) {
      throw eventhost::Failure(
          EH_ERR_INVALID_ARGUMENT,
          owner +
              " is empty, so no event would be sent; set patterns such "
              "as events='*' or events='channel.*,recording.completed' "
              "(to pause the plugin, disable it)");
    }
    return result;
  }

  bool matches(std::string_view name) const {
    for (const std::string& p : patterns_) {
      if (glob_match(p, name)) return true;
    }
    return false;
  }

  const std::vector<std::string>& patterns() const { return patterns_; }

 private:
  std::vector<std::string> patterns_;
};

}  // namespace eventhost_plugins
