#include "api/journal_ops.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "common/error.h"

namespace eventhost {
namespace {

EventLog& journal_of(Host& host) {
  EventLog* journal = host.journal();
  if (journal == nullptr) {
    throw Error(ErrorKind::kRefused,
                "the journal is off in this host, so there is nothing to "
                "list or replay");
  }
  // Events accepted but not yet committed (emitted by plugins, say) are
  // shown too; a failed commit is reported where the events were emitted.
  (void)journal->flush();
  return *journal;
}

// Throws the host's kNotFound (naming the known keys) for a plugin it does
// not know, unless `letters` still holds some of that plugin's: a plugin
// removed from the folder may have left dead letters behind.
void check_plugin(const Host& host, const std::string& key,
                  const std::vector<DeadLetter>& letters) {
  if (key.empty() || !letters.empty()) return;
  (void)host.plugin(key);
}

std::vector<DeadLetter> selected(Host& host, const LetterSelection& which) {
  const std::vector<DeadLetter> all = host.dead_letters(which.plugin);
  check_plugin(host, which.plugin, all);
  if (which.ids.empty()) return all;
  std::vector<DeadLetter> chosen;
  std::vector<std::string> unknown;
  for (const std::int64_t id : which.ids) {
    const auto it =
        std::find_if(all.begin(), all.end(),
                     [&](const DeadLetter& d) { return d.id == id; });
    if (it == all.end()) {
      unknown.push_back(std::to_string(id));
    } else if (std::none_of(chosen.begin(), chosen.end(),
                            [&](const DeadLetter& d) { return d.id == id; })) {
      chosen.push_back(*it);
    }
  }
  if (!unknown.empty()) {
    std::string list;
    for (const std::string& id : unknown)
      list += (list.empty() ? "" : ", ") + id;
    throw Error(ErrorKind::kNotFound,
                std::string(unknown.size() == 1 ? "no dead letter "
                                                : "no dead letters ") +
                    list +
                    " (nothing was changed); `eventhost deadletters list` "
                    "shows the ids");
  }
  return chosen;
}

std::vector<std::int64_t> ids_of(const std::vector<DeadLetter>& letters) {
  std::vector<std::int64_t> ids;
  for (const DeadLetter& d : letters) ids.push_back(d.id);
  return ids;
}

}  // namespace

void check_event_pattern(const std::string& pattern) {
  for (const char c : pattern) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
        c == '.' || c == '*') {
      continue;
    }
    throw Error(ErrorKind::kUsage,
                "invalid event pattern '" + pattern +
                    "': use lower-case event names with * as a wildcard, "
                    "e.g. channel.* or *.created");
  }
}

