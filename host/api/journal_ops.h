// The operator's tools over the journal and dead letters, as JSON: what the
// daemon's /api/journal, /api/deadletters and /api/replay routes answer,
// and what the CLI prints when no daemon runs. Both front ends call these,
// so `eventhost journal list --json` says the same with or without one.
//
// Thread-safety: they call the Host as its controlling thread does.
// Errors: throw Error: kUsage for a bad pattern, limit or selection,
// kNotFound for an unknown event id, dead letter or plugin, kRefused when
// the journal is off or the plugin is not running.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/host.h"

namespace eventhost {

inline constexpr std::size_t kJournalDefaultLimit = 100;
inline constexpr std::size_t kJournalMaxLimit = 10000;

// Throws Error(kUsage) unless `pattern` holds only [a-z0-9_.*] ("" is
// every event).
void check_event_pattern(const std::string& pattern);

// Microseconds since the Unix epoch as ISO-8601 UTC: "2026-12-01T09:00:00Z",
// or with `micros` "2026-12-01T09:00:00.123456Z".
std::string iso_utc(std::int64_t unix_us, bool micros = false);

// One journal entry: id, event, level, time, emitted_at_us and payload
// (the JSON object; its text if it does not parse).
nlohmann::json journal_entry_json(const JournalEntry& entry);

// {"entries": [...], "more": true if the limit cut the list}. Checks the
// pattern and that the limit is 1..kJournalMaxLimit.
nlohmann::json list_journal(Host& host, const JournalQuery& query);
// One entry; Error(kNotFound) saying which ids the journal holds.
nlohmann::json journal_entry(Host& host, std::uint64_t id);

// The dead letters of `plugin` ("" = every plugin's), each with the name
// of its event (null if retention removed the event from the journal).
// Error(kNotFound) for a plugin the host does not know that has none.
nlohmann::json list_dead_letters(Host& host, const std::string& plugin);

// Which dead letters an operator means: exactly one of ids, plugin, all.
struct LetterSelection {
  std::vector<std::int64_t> ids;
  std::string plugin;
  bool all = false;
};
// From {"ids": [..]}, {"plugin": "KEY"} or {"all": true}; Error(kUsage)
// for anything else.
LetterSelection letter_selection_from(const nlohmann::json& body);
nlohmann::json to_json(const LetterSelection& selection);

// Queues the selected letters to their plugins again (the host must be
// started): {"queued": N, "problems": ["dead letter 4: ...", ...]}.
// Error(kNotFound) naming ids that are not dead letters (then nothing is
// retried).
nlohmann::json retry_dead_letters(Host& host, const LetterSelection& which);
// Removes the selected letters: {"dropped": N}. Unknown ids as above.
nlohmann::json drop_dead_letters(Host& host, const LetterSelection& which);

// Delivers the journal's events matching `query` again to the running
// plugin `key` (the host must be started): {"plugin": key, "replayed": N}.
// Error(kNotFound) for an unknown plugin, kRefused if it is not running.
nlohmann::json replay_events(
    Host& host, const std::string& key, const JournalQuery& query,
    const std::function<void(std::size_t)>& progress = {});

}  // namespace eventhost
