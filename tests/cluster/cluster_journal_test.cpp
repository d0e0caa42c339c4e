// The operator's tools over the journal and dead letters on nodes of a
// cluster, through the CLI (which asks the node's daemon): `journal list|
// show`, `deadletters list|retry|drop` and `replay` on one node see and act
// on the events and dead letters of the whole cluster, which live in Redis
// (the stream PREFIX:events, a stream PREFIX:dead:KEY per plugin).
#include <catch2/catch.hpp>

#include "cluster_nodes.h"

namespace eventhost::test {
namespace {

constexpr const char* kPrefix = "t4";

// A node's sandbox with the recorder installed and enabled, recording
// each call with its attempt; `settings` are more of its settings. The
// path is relative (a node's daemon runs in its sandbox folder): settings
// are the cluster's, so every node writes to a file of its own.
struct RecorderNode {
  CliSandbox sandbox;
  fs::path record;
  explicit RecorderNode(const std::vector<std::string>& settings = {}) {
    sandbox.add_plugin("recorder.so");
    record = sandbox.root() / "recorded.txt";
    std::vector<std::string> args{"plugins", "configure", "recorder",
                                  "path=recorded.txt", "attempts=true"};
    args.insert(args.end(), settings.begin(), settings.end());
    REQUIRE(sandbox.run(args).status == 0);
    REQUIRE(sandbox.run({"plugins", "enable", "recorder"}).status == 0);
  }
  bool recorded(std::uint64_t id, int attempt) const {
    const std::string line =
        "on_channel_created " + std::to_string(id) +
        " channel.created attempt=" + std::to_string(attempt);
    std::istringstream in(read_text(record));
    for (std::string l; std::getline(in, l);) {
      if (l == line) return true;
    }
    return false;
  }
};

json listed(const CliSandbox& sandbox, std::vector<std::string> args) {
  args.push_back("--json");
  const CliRun run = sandbox.run(args);
  INFO(run.err);
  REQUIRE(run.status == 0);
  return json_of(run);
}

std::vector<std::uint64_t> ids_in(const json& entries, const char* member) {
  std::vector<std::uint64_t> ids;
  for (const json& e : entries) ids.push_back(e[member].get<std::uint64_t>());
  return ids;
}

}  // namespace

TEST_CASE(
    "journal list and show on one node of a cluster see the events "
    "another node accepted") {
  CliSandbox sa, sb;
  RedisServer redis(sa.root() / "redis");
  const auto a = start_node(sa, redis, "a", kPrefix);
  const auto b = start_node(sb, redis, "b", kPrefix);
  const auto ids = post_batch(*a, channel_batch(1, 3));
  REQUIRE(ids.size() == 3);

  // (Each node's system.startup is in the stream too.)
  const json all = listed(sb, {"journal", "list", "--event", "channel.*"});
  CHECK(ids_in(all, "id") == ids);
  for (std::size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i]["event"] == "channel.created");
    CHECK(all[i]["payload"]["channel_id"] == i + 1);
  }
  const json since =
      listed(sb, {"journal", "list", "--since", std::to_string(ids[0]),
                  "--event", "channel.*"});
  CHECK(ids_in(since, "id") ==
        std::vector<std::uint64_t>(ids.begin() + 1, ids.end()));
  const json shown = listed(sb, {"journal", "show", std::to_string(ids[2])});
  CHECK(shown == all[2]);

  const CliRun missing = sb.run({"journal", "show", "12345"});
  CHECK(missing.status != 0);
  CHECK_THAT(missing.err, Catch::Contains("no event 12345"));
  // The table form from node a reads the same stream.
  const CliRun table = sa.run({"journal", "list"});
  CHECK(table.status == 0);
  for (const std::uint64_t id : ids) {
    CHECK_THAT(table.out, Catch::Contains(std::to_string(id)));
  }
}

TEST_CASE(
    "a dead letter made on one node of a cluster is listed, retried and "
    "dropped from another, and replay there reads the cluster's stream") {
  RecorderNode a({"fail_first=100"}), b;
  RedisServer redis(a.sandbox.root() / "redis");
  const auto node_a = start_node(a.sandbox, redis, "a", kPrefix);
  // Only a runs the recorder yet: it takes both events, fails each
  // (one attempt in all) and records them as dead letters in Redis.
  const auto ids = post_batch(*node_a, channel_batch(1, 2));
  REQUIRE(ids.size() == 2);
  auto r = redis_client(redis);
  const std::string dead = std::string(kPrefix) + ":dead:recorder";
  REQUIRE(wait_until([&] { return r.command({"XLEN", dead}).integer == 2; }));

  // b follows the cluster's settings (a's, failing); healed from b, for
  // every node.
  const auto node_b = start_node(b.sandbox, redis, "b", kPrefix);
  REQUIRE(b.sandbox.run({"plugins", "configure", "recorder", "fail_first=0"})
              .status == 0);
  const json letters = listed(b.sandbox, {"deadletters", "list"});
  REQUIRE(letters.size() == 2);
  CHECK(ids_in(letters, "event_id") == ids);
  for (const json& letter : letters) {
    CHECK(letter["plugin"] == "recorder");
    CHECK(letter["event"] == "channel.created");
    CHECK(letter["attempts"] == 1);
  }
  CHECK(listed(a.sandbox, {"deadletters", "list", "--plugin", "recorder"}) ==
        letters);

  // Retried on b: b's recorder gets it (delivery 2), and the letter is
  // gone for every node.
  const CliRun retried = b.sandbox.run(
      {"deadletters", "retry", std::to_string(letters[0]["id"].get<long>())});
  INFO(retried.err);
  CHECK(retried.status == 0);
  CHECK(retried.out == "queued 1 dead letter for redelivery\n");
  REQUIRE(wait_until([&] { return b.recorded(ids[0], 2); }));
  REQUIRE(wait_until([&] {
    return listed(a.sandbox, {"deadletters", "list"}).size() == 1;
  }));
  CHECK(listed(a.sandbox, {"deadletters", "list"})[0]["event_id"] == ids[1]);

  // Dropped on b: gone from Redis; the event stays in the journal.
  const CliRun dropped = b.sandbox.run(
      {"deadletters", "drop", std::to_string(letters[1]["id"].get<long>())});
  INFO(dropped.err);
  CHECK(dropped.status == 0);
  CHECK(dropped.out == "dropped 1 dead letter\n");
  CHECK(r.command({"XLEN", dead}).integer == 0);
  CHECK(listed(a.sandbox, {"deadletters", "list"}).empty());
  CHECK(listed(b.sandbox, {"journal", "show", std::to_string(ids[1])})["id"] ==
        ids[1]);
  CHECK_FALSE(b.recorded(ids[1], 2));

  // Replay on b: the events after ids[0] in the cluster's stream, to b's
  // recorder again.
  const CliRun replayed = b.sandbox.run(
      {"replay", "--plugin", "recorder", "--since", std::to_string(ids[0])});
  INFO(replayed.err);
  CHECK(replayed.status == 0);
  CHECK(replayed.out == "replayed 1 event to recorder\n");
  CHECK(wait_until([&] { return b.recorded(ids[1], 2); }));
}

}  // namespace eventhost::test