std::string iso_utc(std::int64_t unix_us, bool micros) {
  std::int64_t seconds = unix_us / 1000000;
  std::int64_t fraction = unix_us % 1000000;
  if (fraction < 0) {
    fraction += 1000000;
    --seconds;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = text;
  if (micros) {
    char digits[8];
    std::snprintf(digits, sizeof digits, ".%06lld",
                  static_cast<long long>(fraction));
    out += digits;
  }
  return out + "Z";
}

nlohmann::json journal_entry_json(const JournalEntry& e) {
  nlohmann::json payload = nlohmann::json::parse(e.payload, nullptr, false);
  if (payload.is_discarded()) payload = e.payload;
  return {{"id", e.id},
          {"event", e.name},
          {"level", to_string(static_cast<LevelSet>(e.level))},
          {"time", iso_utc(e.emitted_at_us, true)},
          {"emitted_at_us", e.emitted_at_us},
          {"payload", payload}};
}

nlohmann::json list_journal(Host& host, const JournalQuery& query) {
  check_event_pattern(query.pattern);
  if (query.limit < 1 || query.limit > kJournalMaxLimit) {
    throw Error(ErrorKind::kUsage, "the limit must be from 1 to " +
                                       std::to_string(kJournalMaxLimit) +
                                       ", got " + std::to_string(query.limit));
  }
  JournalQuery one_more = query;
  one_more.limit = query.limit + 1;
  auto entries = journal_of(host).list(one_more);
  const bool more = entries.size() > query.limit;
  if (more) entries.resize(query.limit);
  nlohmann::json out = nlohmann::json::array();
  for (const JournalEntry& e : entries) out.push_back(journal_entry_json(e));
  return {{"entries", out}, {"more", more}};
}

nlohmann::json journal_entry(Host& host, std::uint64_t id) {
  EventLog& journal = journal_of(host);
  if (const auto entry = journal.get(id)) return journal_entry_json(*entry);
  JournalQuery first;
  first.limit = 1;
  const auto oldest = journal.list(first);
  std::string why;
  if (oldest.empty()) {
    why = "the journal is empty";
  } else if (id < oldest.front().id) {
    why = "the oldest event it holds is " + std::to_string(oldest.front().id) +
          (oldest.front().id > 1 ? "; retention removed the older ones" : "");
  } else if (id > journal.last_id()) {
    why = "the newest event it holds is " + std::to_string(journal.last_id());
  } else {
    why =
        "ids skip numbers: each process takes a block of them; `eventhost "
        "journal list` shows the ids in use";
  }
  throw Error(ErrorKind::kNotFound, "no event " + std::to_string(id) +
                                        " in the journal (" + why + ")");
}

nlohmann::json list_dead_letters(Host& host, const std::string& plugin) {
  const std::vector<DeadLetter> letters = host.dead_letters(plugin);
  check_plugin(host, plugin, letters);
  EventLog* journal = host.journal();
  nlohmann::json out = nlohmann::json::array();
  for (const DeadLetter& d : letters) {
    nlohmann::json event = nullptr;
    if (journal != nullptr) {
      if (const auto entry = journal->get(d.event_id)) event = entry->name;
    }
    out.push_back({{"id", d.id},
                   {"plugin", d.plugin_key},
                   {"event_id", d.event_id},
                   {"event", event},
                   {"attempts", d.attempts},
                   {"outcome", d.outcome},
                   {"last_error", d.last_error},
                   {"created_at", d.created_at},
                   {"time", iso_utc(d.created_at * 1000000)}});
  }
  return out;
}

LetterSelection letter_selection_from(const nlohmann::json& body) {
  static const std::string kShape =
      "the body must be {\"ids\": [1, 2]}, {\"plugin\": \"KEY\"} or "
      "{\"all\": true}";
  if (!body.is_object() || body.size() != 1) {
    throw Error(ErrorKind::kUsage, kShape + ", got " + body.dump());
  }
  LetterSelection which;
  if (body.contains("ids") && body["ids"].is_array() && !body["ids"].empty()) {
    for (const auto& id : body["ids"]) {
      if (!id.is_number_integer()) {
        throw Error(ErrorKind::kUsage,
                    "dead letter ids are integers, got " + id.dump());
      }
      which.ids.push_back(id.get<std::int64_t>());
    }
    return which;
  }
  if (body.contains("plugin") && body["plugin"].is_string() &&
      !body["plugin"].get<std::string>().empty()) {
    which.plugin = body["plugin"].get<std::string>();
    return which;
  }
  if (body.contains("all") && body["all"] == true) {
    which.all = true;
    return which;
  }
  throw Error(ErrorKind::kUsage, kShape + ", got " + body.dump());
}

nlohmann::json to_json(const LetterSelection& which) {
  if (!which.ids.empty()) return {{"ids", which.ids}};
  if (!which.plugin.empty()) return {{"plugin", which.plugin}};
  return {{"all", true}};
}

nlohmann::json retry_dead_letters(Host& host, const LetterSelection& which) {
  const std::vector<DeadLetter> chosen = selected(host, which);
  std::vector<std::string> problems;
  // The host reads an empty id list as "every letter": ask by id, and not
  // at all when there is nothing to retry.
  if (!chosen.empty()) problems = host.retry_dead_letters(ids_of(chosen), "");
  return {{"queued", chosen.size() - std::min(chosen.size(), problems.size())},
          {"problems", problems}};
}

nlohmann::json drop_dead_letters(Host& host, const LetterSelection& which) {
  const std::vector<DeadLetter> chosen = selected(host, which);
  std::size_t dropped = 0;
  if (!chosen.empty()) dropped = host.drop_dead_letters(ids_of(chosen), "");
  return {{"dropped", dropped}};
}

nlohmann::json replay_events(Host& host, const std::string& key,
                             const JournalQuery& query,
                             const std::function<void(std::size_t)>& progress) {
  check_event_pattern(query.pattern);
  (void)host.plugin(key);  // kNotFound naming the known keys
  journal_of(host);
  const std::size_t replayed = host.replay(key, query, progress);
  return {{"plugin", key}, {"replayed", replayed}};
}

}  // namespace eventhost
