// A cluster's configuration, shared in Redis by real `eventhost run
// --cluster` nodes: what an operator changes on one node (enable,
// configure, level) reaches the others; a node whose copy of a plugin
// differs from the cluster's pin, or lacks it, does not run it and says
// so while the others run it; a node that joins later follows what the
// cluster has.
#include <catch2/catch.hpp>
#include <fstream>
#include <set>

#include "../daemon/daemon_test_support.h"
#include "cluster/redis_connection.h"
#include "cluster/redis_url.h"
#include "recorded_ids.h"
#include "redis_server.h"

namespace eventhost::test {
namespace {

constexpr const char* kPrefix = "cfg";

// One node: a sandbox of its own with the recorder's file in its plugins
// folder (disabled), run as a daemon of the cluster.
struct Node {
  std::string name;
  CliSandbox sandbox;
  std::unique_ptr<DaemonProcess> daemon;

  explicit Node(std::string n, bool with_recorder = true) : name(std::move(n)) {
    if (with_recorder) sandbox.add_plugin("recorder.so");
  }
  void start(const RedisServer& redis) {
    daemon = std::make_unique<DaemonProcess>(
        sandbox, std::vector<std::string>{"--cluster", redis.url(), "--node",
                                          name, "--cluster-prefix", kPrefix});
    INFO(daemon->log());
    REQUIRE(daemon->ready());
  }
  // What `plugins list --json` says of `key` on this node (through its
  // control socket); null if it lists no such plugin.
  json listed(const std::string& key) const {
    const CliRun run = sandbox.run({"plugins", "list", "--json"});
    const json all = json::parse(run.out, nullptr, false);
    if (!all.is_array()) return nullptr;
    for (const json& p : all) {
      if (p.value("key", "") == key) return p;
    }
    return nullptr;
  }
  json api_plugin(const std::string& key) const {
    return json::parse(daemon->get("/api/plugins/" + key).body, nullptr, false);
  }
  std::string level() const {
    const json j = json::parse(daemon->get("/api/level").body, nullptr, false);
    return j.is_object() ? j.value("level", "") : "";
  }
  fs::path record() const { return sandbox.root() / "recorded.txt"; }
};

bool runs(const json& p) {
  return p.is_object() && p.value("status", "") == "ok" &&
         p["live"].value("loaded", false);
}

std::set<std::uint64_t> recorded_ids(const fs::path& file) {
  const auto ids = recorded_channel_created(file);
  return {ids.begin(), ids.end()};
}

std::set<std::uint64_t> post(const DaemonProcess& d, int first, int count) {
  std::string body;
  for (int i = first; i < first + count; ++i) body += channel_event(i) + "\n";
  const HttpReply reply =
      d.send("POST", "/api/events", body, "application/x-ndjson");
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  std::set<std::uint64_t> ids;
  const json answer = parse(reply);  // kept: the loop refers into it
  for (const auto& id : answer["ids"]) ids.insert(id.get<std::uint64_t>());
  return ids;
}

}  // namespace

TEST_CASE(
    "enable, configure and level set on one node of a cluster reach the "
    "other nodes") {
  Node a("a"), b("b");
  RedisServer redis(a.sandbox.root() / "redis");
  a.start(redis);
  b.start(redis);
  REQUIRE_FALSE(b.listed("recorder").value("enabled", true));

  // Enabled through a's control socket: b runs it too.
  const CliRun enabled = a.sandbox.run({"plugins", "enable", "recorder"});
  INFO(enabled.err);
  REQUIRE(enabled.status == 0);
  CHECK(wait_until([&] { return runs(b.listed("recorder")); }));
  CHECK(b.listed("recorder")["sha256_pinned"] ==
        a.listed("recorder")["sha256_pinned"]);

  // Configured through b's HTTP API: a has the value too.
  const HttpReply configured = b.daemon->send(
      "PUT", "/api/plugins/recorder/settings", R"({"sleep_us": 7})");
  INFO(configured.body);
  REQUIRE(configured.status == 200);
  CHECK(wait_until([&] {
    const json p = a.api_plugin("recorder");
    return p.is_object() && p["settings"]["sleep_us"] == 7;
  }));
  // ... and the relative record path, configured through a's CLI, makes
  // each node record in its own folder.
  REQUIRE(
      a.sandbox.run({"plugins", "configure", "recorder", "path=recorded.txt"})
          .status == 0);
  CHECK(wait_until([&] {
    return b.listed("recorder")["settings"]["path"] == "recorded.txt";
  }));

  // The isolation tier, set through a's CLI: b runs it in a worker too.
  const CliRun tier = a.sandbox.run(
      {"plugins", "configure", "recorder", "--isolation", "process"});
  INFO(tier.err);
  REQUIRE(tier.status == 0);
  CHECK(wait_until([&] {
    const json p = b.listed("recorder");
    return runs(p) && p["isolation"] == "process" &&
           p["isolation_source"] == "user";
  }));

  // The level, set on b, applies on a.
  REQUIRE(b.sandbox.run({"level", "set", "CRITICAL"}).status == 0);
  CHECK(wait_until([&] { return a.level() == "CRITICAL"; }));

  // Disabled on b: a stops running it.
  REQUIRE(b.sandbox.run({"plugins", "disable", "recorder"}).status == 0);
  CHECK(wait_until([&] {
    const json p = a.listed("recorder");
    return p.is_object() && !p.value("enabled", true) &&
           !p["live"].value("loaded", true);
  }));
}

TEST_CASE(
    "a node whose plugin file differs from the cluster's pin does not run "
    "it and says so, a node without the file says so too, while the "
    "other nodes run it and deliver") {
  Node a("a"), b("b"), c("c", false);
  // b's copy differs by one byte at its end (still a valid plugin file).
  {
    std::ofstream out(b.sandbox.plugins_dir() / "recorder.so",
                      std::ios::binary | std::ios::app);
    out << '\n';
  }
  REQUIRE(
      a.sandbox.run({"plugins", "configure", "recorder", "path=recorded.txt"})
          .status == 0);
  RedisServer redis(a.sandbox.root() / "redis");
  a.start(redis);
  b.start(redis);
  c.start(redis);
  REQUIRE(a.sandbox.run({"plugins", "enable", "recorder"}).status == 0);

  REQUIRE(wait_until([&] {
    return b.listed("recorder")
               .value("status", "")
               .rfind("pin mismatch on node b", 0) == 0;
  }));
  CHECK_FALSE(b.listed("recorder")["live"].value("loaded", true));
  CHECK_THAT(b.api_plugin("recorder").value("status", ""),
             Catch::StartsWith("pin mismatch on node b"));
  CHECK_THAT(b.sandbox.run({"plugins", "list"}).out,
             Catch::Contains("pin mismatch on node b"));
  REQUIRE(wait_until([&] {
    return c.listed("recorder")
               .value("status", "")
               .rfind("missing on node c", 0) == 0;
  }));
  CHECK_THAT(c.api_plugin("recorder").value("status", ""),
             Catch::StartsWith("missing on node c"));
  CHECK_THAT(c.sandbox.run({"plugins", "list"}).out,
             Catch::Contains("missing on node c"));
  CHECK(runs(a.listed("recorder")));

  // Events accepted by any node reach the recorder on a, the only node
  // running it; b and c record nothing.
  std::set<std::uint64_t> ids = post(*b.daemon, 1, 5);
  for (std::uint64_t id : post(*c.daemon, 6, 5)) ids.insert(id);
  REQUIRE(ids.size() == 10);
  CHECK(wait_until([&] { return recorded_ids(a.record()) == ids; }));
  CHECK(recorded_ids(b.record()).empty());
  CHECK(recorded_ids(c.record()).empty());

  // The pinned file copied to c, and put in place of b's, each runs it
  // once it rescans its folder (SIGHUP: at once).
  c.sandbox.add_plugin("recorder.so");
  REQUIRE(::kill(c.daemon->pid(), SIGHUP) == 0);
  CHECK(wait_until([&] { return runs(c.listed("recorder")); }));
  fs::remove(b.sandbox.plugins_dir() / "recorder.so");
  b.sandbox.add_plugin("recorder.so");
  REQUIRE(::kill(b.daemon->pid(), SIGHUP) == 0);
  CHECK(wait_until([&] { return runs(b.listed("recorder")); }));
}

TEST_CASE(
    "a node that joins a cluster follows the configuration the cluster "
    "has, not its own") {
  Node a("a"), b("b");
  // b's own configuration, which the cluster's replaces.
  b.sandbox.add_plugin("recorder_every.so");
  REQUIRE(b.sandbox.run({"plugins", "configure", "recorder", "sleep_us=99"})
              .status == 0);
  REQUIRE(b.sandbox
              .run({"plugins", "configure", "recorder_every", "path=every.txt"})
              .status == 0);
  REQUIRE(b.sandbox.run({"plugins", "enable", "recorder_every"}).status == 0);
  REQUIRE(b.sandbox.run({"level", "set", "SYSTEM"}).status == 0);

  RedisServer redis(a.sandbox.root() / "redis");
  a.start(redis);
  REQUIRE(a.sandbox
              .run({"plugins", "configure", "recorder", "path=recorded.txt",
                    "attempts=true"})
              .status == 0);
  REQUIRE(a.sandbox.run({"plugins", "enable", "recorder"}).status == 0);
  REQUIRE(a.sandbox.run({"level", "set", "CRITICAL"}).status == 0);

  // Followed before the node says it is ready: nothing to wait for.
  b.start(redis);
  const json recorder = b.listed("recorder");
  CHECK(runs(recorder));
  CHECK(recorder["settings"]["path"] == "recorded.txt");
  CHECK(recorder["settings"]["attempts"] == true);
  CHECK(recorder["settings"]["sleep_us"] == 0);  // the cluster sets none
  const json every = b.listed("recorder_every");
  CHECK_FALSE(every.value("enabled", true));
  CHECK_FALSE(every["live"].value("loaded", true));
  CHECK(b.level() == "CRITICAL");
}

TEST_CASE(
    "a change whose message a node missed is followed all the same: each "
    "node reads the configuration's version every second") {
  Node a("a");
  REQUIRE(a.sandbox.run({"plugins", "enable", "recorder"}).status == 0);
  RedisServer redis(a.sandbox.root() / "redis");
  a.start(redis);
  REQUIRE(runs(a.listed("recorder")));
  // A change written as share() writes it, but announced to nobody.
  cluster::RedisConnection r(cluster::parse_redis_url(redis.url()), {});
  const std::string plugins = std::string(kPrefix) + ":plugins";
  json entry = json::parse(r.command({"HGET", plugins, "recorder"}).str);
  const long long version =
      r.command({"INCR", std::string(kPrefix) + ":config:version"})
          .as_integer();
  entry["revision"] = version;
  entry["settings"]["sleep_us"] = "11";
  REQUIRE_FALSE(
      r.command({"HSET", plugins, "recorder", entry.dump()}).is_error());
  CHECK(wait_until(
      [&] { return a.listed("recorder")["settings"]["sleep_us"] == 11; }));
}

TEST_CASE(
    "a change made on a node while the cluster's Redis is down answers "
    "503 saying it was made on that node only, and once Redis is back the "
    "node follows the cluster again") {
  Node a("a");
  RedisServer redis(a.sandbox.root() / "redis");
  a.start(redis);
  redis.stop();
  const CliRun enabled = a.sandbox.run({"plugins", "enable", "recorder"});
  CHECK(enabled.status == 1);
  CHECK_THAT(enabled.err, Catch::Contains("made on node a only"));
  redis.start();
  // The cluster never heard of the enable: the node undoes it.
  CHECK(wait_until(
      [&] {
        const json p = a.listed("recorder");
        return p.is_object() && !p.value("enabled", true);
      },
      std::chrono::seconds(20)));
}

TEST_CASE(
    "the circuit breaker stops a plugin on its own node only: enabled in "
    "the cluster, stopped there across a restart, running there again "
    "once an operator enables it on any node") {
  Node a("a"), b("b");
  // Its first 5 calls on a node fail: a's breaker (5 in a row) trips.
  REQUIRE(a.sandbox
              .run({"plugins", "configure", "recorder", "path=recorded.txt",
                    "fail_first=5"})
              .status == 0);
  REQUIRE(a.sandbox.run({"plugins", "enable", "recorder"}).status == 0);
  RedisServer redis(a.sandbox.root() / "redis");
  a.start(redis);
  post(*a.daemon, 1, 5);
  const auto stopped_on_a = [&] {
    return a.listed("recorder")
               .value("status", "")
               .rfind("disabled by breaker", 0) == 0;
  };
  REQUIRE(wait_until(stopped_on_a));
  cluster::RedisConnection r(cluster::parse_redis_url(redis.url()), {});
  const json entry = json::parse(
      r.command({"HGET", std::string(kPrefix) + ":plugins", "recorder"}).str);
  CHECK(entry["enabled"] == true);

  b.start(redis);
  CHECK(runs(b.listed("recorder")));
  a.daemon->stop(SIGTERM);
  a.daemon.reset();
  a.start(redis);
  CHECK(stopped_on_a());

  REQUIRE(b.sandbox.run({"plugins", "enable", "recorder"}).status == 0);
  CHECK(wait_until([&] { return runs(a.listed("recorder")); }));
}

}  // namespace eventhost::test
