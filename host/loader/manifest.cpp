// Manifest::parse -- turns the JSON a plugin embeds into a checked Manifest.
// Every error names the offending field by its path in the document
// ("settings[1].type") so an author can fix it without guessing.
#include "loader/manifest.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <set>

#include "common/error.h"

namespace eventhost {
namespace {

using Json = nlohmann::json;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw Error(ErrorKind::kInvalidInput, "manifest: " + path + " " + what);
}

bool is_lower_identifier(std::string_view s) {
  if (s.empty() || s.size() > 64 || s[0] < 'a' || s[0] > 'z') return false;
  for (char c : s) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Setting and action ids are typed by users on the command line, so they
// are kept to word characters.
bool is_word(std::string_view s) {
  if (s.empty() || s.size() > 64 || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool is_event_pattern(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '*';
    if (!ok) return false;
  }
  return true;
}

// Reads typed members of one JSON object, naming the member by its path in
// every error.
class ObjectReader {
 public:
  ObjectReader(const Json& object, std::string path)
      : object_(object), path_(std::move(path)) {
    if (!object_.is_object()) fail(path_, "must be a JSON object");
  }

  std::string member_path(std::string_view name) const {
    return path_.empty() ? std::string(name) : path_ + "." + std::string(name);
  }

  const Json* find(std::string_view name) const {
    auto it = object_.find(name);
    return it == object_.end() ? nullptr : &*it;
  }

  std::string string(std::string_view name, bool required,
                     std::string fallback = {}) const {
    const Json* value = find(name);
    if (value == nullptr) {
      if (required) fail(member_path(name), "is required");
      return fallback;
    }
    if (!value->is_string()) fail(member_path(name), "must be a string");
    return value->get<std::string>();
  }

  // An integer member within [min, max], or `fallback` if absent.
  std::uint32_t integer(std::string_view name, std::uint32_t min,
                        std::uint32_t fallback) const {
    const Json* value = find(name);
    if (value == nullptr) return fallback;
    const std::uint64_t max = std::numeric_limits<std::uint32_t>::max();
    if (!value->is_number_integer() ||
        (value->is_number_unsigned() ? value->get<std::uint64_t>() < min
                                     : value->get<std::int64_t>() < min) ||
        (value->is_number_unsigned() && value->get<std::uint64_t>() > max)) {
      fail(member_path(name), "must be an integer from " + std::to_string(min) +
                                  " to " + std::to_string(max) + ", got " +
                                  value->dump());
    }
    return static_cast<std::uint32_t>(value->get<std::uint64_t>());
  }

  // An array member (empty if absent).
  const Json& array(std::string_view name) const {
    static const Json kEmpty = Json::array();
    const Json* value = find(name);
    if (value == nullptr) return kEmpty;
    if (!value->is_array()) fail(member_path(name), "must be an array");
    return *value;
  }

  std::vector<std::string> strings(std::string_view name) const {
    std::vector<std::string> out;
    const Json& items = array(name);
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string()) {
        fail(member_path(name) + "[" + std::to_string(i) + "]",
             "must be a string");
      }
      out.push_back(items[i].get<std::string>());
    }
    return out;
  }

 private:
  const Json& object_;
  std::string path_;
};

std::string item_path(std::string_view array, std::size_t i) {
  return std::string(array) + "[" + std::to_string(i) + "]";
}

void check_unique(std::set<std::string>& seen, const std::string& id,
                  const std::string& path) {
  if (!seen.insert(id).second) fail(path, "\"" + id + "\" is declared twice");
}

SettingField read_setting(const Json& json, const std::string& path) {
  ObjectReader r(json, path);
  SettingField f;
  f.id = r.string("id", true);
  if (!is_word(f.id)) {
    fail(path + ".id", "\"" + f.id + "\" must be letters, digits and _");
  }
  f.label = r.string("label", false, f.id);
  f.type = r.string("type", true);
  if (f.type != "boolean" && f.type != "number" && f.type != "string" &&
      f.type != "select") {
    fail(path + ".type",
         "\"" + f.type + "\" is not one of boolean, number, string, select");
  }
  f.options = r.strings("options");
  if (f.type == "select" && f.options.empty()) {
    fail(path + ".options", "must list the choices of a select setting");
  }
  f.help = r.string("help", false);
  if (const Json* value = r.find("default")) {
    f.default_value = *value;
    const std::string problem = check_setting_value(f, f.default_value);
    if (!problem.empty()) fail(path + ".default", "is invalid: " + problem);
  }
  return f;
}

ActionSpec read_action(const Json& json, const std::string& path) {
  ObjectReader r(json, path);
  ActionSpec a;
  a.id = r.string("id", true);
  if (!is_word(a.id)) {
    fail(path + ".id", "\"" + a.id + "\" must be letters, digits and _");
  }
  a.label = r.string("label", false, a.id);
  a.description = r.string("description", false);
  return a;
}

EventSpec read_event(const Json& json, const std::string& path,
                     const std::string& key) {
  ObjectReader r(json, path);
  EventSpec e;
  e.name = r.string("name", true);
  if (!is_valid_event_name(e.name) || e.name.rfind(key + ".", 0) != 0) {
    fail(path + ".name", "\"" + e.name + "\" must be \"" + key +
                             ".<action>\" with <action> matching "
                             "[a-z][a-z0-9_]*");
  }
  const std::string level = r.string("level", true);
  const auto set = parse_level_set(level);
  if (!set || *set == LevelSet::kDisabled) {
    fail(path + ".level",
         "\"" + level + "\" is not one of CRITICAL, SYSTEM, FULL");
  }
  e.level = *set;
  if (const Json* fields = r.find("fields")) {
    if (auto problem = read_field_list(*fields, e)) fail(path, *problem);
  }
  e.description = r.string("description", false);
  e.origin = key;
  return e;
}

Priority read_priority(const ObjectReader& r) {
  const std::string text = r.string("priority", false, "normal");
  if (text == "critical") return Priority::kCritical;
  if (text == "high") return Priority::kHigh;
  if (text == "normal") return Priority::kNormal;
  if (text == "low") return Priority::kLow;
  fail("priority",
       "\"" + text + "\" is not one of critical, high, normal, low");
}

std::vector<std::string> read_subscribe(const ObjectReader& r) {
  if (r.find("subscribe") == nullptr) return {"*"};
  std::vector<std::string> patterns = r.strings("subscribe");
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    if (!is_event_pattern(patterns[i])) {
      fail(item_path("subscribe", i),
           "\"" + patterns[i] +
               "\" is not an event pattern such as \"channel.*\" or \"*\"");
    }
  }
  return patterns;
}

