// Real `eventhost run --cluster` nodes on one real redis-server: events
// accepted on any node go to the cluster's stream, acknowledged once Redis
// has them; the nodes running a plugin share its events, each delivered
// once; a node killed with SIGKILL loses nothing acknowledged: another
// takes over what it held.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "../daemon/daemon_test_support.h"
#include "cluster/redis_connection.h"
#include "cluster/redis_url.h"
#include "cluster/stream_ids.h"
#include "recorded_ids.h"
#include "redis_server.h"

namespace eventhost::test {
namespace {

using cluster::RedisConnection;

constexpr const char* kPrefix = "t1";

// One node: a sandbox of its own (state, plugins folder, record file)
// with the recorder enabled, ready to run as a daemon of the cluster.
struct Node {
  std::string name;
  RecorderWorld world;
  std::unique_ptr<DaemonProcess> daemon;

  explicit Node(std::string n, int sleep_us = 0) : name(std::move(n)) {
    // Settings are the cluster's: a path relative to each node's folder
    // (DaemonProcess runs it there) keeps each node's record its own.
    REQUIRE(world.sandbox
                .run({"plugins", "configure", "recorder",
                      "path=" + world.record.filename().string()})
                .status == 0);
    if (sleep_us > 0) {
      REQUIRE(world.sandbox
                  .run({"plugins", "configure", "recorder",
                        "sleep_us=" + std::to_string(sleep_us)})
                  .status == 0);
    }
  }
  void start(const RedisServer& redis, const std::string& claim_ms = "30000") {
    daemon = std::make_unique<DaemonProcess>(
        world.sandbox,
        std::vector<std::string>{"--cluster", redis.url(), "--node", name,
                                 "--cluster-prefix", kPrefix,
                                 "--cluster-claim-ms", claim_ms});
    INFO(daemon->log());
    REQUIRE(daemon->ready());
  }
  // The event ids its recorder got, one per call.
  std::vector<std::uint64_t> recorded() const {
    return recorded_channel_created(world.record);
  }
};

RedisConnection client(const RedisServer& redis) {
  return RedisConnection(cluster::parse_redis_url(redis.url()), {});
}

// Consumers of the recorder's group that have read at least once.
std::size_t consumers(RedisConnection& redis) {
  const auto r = redis.command(
      {"XINFO", "CONSUMERS", std::string(kPrefix) + ":events", "recorder"});
  return r.is_array() ? r.elements.size() : 0;
}

std::string batch(int first, int count) {
  std::string body;
  for (int i = first; i < first + count; ++i) body += channel_event(i) + "\n";
  return body;
}

// Posts `body` as NDJSON; returns the ids the node acknowledged.
std::vector<std::uint64_t> post(const DaemonProcess& d,
                                const std::string& body) {
  const HttpReply reply =
      d.send("POST", "/api/events", body, "application/x-ndjson");
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  std::vector<std::uint64_t> ids;
  const json answer = parse(reply);
  for (const auto& id : answer["ids"]) ids.push_back(id.get<std::uint64_t>());
  return ids;
}

std::vector<std::uint64_t> together(const Node& a, const Node& b) {
  auto all = a.recorded();
  const auto more = b.recorded();
  all.insert(all.end(), more.begin(), more.end());
  return all;
}

}  // namespace

TEST_CASE(
    "an event accepted by a node of a cluster is in the cluster's "
    "stream, its id made from the stream id") {
  RecorderWorld world;
  RedisServer redis(world.sandbox.root() / "redis");
  DaemonProcess node(world.sandbox, {"--cluster", redis.url(), "--node", "a",
                                     "--cluster-prefix", kPrefix});
  INFO(node.log());
  REQUIRE(node.ready());
  const auto ids = post(node, batch(1, 3));
  REQUIRE(ids.size() == 3);
  CHECK(ids[0] < ids[1]);
  CHECK(ids[1] < ids[2]);
  RedisConnection r = client(redis);
  for (std::uint64_t id : ids) {
    const std::string sid = cluster::stream_id_of(id);
    const auto entry =
        r.command({"XRANGE", std::string(kPrefix) + ":events", sid, sid});
    REQUIRE(entry.elements.size() == 1);
    const auto& fields = entry.elements[0].elements[1].elements;
    CHECK(fields[0].str == "e");
    CHECK(fields[1].str == "channel.created");
  }
  // And it comes back to the node's own plugin, from the stream.
  CHECK(wait_until([&] {
    const auto got = recorded_channel_created(world.record);
    return std::set<std::uint64_t>(got.begin(), got.end()) ==
           std::set<std::uint64_t>(ids.begin(), ids.end());
  }));
}

TEST_CASE(
    "three nodes on one Redis share a plugin's events: 10 000 posted "
    "round-robin are each recorded once, by one node") {
  Node a("a", 100), b("b", 100), c("c", 100);
  RedisServer redis(a.world.sandbox.root() / "redis");
  a.start(redis);
  b.start(redis);
  c.start(redis);
  RedisConnection r = client(redis);
  // All have joined the recorder's group before anything is sent.
  REQUIRE(wait_until([&] { return consumers(r) == 3; }));

  const std::vector<const Node*> nodes{&a, &b, &c};
  const auto everything = [&] {
    std::vector<std::uint64_t> all;
    for (const Node* n : nodes) {
      const auto got = n->recorded();
      all.insert(all.end(), got.begin(), got.end());
    }
    return all;
  };
  std::set<std::uint64_t> acknowledged;
  constexpr int kBatches = 100, kPerBatch = 100;
  for (int i = 0; i < kBatches; ++i) {
    const DaemonProcess& to = *nodes[i % nodes.size()]->daemon;
    for (std::uint64_t id : post(to, batch(i * kPerBatch, kPerBatch))) {
      acknowledged.insert(id);
    }
  }
  REQUIRE(acknowledged.size() == kBatches * kPerBatch);
  REQUIRE(wait_until([&] { return everything().size() >= acknowledged.size(); },
                     std::chrono::seconds(120)));
  // Nothing more comes: settle, then count.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto all = everything();
  CHECK(all.size() == acknowledged.size());
  CHECK(std::set<std::uint64_t>(all.begin(), all.end()) == acknowledged);
  for (const Node* n : nodes) {
    INFO("node " << n->name);
    CHECK_FALSE(n->recorded().empty());
  }
  // Every delivery was acknowledged in Redis: nothing left pending.
  CHECK(wait_until([&] {
    const auto p =
        r.command({"XPENDING", std::string(kPrefix) + ":events", "recorder"});
    return p.is_array() && p.elements[0].as_integer() == 0;
  }));
}

TEST_CASE(
    "when a node is killed holding entries, another node takes them "
    "over after the claim time: every acknowledged event is "
    "recorded") {
  Node a("a", 100000), b("b");  // a: 100 ms a call, so it holds many
  RedisServer redis(a.world.sandbox.root() / "redis");
  a.start(redis, "1000");
  RedisConnection r = client(redis);
  REQUIRE(wait_until([&] { return consumers(r) == 1; }));
  const auto ids = post(*a.daemon, batch(1, 40));
  REQUIRE(ids.size() == 40);
  // a has read them all and is working through them.
  REQUIRE(wait_until([&] { return !a.recorded().empty(); }));
  const auto pending =
      r.command({"XPENDING", std::string(kPrefix) + ":events", "recorder"});
  REQUIRE(pending.elements[0].as_integer() > 10);
  a.daemon->stop(SIGKILL);
  const auto done_by_a = a.recorded();
  REQUIRE(done_by_a.size() < ids.size());

  b.start(redis, "1000");
  REQUIRE(wait_until(
      [&] {
        const auto all = together(a, b);
        return std::set<std::uint64_t>(all.begin(), all.end()) ==
               std::set<std::uint64_t>(ids.begin(), ids.end());
      },
      std::chrono::seconds(30)));
  CHECK_FALSE(b.recorded().empty());
  CHECK_THAT(b.daemon->log(), Catch::Contains("took over"));
  // The claim is noted for `cluster status` (PREFIX:claims, by plugin).
  const auto note =
      r.command({"HGET", std::string(kPrefix) + ":claims", "recorder"});
  CHECK_THAT(note.str, Catch::Contains("\"node\":\"b\""));
}

TEST_CASE(
    "an every_node plugin gets every event of the cluster on each "
    "node, beside a shared one") {
  Node a("a"), b("b");
  std::map<std::string, fs::path> every;
  for (Node* n : {&a, &b}) {
    CliSandbox& box = n->world.sandbox;
    box.add_plugin("recorder_every.so");
    every[n->name] = box.root() / "every.txt";
    REQUIRE(box.run({"plugins", "configure", "recorder_every",
                     "path=" + every[n->name].filename().string()})
                .status == 0);
    REQUIRE(box.run({"plugins", "enable", "recorder_every"}).status == 0);
  }
  RedisServer redis(a.world.sandbox.root() / "redis");
  a.start(redis);
  b.start(redis);
  RedisConnection r = client(redis);
  auto groups = [&] {
    const auto g =
        r.command({"XINFO", "GROUPS", std::string(kPrefix) + ":events"});
    std::set<std::string> names;
    for (const auto& group : g.elements) names.insert(group.elements[1].str);
    return names;
  };
  REQUIRE(wait_until([&] {
    return groups() == std::set<std::string>{"recorder", "recorder_every@a",
                                             "recorder_every@b"};
  }));
  std::set<std::uint64_t> ids;
  for (std::uint64_t id : post(*a.daemon, batch(1, 10))) ids.insert(id);
  for (std::uint64_t id : post(*b.daemon, batch(11, 10))) ids.insert(id);
  auto recorded_in = [](const fs::path& file) {
    const auto got = recorded_channel_created(file);
    return std::multiset<std::uint64_t>(got.begin(), got.end());
  };
  const std::multiset<std::uint64_t> all(ids.begin(), ids.end());
  CHECK(wait_until([&] { return recorded_in(every["a"]) == all; }));
  CHECK(wait_until([&] { return recorded_in(every["b"]) == all; }));
  // The shared recorder got each of them once, on one node or the other.
  CHECK(wait_until([&] { return together(a, b).size() == ids.size(); }));
  const auto shared = together(a, b);
  CHECK(std::set<std::uint64_t>(shared.begin(), shared.end()) == ids);
}

TEST_CASE(
    "an ordered plugin runs on one node at a time and keeps stream "
    "order across a failover") {
  Node a("a"), b("b");
  std::map<std::string, fs::path> file;
  for (Node* n : {&a, &b}) {
    CliSandbox& box = n->world.sandbox;
    box.add_plugin("recorder_ordered.so");
    file[n->name] = box.root() / "ordered.txt";
    // 50 ms a call: the first node is still at it when it is killed.
    REQUIRE(
        box.run({"plugins", "configure", "recorder_ordered",
                 "path=" + file[n->name].filename().string(), "sleep_us=50000"})
            .status == 0);
    REQUIRE(box.run({"plugins", "enable", "recorder_ordered"}).status == 0);
  }
  auto recorded_in = [](const fs::path& f) {
    return recorded_channel_created(f);
  };
  RedisServer redis(a.world.sandbox.root() / "redis");
  a.start(redis, "1000");
  RedisConnection r = client(redis);
  const std::string lease = std::string(kPrefix) + ":lease:recorder_ordered";
  REQUIRE(wait_until([&] { return r.command({"GET", lease}).str == "a"; }));
  b.start(redis, "1000");
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 4; ++i) {
    const DaemonProcess& to = i % 2 == 0 ? *a.daemon : *b.daemon;
    for (std::uint64_t id : post(to, batch(i * 10, 10))) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  REQUIRE(wait_until([&] { return recorded_in(file["a"]).size() >= 5; }));
  a.daemon->stop(SIGKILL);
  const auto by_a = recorded_in(file["a"]);
  REQUIRE(by_a.size() < ids.size());
  // b takes the lease once a's expires, and goes on from where a was.
  REQUIRE(wait_until(
      [&] {
        auto all = by_a;
        const auto by_b = recorded_in(file["b"]);
        all.insert(all.end(), by_b.begin(), by_b.end());
        return std::set<std::uint64_t>(all.begin(), all.end()) ==
               std::set<std::uint64_t>(ids.begin(), ids.end());
      },
      std::chrono::seconds(30)));
  CHECK(r.command({"GET", lease}).str == "b");
  const auto by_b = recorded_in(file["b"]);
  // Each node saw its events in stream order, none skipped: b went on
  // from the oldest entry a had not acknowledged (one a finished but had
  // not yet acknowledged comes again: at least once).
  CHECK(by_a ==
        std::vector<std::uint64_t>(ids.begin(), ids.begin() + by_a.size()));
  REQUIRE_FALSE(by_b.empty());
  const auto from = std::find(ids.begin(), ids.end(), by_b.front());
  REQUIRE(from != ids.end());
  CHECK(from - ids.begin() <= static_cast<std::ptrdiff_t>(by_a.size()));
  CHECK(by_b == std::vector<std::uint64_t>(from, ids.end()));
}

TEST_CASE(
    "with the cluster's Redis stopped, a node answers 503 and "
    "acknowledges nothing; once Redis is back it accepts again") {
  RecorderWorld world;
  RedisServer redis(world.sandbox.root() / "redis");
  DaemonProcess node(world.sandbox, {"--cluster", redis.url(), "--node", "a",
                                     "--cluster-prefix", kPrefix});
  REQUIRE(node.ready());
  REQUIRE(post(node, batch(1, 2)).size() == 2);
  redis.stop();
  const HttpReply down = node.send("POST", "/api/events", channel_event(7));
  CHECK(down.status == 503);
  CHECK_THAT(down.body, Catch::Contains("nothing was accepted"));
  // The CLI, through the node's control socket: exit 1, saying why.
  const CliRun cli =
      world.sandbox.run({"emit", "channel.created", R"({"channel_id": 9})"});
  CHECK(cli.status == 1);
  CHECK_THAT(cli.err, Catch::Contains("nothing was accepted"));
  redis.start();  // AOF: what was acknowledged before is still there
  CHECK(wait_until(
      [&] {
        return node.send("POST", "/api/events", channel_event(8)).status == 200;
      },
      std::chrono::seconds(20)));
  RedisConnection r = client(redis);
  CHECK(r.command({"XLEN", std::string(kPrefix) + ":events"}).as_integer() >=
        3);
}

TEST_CASE(
    "lines a node reads on --stdin while Redis is down are held and "
    "stored once it is back, none lost") {
  RecorderWorld world;
  RedisServer redis(world.sandbox.root() / "redis");
  DaemonProcess node(world.sandbox,
                     {"--cluster", redis.url(), "--node", "a",
                      "--cluster-prefix", kPrefix, "--stdin"},
                     DaemonProcess::Stdin::kPipe);
  INFO(node.log());
  REQUIRE(node.ready());
  REQUIRE(node.write_stdin(channel_event(1) + "\n"));
  REQUIRE(wait_until([&] {
    return count_lines_with(read_text(world.record), "channel.created") == 1;
  }));
  RedisConnection r = client(redis);
  const auto before =
      r.command({"XLEN", std::string(kPrefix) + ":events"}).as_integer();
  redis.stop();
  std::string lines;
  for (int i = 2; i <= 6; ++i) lines += channel_event(i) + "\n";
  REQUIRE(node.write_stdin(lines));
  // Held while Redis is down: the node says so and delivers nothing yet.
  CHECK(wait_until(
      [&] { return node.log().find("were not stored") != std::string::npos; }));
  redis.start();
  CHECK(wait_until(
      [&] {
        return count_lines_with(read_text(world.record), "channel.created") ==
               6;
      },
      std::chrono::seconds(30)));
  RedisConnection again = client(redis);  // r's connection died with Redis
  CHECK(
      again.command({"XLEN", std::string(kPrefix) + ":events"}).as_integer() ==
      before + 5);
}

TEST_CASE(
    "a plugin enabled on a running node gets the events accepted right "
    "after the enable returns") {
  RecorderWorld world;
  REQUIRE(world.sandbox.run({"plugins", "disable", "recorder"}).status == 0);
  RedisServer redis(world.sandbox.root() / "redis");
  DaemonProcess node(world.sandbox, {"--cluster", redis.url(), "--node", "a",
                                     "--cluster-prefix", kPrefix});
  INFO(node.log());
  REQUIRE(node.ready());
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    const CliRun enable = world.sandbox.run({"plugins", "enable", "recorder"});
    REQUIRE(enable.status == 0);
    const auto ids = post(node, batch(round * 10, 1));
    REQUIRE(ids.size() == 1);
    CHECK(wait_until([&] {
      return read_text(world.record).find(" " + std::to_string(ids[0])) !=
             std::string::npos;
    }));
    REQUIRE(world.sandbox.run({"plugins", "disable", "recorder"}).status == 0);
    RedisConnection r = client(redis);
    r.command(
        {"XGROUP", "DESTROY", std::string(kPrefix) + ":events", "recorder"});
  }
}

TEST_CASE(
    "a node refuses to start when the cluster's Redis cannot be "
    "reached, saying so") {
  CliSandbox sandbox;
  const int port = free_loopback_port();
  const CliRun run =
      sandbox.run({"run", "--listen", "127.0.0.1:0", "--cluster",
                   "redis://127.0.0.1:" + std::to_string(port), "--node", "a"});
  CHECK(run.status == 1);
  CHECK_THAT(run.err, Catch::Contains("cannot join the cluster") &&
                          Catch::Contains("is redis-server running there?"));
}

}  // namespace eventhost::test
