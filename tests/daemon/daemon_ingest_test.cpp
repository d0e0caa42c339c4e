// The replies to NDJSON batches: a client that needs only the ids and the
// counts (the CLI) can ask for just those with "Prefer: return=minimal".
#include "daemon_test_support.h"

namespace eventhost::test {

TEST_CASE(
    "an NDJSON batch sent with Prefer: return=minimal is answered with its "
    "ids and counts, not one result per event") {
  RecorderWorld world;
  DaemonProcess daemon(world.sandbox);
  REQUIRE(daemon.ready());
  std::string batch;
  for (int i = 0; i < 5; ++i) batch += channel_event(i) + "\n";

  const HttpReply short_reply = daemon.send_with(
      "POST", "/api/events", batch,
      {"Authorization: Bearer " + daemon.token(),
       "Content-Type: application/x-ndjson", "Prefer: return=minimal"});
  REQUIRE(short_reply.status == 200);
  INFO(short_reply.body);
  const json s = parse(short_reply);
  CHECK(s["accepted"] == 5);
  CHECK(s["suppressed"] == 0);
  CHECK_FALSE(s.contains("results"));
  REQUIRE(s["ids"].size() == 5);
  for (std::size_t i = 1; i < 5; ++i) {
    CHECK(s["ids"][i].get<long>() > s["ids"][i - 1].get<long>());
  }

  // Without the preference, each event's outcome is still there.
  const HttpReply full_reply =
      daemon.send("POST", "/api/events", batch, "application/x-ndjson");
  REQUIRE(full_reply.status == 200);
  const json f = parse(full_reply);
  REQUIRE(f["results"].size() == 5);
  CHECK(f["results"][0]["queued"] == 1);
  CHECK(f["ids"][0].get<long>() > s["ids"][4].get<long>());

  CHECK(wait_until([&] {
    return count_lines_with(read_text(world.record), "channel.created") == 10;
  }));
}

}  // namespace eventhost::test
