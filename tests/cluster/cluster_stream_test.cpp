// The live stream (/api/events/stream) of nodes of a cluster: it carries
// every event of the cluster, whichever node accepted it; a node with no
// client does not read the stream back, and a client that comes (or
// resumes with Last-Event-ID) still gets every event after its point,
// once, in order. /metrics counts what each node accepted.
#include <catch2/catch.hpp>
#include <regex>

#include "cluster_nodes.h"

namespace eventhost::test {
namespace {

constexpr const char* kPrefix = "t3";

// Calls of `command` Redis counted since its statistics were reset.
long long redis_calls(cluster::RedisConnection& redis,
                      const std::string& command) {
  const std::string info = redis.command({"INFO", "commandstats"}).str;
  const std::regex line("cmdstat_" + command + ":calls=([0-9]+)");
  std::smatch m;
  return std::regex_search(info, m, line) ? std::stoll(m[1]) : 0;
}

double emitted_total(const DaemonProcess& node) {
  const std::string text = node.get("/metrics").body;
  const std::regex line(
      "eventhost_events_emitted_total\\{event=\"channel\\.created\"\\} "
      "([0-9.e+]+)");
  std::smatch m;
  return std::regex_search(text, m, line) ? std::stod(m[1]) : 0.0;
}

std::vector<long> as_long(const std::vector<std::uint64_t>& ids) {
  return {ids.begin(), ids.end()};
}

}  // namespace

TEST_CASE(
    "a node's live stream carries the events other nodes accept, and a "
    "client resuming on a node nobody listened to gets every later event "
    "once, in order") {
  CliSandbox sa, sb;
  RedisServer redis(sa.root() / "redis");
  const auto a = start_node(sa, redis, "a", kPrefix);
  const auto b = start_node(sb, redis, "b", kPrefix);

  // Accepted by a while nobody listens anywhere.
  const auto before = post_batch(*a, channel_batch(1, 5));
  REQUIRE(before.size() == 5);

  StreamReader resumed(sb, b->url("/api/events/stream?events=channel.*"),
                       {"-H", "Last-Event-ID: " + std::to_string(before[1])});
  StreamReader live(sa, a->url("/api/events/stream?events=channel.*"));
  REQUIRE(resumed.wait_for(": eventhost live stream"));
  REQUIRE(live.wait_for(": eventhost live stream"));
  const auto after = post_batch(*a, channel_batch(6, 3));
  const auto more = post_batch(*b, channel_batch(9, 2));

  std::vector<std::uint64_t> expected(before.begin() + 2, before.end());
  expected.insert(expected.end(), after.begin(), after.end());
  expected.insert(expected.end(), more.begin(), more.end());
  REQUIRE(wait_until([&] {
    return stream_ids(resumed.text(), "channel.created").size() >=
           expected.size();
  }));
  CHECK(stream_ids(resumed.text(), "channel.created") == as_long(expected));
  CHECK(resumed.text().find("event: gap") == std::string::npos);

  // A client without Last-Event-ID gets at least everything accepted
  // after it connected, in order, each once.
  std::vector<std::uint64_t> later(after);
  later.insert(later.end(), more.begin(), more.end());
  REQUIRE(wait_until([&] {
    const auto got = stream_ids(live.text(), "channel.created");
    return got.size() >= later.size() && got.back() == as_long(later).back();
  }));
  const auto got = stream_ids(live.text(), "channel.created");
  CHECK(std::is_sorted(got.begin(), got.end()));
  CHECK(std::adjacent_find(got.begin(), got.end()) == got.end());
  CHECK(std::vector<long>(got.end() - later.size(), got.end()) ==
        as_long(later));
}

TEST_CASE(
    "a node with no live-stream client does not read the cluster's events "
    "back from Redis, and /metrics counts the events each node accepted") {
  CliSandbox sa, sb;
  RedisServer redis(sa.root() / "redis");
  const auto a = start_node(sa, redis, "a", kPrefix);
  const auto b = start_node(sb, redis, "b", kPrefix);
  auto r = redis_client(redis);
  // Each turn of a node without a client only looks at the stream's
  // newest entry (XREVRANGE COUNT 1).
  REQUIRE(wait_until([&] { return redis_calls(r, "xrevrange") >= 4; }));
  REQUIRE(r.command({"CONFIG", "RESETSTAT"}).str == "OK");

  REQUIRE(post_batch(*a, channel_batch(1, 500)).size() == 500);
  REQUIRE(post_batch(*b, channel_batch(501, 20)).size() == 20);
  // Both nodes have taken several turns since.
  REQUIRE(wait_until([&] { return redis_calls(r, "xrevrange") >= 8; }));
  CHECK(redis_calls(r, "xread") == 0);

  CHECK(emitted_total(*a) == 500);
  CHECK(emitted_total(*b) == 20);
}

}  // namespace eventhost::test