// The optional "host_version" range; its parse error names the bad clause.
std::optional<VersionRange> read_host_version(const ObjectReader& r) {
  if (r.find("host_version") == nullptr) return std::nullopt;
  const std::string text = r.string("host_version", true);
  try {
    return VersionRange::parse(text);
  } catch (const Error& e) {
    throw Error(ErrorKind::kInvalidInput, std::string("manifest: ") + e.what());
  }
}

// "isolation", "sandbox" and "limits": how the plugin asks to be run.
void read_isolation(const ObjectReader& r, Manifest* m) {
  const std::string tier = r.string("isolation", false, "thread");
  const auto isolation = parse_isolation(tier);
  if (!isolation) {
    fail("isolation",
         "must be \"thread\" or \"process\", got \"" + tier + "\"");
  }
  m->isolation = *isolation;
  m->sandbox = r.strings("sandbox");
  for (std::size_t i = 0; i < m->sandbox.size(); ++i) {
    const std::string& promise = m->sandbox[i];
    const bool known =
        std::any_of(std::begin(kSandboxPromises), std::end(kSandboxPromises),
                    [&](const char* p) { return promise == p; });
    if (!known) {
      fail(item_path("sandbox", i),
           "\"" + promise +
               "\" is not a sandbox promise; use no_network, no_fs_write or "
               "no_spawn");
    }
  }
  if (const Json* limits = r.find("limits")) {
    const ObjectReader l(*limits, "limits");
    m->limits.memory_mb = l.integer("memory_mb", 0, m->limits.memory_mb);
    m->limits.cpu_seconds = l.integer("cpu_seconds", 0, m->limits.cpu_seconds);
    m->limits.open_files = l.integer("open_files", 0, m->limits.open_files);
  }
}

}  // namespace

