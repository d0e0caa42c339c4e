// The journal, dead letters and replay through a running daemon: the HTTP
// routes (curl) and the CLI commands, which then act in the daemon.
#include "daemon_test_support.h"

namespace eventhost::test {
namespace {

std::string recorded(std::uint64_t id, int attempt) {
  return "on_channel_created " + std::to_string(id) +
         " channel.created attempt=" + std::to_string(attempt);
}

long count_exact_lines(const std::string& text, const std::string& line) {
  long n = 0;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) n += l == line ? 1 : 0;
  return n;
}

long delivered_in_daemon(const DaemonProcess& daemon) {
  const json stats = parse(daemon.get("/api/events/stats"));
  return stats["plugins"]["recorder"].value("delivered", -1L);
}

}  // namespace

TEST_CASE(
    "journal, dead letters and replay work through a running daemon, over "
    "HTTP and from the CLI") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  const fs::path record = sandbox.root() / "recorded.txt";
  REQUIRE(
      sandbox
          .run({"plugins", "configure", "recorder", "path=" + record.string(),
                "attempts=true", "fail_first=100"})
          .status == 0);
  REQUIRE(sandbox.run({"plugins", "enable", "recorder"}).status == 0);
  DaemonProcess daemon(sandbox);
  REQUIRE(daemon.ready());

  std::vector<std::uint64_t> ids;
  for (int i = 1; i <= 3; ++i) {
    const json posted =
        parse(daemon.send("POST", "/api/events", channel_event(i)));
    ids.push_back(posted["id"].get<std::uint64_t>());
  }

  // GET /api/journal and its filters.
  const json page = parse(daemon.get("/api/journal?event=channel.*"));
  REQUIRE(page["entries"].size() == 3);
  CHECK(page["more"] == false);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(page["entries"][i]["id"] == ids[i]);
    CHECK(page["entries"][i]["event"] == "channel.created");
    CHECK(page["entries"][i]["payload"]["channel_id"] == i + 1);
  }
  const json next = parse(daemon.get("/api/journal?event=channel.%2A&after=" +
                                     std::to_string(ids[0]) + "&limit=1"));
  REQUIRE(next["entries"].size() == 1);
  CHECK(next["entries"][0]["id"] == ids[1]);
  CHECK(next["more"] == true);
  const json one = parse(daemon.get("/api/journal/" + std::to_string(ids[2])));
  CHECK(one == page["entries"][2]);
  const HttpReply unknown = daemon.get("/api/journal/999999");
  CHECK(unknown.status == 404);
  CHECK(parse(unknown)["kind"] == "not_found");
  const HttpReply bad_pattern = daemon.get("/api/journal?event=Channel");
  CHECK(bad_pattern.status == 400);
  CHECK(parse(bad_pattern)["kind"] == "usage");
  CHECK(daemon.get("/api/journal?limit=lots").status == 400);

  // The CLI asks the daemon and prints the same entries.
  const json listed = json_of(
      sandbox.run({"journal", "list", "--event", "channel.*", "--json"}));
  CHECK(listed == page["entries"]);

  // Each event fails once (one attempt in all) and becomes a dead letter.
  json letters;
  REQUIRE(wait_until([&] {
    letters = json_of(sandbox.run({"deadletters", "list", "--json"}));
    return letters.size() == 3;
  }));
  CHECK(parse(daemon.get("/api/deadletters?plugin=recorder")) == letters);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(letters[i]["event_id"] == ids[i]);
    CHECK(letters[i]["event"] == "channel.created");
    CHECK(letters[i]["attempts"] == 1);
  }

  // Changes need the token (the CLI's control socket is trusted).
  CHECK(daemon
            .send_with("POST", "/api/deadletters/retry", R"({"all": true})",
                       {"Content-Type: application/json"})
            .status == 401);
  const HttpReply shapeless =
      daemon.send("POST", "/api/deadletters/retry", R"({"every": 1})");
  CHECK(shapeless.status == 400);
  CHECK_THAT(parse(shapeless)["error"].get<std::string>(),
             Catch::Contains("{\"all\": true}"));

  // Fixed live, then retried in the daemon: its own figures count them.
  REQUIRE(sandbox.run({"plugins", "configure", "recorder", "fail_first=0"})
              .status == 0);
  const long delivered_before = delivered_in_daemon(daemon);
  const CliRun retried = sandbox.run({"deadletters", "retry", "--all"});
  INFO(retried.err);
  CHECK(retried.status == 0);
  CHECK(retried.out == "queued 3 dead letters for redelivery\n");
  REQUIRE(wait_until(
      [&] { return delivered_in_daemon(daemon) == delivered_before + 3; }));
  const std::string after_retry = read_text(record);
  for (const std::uint64_t id : ids) {
    CHECK(count_exact_lines(after_retry, recorded(id, 1)) == 1);
    CHECK(count_exact_lines(after_retry, recorded(id, 2)) == 1);
  }
  CHECK(json_of(sandbox.run({"deadletters", "list", "--json"})).empty());

  // Replay from the CLI, then over HTTP.
  const CliRun replayed = sandbox.run(
      {"replay", "--plugin", "recorder", "--since", std::to_string(ids[0])});
  INFO(replayed.err);
  CHECK(replayed.status == 0);
  CHECK(replayed.out == "replayed 2 events to recorder\n");
  const json by_http = parse(
      daemon.send("POST", "/api/replay",
                  json{{"plugin", "recorder"}, {"after", ids[1]}}.dump()));
  CHECK(by_http["replayed"] == 1);
  REQUIRE(wait_until(
      [&] { return delivered_in_daemon(daemon) == delivered_before + 6; }));
  const std::string after_replay = read_text(record);
  CHECK(count_exact_lines(after_replay, recorded(ids[0], 2)) == 1);
  CHECK(count_exact_lines(after_replay, recorded(ids[1], 2)) == 2);
  CHECK(count_exact_lines(after_replay, recorded(ids[2], 2)) == 3);

  const HttpReply nobody =
      daemon.send("POST", "/api/replay", R"({"plugin": "nosuch"})");
  CHECK(nobody.status == 404);
  CHECK(parse(daemon.send("POST", "/api/deadletters/drop",
                          R"({"all": true})"))["dropped"] == 0);

  // Without the daemon the CLI reads the same journal the same way.
  CHECK(daemon.stop() == 0);
  CHECK(json_of(sandbox.run(
            {"journal", "list", "--event", "channel.*", "--json"})) == listed);
}

}  // namespace eventhost::test
