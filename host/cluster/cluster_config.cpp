#include "cluster/cluster_config.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "common/error.h"

namespace eventhost::cluster {
namespace {

// Writes one plugin's entry. KEYS[1] the version, KEYS[2] P:plugins;
// ARGV[1] the key, ARGV[2] its entry (JSON), ARGV[3] "1" for an enable,
// ARGV[4] the channel. Returns the new version.
constexpr const char* kShareScript = R"lua(
local v = redis.call('INCR', KEYS[1])
local e = cjson.decode(ARGV[2])
e.revision = v
if ARGV[3] == '1' then
  e.enabled_at = v
else
  local old = redis.call('HGET', KEYS[2], ARGV[1])
  if old then e.enabled_at = cjson.decode(old).enabled_at end
end
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(e))
redis.call('PUBLISH', ARGV[4], v)
return v
)lua";

// Writes the level. KEYS[1] the version, KEYS[2] P:level; ARGV[1] the
// level, ARGV[2] the channel.
constexpr const char* kLevelScript = R"lua(
local v = redis.call('INCR', KEYS[1])
redis.call('SET', KEYS[2], ARGV[1])
redis.call('PUBLISH', ARGV[2], v)
return v
)lua";

// Seeds a cluster that has no configuration yet. KEYS as kShareScript's,
// KEYS[3] P:level; ARGV[1] the channel, ARGV[2] the level or "", then
// key, entry pairs. Returns the version, or 0 if there was one already
// (another node seeded it first).
constexpr const char* kSeedScript = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local v = redis.call('INCR', KEYS[1])
if ARGV[2] ~= '' then redis.call('SET', KEYS[3], ARGV[2]) end
for i = 3, #ARGV, 2 do
  local e = cjson.decode(ARGV[i + 1])
  e.revision = v
  if e.enabled then e.enabled_at = v end
  redis.call('HSET', KEYS[2], ARGV[i], cjson.encode(e))
end
redis.call('PUBLISH', ARGV[1], v)
return v
)lua";

std::string entry_json(const SharedPluginConfig& c, const std::string& node) {
  // An empty object, not an array, for no settings (Lua's cjson keeps it).
  nlohmann::json settings = nlohmann::json::object();
  for (const auto& [id, text] : c.settings) settings[id] = text;
  return nlohmann::json{{"enabled", c.enabled},
                        {"sha256", c.sha256},
                        {"isolation", c.isolation},
                        {"settings", settings},
                        {"by", node}}
      .dump();
}

// One entry of P:plugins; nullopt (and a warning) for one that is not
// what share() writes.
struct Entry {
  SharedPluginConfig config;
  long long revision = 0;
  long long enabled_at = 0;
};
std::optional<Entry> parse_entry(const std::string& key,
                                 const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) {
    spdlog::warn("cluster: the configuration of {} is not JSON; ignored", key);
    return std::nullopt;
  }
  Entry e;
  e.config.key = key;
  e.config.enabled = j.value("enabled", false);
  e.config.sha256 = j.value("sha256", "");
  e.config.isolation = j.value("isolation", "");
  if (j.contains("settings") && j["settings"].is_object()) {
    for (const auto& [id, value] : j["settings"].items()) {
      e.config.settings[id] =
          value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  e.revision = j.value("revision", 0LL);
  e.enabled_at = j.value("enabled_at", 0LL);
  return e;
}

}  // namespace

struct ClusterConfig::Snapshot {
  long long version = 0;  // 0: the cluster has no configuration yet
  std::map<std::string, Entry> plugins;
  std::optional<std::string> level;
};

ClusterConfig::ClusterConfig(Cluster& cluster, WithHost with_host)
    : cluster_(cluster),
      with_host_(std::move(with_host)),
      redis_(cluster.connect("config")),
      subscription_(cluster.connect("config-watch")) {}

ClusterConfig::~ClusterConfig() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ClusterConfig::Snapshot ClusterConfig::read(RedisConnection& redis) {
  const ClusterKeys& k = cluster_.keys();
  // One transaction: the version and what it stands for, together.
  const auto replies = redis.pipeline({{"MULTI"},
                                       {"GET", k.version()},
                                       {"HGETALL", k.plugins()},
                                       {"GET", k.level()},
                                       {"EXEC"}});
  const RedisReply& all = replies.back();
  if (!all.is_array() || all.elements.size() != 3) {
    throw Error(
        ErrorKind::kUnavailable,
        "cluster: unexpected reply reading the configuration: " + all.str);
  }
  Snapshot s;
  s.version = all.elements[0].as_integer();
  const auto& fields = all.elements[1].elements;
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    if (auto e = parse_entry(fields[i].str, fields[i + 1].str)) {
      s.plugins[fields[i].str] = std::move(*e);
    }
  }
  if (!all.elements[2].is_nil()) s.level = all.elements[2].str;
  return s;
}

