#include "cluster/cluster_event_log.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>

#include "cluster/cluster_scripts.h"
#include "cluster/stream_entry.h"
#include "cluster/stream_ids.h"
#include "common/error.h"

namespace eventhost::cluster {
namespace {

constexpr std::size_t kPage = 1000;
// What an entry costs Redis beyond its name and payload: its id, the
// field names, level, time, depth and node.
constexpr std::uint64_t kEntryOverhead = 64;

// `pattern` with '*' matching any run of characters.
bool matches(std::string_view pattern, std::string_view name) {
  if (pattern.empty()) return true;
  std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

template <typename T>
T number(const std::string& text) {
  T value{};
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

void check(const RedisReply& reply, const std::string& what) {
  if (reply.is_error()) {
    throw Error(ErrorKind::kUnavailable,
                "Redis refused " + what + ": " + reply.str);
  }
}

}  // namespace

ClusterEventLog::ClusterEventLog(Cluster& cluster, std::uint64_t max_bytes,
                                 ClusterConsumer::Tail tail, TailFn on_append)
    : cluster_(cluster),
      max_bytes_(max_bytes),
      tail_(std::move(tail)),
      on_append_(std::move(on_append)),
      writer_(cluster, [this] { return max_entries(); }) {}

ClusterEventLog::~ClusterEventLog() {
  std::lock_guard lock(consumer_mutex_);
  consumer_.reset();
}

std::uint64_t ClusterEventLog::max_entries() const {
  if (max_bytes_ == 0) return 0;
  const std::uint64_t events = events_seen_.load(std::memory_order_relaxed);
  const std::uint64_t average =
      (events == 0 ? 256
                   : bytes_seen_.load(std::memory_order_relaxed) / events) +
      kEntryOverhead;
  return std::max<std::uint64_t>(max_bytes_ / average, 1000);
}

std::uint64_t ClusterEventLog::append(JournalEntry entry) {
  bytes_seen_.fetch_add(entry.name.size() + entry.payload.size(),
                        std::memory_order_relaxed);
  events_seen_.fetch_add(1, std::memory_order_relaxed);
  if (on_append_) on_append_(entry);
  return writer_.append(std::move(entry));
}

std::vector<JournalEntry> ClusterEventLog::list(const JournalQuery& query) {
  const std::string stream = cluster_.keys().events();
  std::vector<JournalEntry> out;
  // "(" + id, built in place: GCC 12 at -O3 takes `"(" + std::string&&`
  // for an overlapping memcpy (a false -Wrestrict that -Werror stops on).
  std::string start = "-";
  if (query.after_id != 0) {
    start = "(";
    start += stream_id_of(query.after_id);
  }
  const std::string page = std::to_string(kPage);
  for (;;) {
    const RedisReply r =
        cluster_.command({"XRANGE", stream, start, "+", "COUNT", page});
    check(r, "reading the journal");
    const auto entries = read_entries(r);
    for (const StreamEntry& e : entries) {
      if (!e.event) continue;
      if (e.event->emitted_at_us < query.since_us) continue;
      if (!matches(query.pattern, e.event->name)) continue;
      out.push_back(*e.event);
      if (out.size() == query.limit) return out;
    }
    if (entries.size() < kPage) return out;
    start = "(" + entries.back().stream_id;
  }
}

std::optional<JournalEntry> ClusterEventLog::get(std::uint64_t id) {
  const std::string sid = stream_id_of(id);
  const RedisReply r =
      cluster_.command({"XRANGE", cluster_.keys().events(), sid, sid});
  check(r, "reading the journal");
  const auto entries = read_entries(r);
  if (entries.empty() || !entries.front().event) return std::nullopt;
  return entries.front().event;
}

std::uint64_t ClusterEventLog::last_id() {
  const RedisReply r = cluster_.command(
      {"XREVRANGE", cluster_.keys().events(), "+", "-", "COUNT", "1"});
  check(r, "reading the journal");
  const auto entries = read_entries(r);
  return entries.empty() ? 0 : event_id_of(entries.front().stream_id);
}

RetentionReport ClusterEventLog::enforce_retention(std::int64_t min_time_us,
                                                   std::uint64_t max_bytes) {
  (void)max_bytes;  // MAXLEN at every append keeps the size
  const std::string stream = cluster_.keys().events();
  RetentionReport report;
  std::vector<RedisConnection::Args> cmds;
  const std::string min_id = std::to_string(min_time_us / 1000) + "-0";
  if (min_time_us > 0) cmds.push_back({"XTRIM", stream, "MINID", "~", min_id});
  cmds.push_back({"XLEN", stream});
  cmds.push_back({"XRANGE", stream, "-", "+", "COUNT", "1"});
  const auto replies = cluster_.pipeline(cmds);
  for (const RedisReply& r : replies) check(r, "trimming the journal");
  std::size_t i = 0;
  if (min_time_us > 0) {
    report.removed = static_cast<std::uint64_t>(replies[i++].as_integer());
  }
  report.kept = static_cast<std::uint64_t>(replies[i++].as_integer());
  const auto first = read_entries(replies[i]);
  report.oldest_id = first.empty() ? 0 : event_id_of(first.front().stream_id);
  return report;
}

void ClusterEventLog::add_dead_letter(const DeadLetter& letter) {
  const auto& keys = cluster_.keys();
  const std::string created = std::to_string(
      letter.created_at != 0
          ? letter.created_at
          : std::chrono::duration_cast<std::chrono::seconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count());
  const RedisReply r = cluster_.command(
      {"EVAL", kDeadLetterScript, "3", keys.dead(letter.plugin_key),
       keys.dead_by_event(letter.plugin_key), keys.dead_index(),
       letter.plugin_key, std::to_string(letter.event_id),
       std::to_string(letter.attempts), letter.outcome, letter.last_error,
       created, cluster_.options().node});
  check(r, "a dead letter");
  finished(letter.plugin_key, letter.event_id);
}

std::vector<DeadLetter> ClusterEventLog::dead_letters(
    const std::string& plugin) {
  const auto& keys = cluster_.keys();
  std::vector<std::string> plugins;
  if (plugin.empty()) {
    const RedisReply r = cluster_.command({"SMEMBERS", keys.dead_index()});
    check(r, "listing dead letters");
    for (const RedisReply& k : r.elements) plugins.push_back(k.str);
  } else {
    plugins.push_back(plugin);
  }
  std::vector<DeadLetter> out;
  for (const std::string& key : plugins) {
    const RedisReply r = cluster_.command({"XRANGE", keys.dead(key), "-", "+"});
    check(r, "listing dead letters");
    for (const RedisReply& e : r.elements) {
      if (!e.is_array() || e.elements.size() < 2) continue;
      DeadLetter d;
      d.id = static_cast<std::int64_t>(event_id_of(e.elements[0].str));
      d.plugin_key = key;
      const auto& f = e.elements[1].elements;
      for (std::size_t i = 0; i + 1 < f.size(); i += 2) {
        const std::string& name = f[i].str;
        const std::string& value = f[i + 1].str;
        if (name == "event_id") d.event_id = number<std::uint64_t>(value);
        if (name == "attempts") d.attempts = number<std::uint32_t>(value);
        if (name == "outcome") d.outcome = value;
        if (name == "last_error") d.last_error = value;
        if (name == "created_at") d.created_at = number<std::int64_t>(value);
      }
      out.push_back(std::move(d));
    }
  }
  std::sort(
      out.begin(), out.end(),
      [](const DeadLetter& a, const DeadLetter& b) { return a.id < b.id; });
  return out;
}

void ClusterEventLog::remove_dead_letters(
    const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return;
  const auto& keys = cluster_.keys();
  const RedisReply members = cluster_.command({"SMEMBERS", keys.dead_index()});
  check(members, "removing dead letters");
  std::vector<std::string> sids;
  for (const std::int64_t id : ids) {
    sids.push_back(stream_id_of(static_cast<std::uint64_t>(id)));
  }
  for (const RedisReply& k : members.elements) {
    // Args are views: the key names must outlive the command.
    const std::string dead = keys.dead(k.str);
    const std::string by_event = keys.dead_by_event(k.str);
    RedisConnection::Args args{"EVAL", kDropLettersScript, "2", dead, by_event};
    for (const std::string& s : sids) args.push_back(s);
    check(cluster_.command(args), "removing dead letters");
  }
}

void ClusterEventLog::remove_dead_letter(const std::string& plugin,
                                         std::uint64_t event_id) {
  const auto& keys = cluster_.keys();
  const RedisReply r = cluster_.command(
      {"HGET", keys.dead_by_event(plugin), std::to_string(event_id)});
  check(r, "removing a dead letter");
  if (r.is_nil()) return;
  check(cluster_.command({"EVAL", kDropLettersScript, "2", keys.dead(plugin),
                          keys.dead_by_event(plugin), r.str}),
        "removing a dead letter");
}

// Made here, on the enabling thread, rather than by the consumer's next
// refresh (up to 0.2 s later): an event accepted in between would have
// been older than the group and never reached the plugin. The consumer's
// own XGROUP CREATE then answers BUSYGROUP, which it takes as made.
void ClusterEventLog::plugin_started(const std::string& key, ClusterMode mode) {
  const std::string group =
      ClusterKeys::group(key, mode, cluster_.options().node);
  const RedisReply r = cluster_.command(
      {"XGROUP", "CREATE", cluster_.keys().events(), group, "$", "MKSTREAM"});
  if (r.is_error() && r.str.rfind("BUSYGROUP", 0) != 0) {
    throw Error(ErrorKind::kUnavailable,
                "could not make the consumer group of " + key + ": " + r.str);
  }
}

void ClusterEventLog::start_delivery(DeliveryPort& port) {
  std::lock_guard lock(consumer_mutex_);
  if (!consumer_) {
    consumer_ = std::make_unique<ClusterConsumer>(cluster_, port, tail_);
  }
}

void ClusterEventLog::stop_delivery() {
  std::lock_guard lock(consumer_mutex_);
  if (consumer_) consumer_->stop_reading();
}

void ClusterEventLog::finished(const std::string& plugin,
                               std::uint64_t event_id) {
  std::lock_guard lock(consumer_mutex_);
  if (consumer_) consumer_->finished(plugin, event_id);
}

std::vector<ClusterConsumer::GroupInfo> ClusterEventLog::groups() const {
  std::lock_guard lock(consumer_mutex_);
  return consumer_ ? consumer_->groups()
                   : std::vector<ClusterConsumer::GroupInfo>{};
}

}  // namespace eventhost::cluster