const char* to_string(Priority p) {
  switch (p) {
    case Priority::kCritical:
      return "critical";
    case Priority::kHigh:
      return "high";
    case Priority::kNormal:
      return "normal";
    case Priority::kLow:
      return "low";
  }
  return "normal";
}

Manifest Manifest::parse(std::string_view json_text) {
  Manifest m;
  try {
    m.raw = Json::parse(json_text);
  } catch (const Json::exception& e) {
    // parse_error, and out_of_range for numbers too large to represent.
    throw Error(ErrorKind::kInvalidInput,
                std::string("manifest: not valid JSON: ") + e.what());
  }
  if (!m.raw.is_object()) fail("document", "must be a JSON object");
  const ObjectReader r(m.raw, "");

  m.key = r.string("key", true);
  if (!is_lower_identifier(m.key)) {
    fail("key", "\"" + m.key + "\" must match [a-z][a-z0-9_]* (at most 64)");
  }
  m.name = r.string("name", false, m.key);
  m.version = r.string("version", false);
  m.description = r.string("description", false);

  std::set<std::string> seen;
  const Json& settings = r.array("settings");
  for (std::size_t i = 0; i < settings.size(); ++i) {
    m.settings.push_back(read_setting(settings[i], item_path("settings", i)));
    check_unique(seen, m.settings.back().id, item_path("settings", i) + ".id");
  }
  seen.clear();
  const Json& actions = r.array("actions");
  for (std::size_t i = 0; i < actions.size(); ++i) {
    m.actions.push_back(read_action(actions[i], item_path("actions", i)));
    check_unique(seen, m.actions.back().id, item_path("actions", i) + ".id");
  }
  seen.clear();
  const Json& events = r.array("events");
  for (std::size_t i = 0; i < events.size(); ++i) {
    m.events.push_back(read_event(events[i], item_path("events", i), m.key));
    check_unique(seen, m.events.back().name, item_path("events", i) + ".name");
  }

  m.subscribe = read_subscribe(r);
  m.priority = read_priority(r);
  m.concurrency = r.integer("concurrency", 1, m.concurrency);
  m.timeout_ms = r.integer("timeout_ms", 1, m.timeout_ms);
  m.queue_capacity = r.integer("queue_capacity", 1, m.queue_capacity);
  m.max_emits_per_second =
      r.integer("max_emits_per_second", 1, m.max_emits_per_second);
  m.host_version = read_host_version(r);
  read_isolation(r, &m);
  const std::string cluster = r.string("cluster", false, "shared");
  const auto mode = parse_cluster_mode(cluster);
  if (!mode) {
    fail("cluster",
         "must be \"shared\", \"ordered\" or \"every_node\", got \"" + cluster +
             "\"");
  }
  m.cluster = *mode;
  if (const Json* retry = r.find("retry")) {
    const ObjectReader rr(*retry, "retry");
    m.retry_attempts = rr.integer("max_attempts", 1, 0);
    m.retry_backoff_ms = rr.integer("backoff_ms", 1, 0);
  }
  return m;
}

const char* to_string(Isolation i) {
  return i == Isolation::kProcess ? "process" : "thread";
}

std::optional<Isolation> parse_isolation(std::string_view text) {
  if (text == "thread") return Isolation::kThread;
  if (text == "process") return Isolation::kProcess;
  return std::nullopt;
}

const char* to_string(ClusterMode mode) {
  switch (mode) {
    case ClusterMode::kOrdered:
      return "ordered";
    case ClusterMode::kEveryNode:
      return "every_node";
    case ClusterMode::kShared:
      break;
  }
  return "shared";
}

std::optional<ClusterMode> parse_cluster_mode(std::string_view text) {
  if (text == "shared") return ClusterMode::kShared;
  if (text == "ordered") return ClusterMode::kOrdered;
  if (text == "every_node") return ClusterMode::kEveryNode;
  return std::nullopt;
}

const SettingField* Manifest::find_setting(std::string_view id) const {
  for (const SettingField& f : settings) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

const ActionSpec* Manifest::find_action(std::string_view id) const {
  for (const ActionSpec& a : actions) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

}  // namespace eventhost