void ClusterConfig::follow(Host& host, const Snapshot& snapshot, bool joining) {
  const std::string& node = cluster_.options().node;
  bool resync = false;
  {
    // Cleared now: a resync() asked for while this runs is for after it.
    std::lock_guard lock(mutex_);
    resync = resync_ || joining;
    resync_ = false;
  }
  for (const auto& [key, entry] : snapshot.plugins) {
    bool revive = false;
    {
      std::lock_guard lock(mutex_);
      const auto seen = revisions_.find(key);
      if (!resync && seen != revisions_.end() && seen->second == entry.revision)
        continue;
      const auto enabled = enabled_at_.find(key);
      revive =
          enabled != enabled_at_.end() && enabled->second != entry.enabled_at;
    }
    const std::string problem = host.adopt(entry.config, revive);
    if (!problem.empty()) {
      spdlog::warn("cluster: node {} cannot follow the cluster for {}: {}",
                   node, key, problem);
    }
    std::lock_guard lock(mutex_);
    revisions_[key] = entry.revision;
    enabled_at_[key] = entry.enabled_at;
  }
  if (resync) {
    // What the cluster does not know is off in the cluster.
    for (const SharedPluginConfig& mine : host.shared_configs()) {
      if (snapshot.plugins.count(mine.key) != 0) continue;
      SharedPluginConfig off;
      off.key = mine.key;
      const std::string problem = host.adopt(off, false);
      if (!problem.empty()) {
        spdlog::warn("cluster: node {} cannot disable {}: {}", node, mine.key,
                     problem);
      }
    }
  }
  if (snapshot.level && host.stored_level() != snapshot.level) {
    if (const auto level = parse_level(*snapshot.level)) {
      host.set_level(*level);
      spdlog::info("cluster: event level {} (set on the cluster)",
                   *snapshot.level);
    }
  }
  std::lock_guard lock(mutex_);
  version_ = snapshot.version;
}

void ClusterConfig::join(Host& host) {
  const ClusterKeys& k = cluster_.keys();
  Snapshot snapshot = read(*redis_);
  if (snapshot.version == 0) {
    std::vector<std::string> args{
        "EVAL",      kSeedScript,
        "3",         k.version(),
        k.plugins(), k.level(),
        k.channel(), host.stored_level().value_or("")};
    for (const SharedPluginConfig& c : host.shared_configs()) {
      args.push_back(c.key);
      args.push_back(entry_json(c, cluster_.options().node));
    }
    const RedisConnection::Args view(args.begin(), args.end());
    const RedisReply seeded = redis_->command(view);
    if (seeded.is_error()) {
      throw Error(ErrorKind::kUnavailable,
                  "cannot seed the cluster's configuration: " + seeded.str);
    }
    if (seeded.as_integer() != 0) {
      spdlog::info(
          "cluster: the cluster had no configuration; node {} gave it its "
          "own",
          cluster_.options().node);
    }
    snapshot = read(*redis_);
  }
  follow(host, snapshot, true);
}

void ClusterConfig::share(Host& host, const std::string& key, bool enabled) {
  const ClusterKeys& k = cluster_.keys();
  const std::string& node = cluster_.options().node;
  try {
    RedisReply reply;
    if (key.empty()) {
      const auto level = host.stored_level();
      if (!level) return;
      reply = cluster_.command({"EVAL", kLevelScript, "2", k.version(),
                                k.level(), *level, k.channel()});
    } else {
      const std::string entry = entry_json(host.shared_config(key), node);
      reply =
          cluster_.command({"EVAL", kShareScript, "2", k.version(), k.plugins(),
                            key, entry, enabled ? "1" : "0", k.channel()});
      if (!reply.is_error()) {
        std::lock_guard lock(mutex_);
        revisions_[key] = reply.as_integer();
        if (enabled) enabled_at_[key] = reply.as_integer();
      }
    }
    if (reply.is_error()) throw Error(ErrorKind::kUnavailable, reply.str);
  } catch (const Error& e) {
    unshared(e.what());
  }
}

void ClusterConfig::unshared(const std::string& why) {
  {
    std::lock_guard lock(mutex_);
    resync_ = true;
  }
  throw Error(ErrorKind::kUnavailable,
              "the change was made on node " + cluster_.options().node +
                  " only, not in the cluster: " + why +
                  "; once the cluster's Redis answers, this node follows "
                  "the cluster's configuration again: make the change "
                  "again then");
}

void ClusterConfig::resync() {
  std::lock_guard lock(mutex_);
  resync_ = true;
}

void ClusterConfig::watch() {
  thread_ = std::thread([this] { loop(); });
}

void ClusterConfig::look() {
  const long long version =
      redis_->command({"GET", cluster_.keys().version()}).as_integer();
  {
    std::lock_guard lock(mutex_);
    if (version == version_ && !resync_) return;
  }
  // Read and followed with the Host held, so that no change an operator
  // makes here meanwhile is undone by an older snapshot.
  with_host_([this](Host& host) { follow(host, read(*redis_), false); });
}

void ClusterConfig::loop() {
  const std::string channel = cluster_.keys().channel();
  bool subscribed = false, failing = false;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    try {
      if (!subscribed || !subscription_->is_open()) {
        subscription_->send({"SUBSCRIBE", channel});
        subscribed = true;
      }
      // A message, or a second without one: either way, look.
      subscription_->receive(std::chrono::milliseconds(1000));
      look();
      if (failing) spdlog::info("cluster: configuration watch reaches Redis");
      failing = false;
    } catch (const Error& e) {
      if (!failing) {
        spdlog::warn(
            "cluster: node {} cannot read the cluster's configuration ({}); "
            "trying again every second",
            cluster_.options().node, e.what());
      }
      failing = true;
      subscribed = false;
      {
        std::unique_lock lock(mutex_);
        resync_ = true;
        wake_.wait_for(lock, std::chrono::milliseconds(1000),
                       [this] { return stopping_; });
      }
    }
  }
}

}  // namespace eventhost::cluster
