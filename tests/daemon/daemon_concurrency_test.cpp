// End-to-end tests of requests served side by side: a plugin action that
// does not return holds up neither reads nor events ingest, and a live
// stream client that does not read holds up no emitter.
#include <fstream>
#include <future>

#include "daemon_test_support.h"
#include "raw_connection.h"

namespace eventhost::test {
namespace {

// Creates `file` when it goes out of scope: whatever the test asserts, a
// plugin call waiting for it ends, and so can the daemon.
struct ReleaseOnExit {
  fs::path file;
  ~ReleaseOnExit() { std::ofstream(file) << "go\n"; }
};

}  // namespace

TEST_CASE(
    "a plugin action that has not returned delays neither GET /api/plugins "
    "nor POST /api/events") {
  CliSandbox sandbox;
  sandbox.add_plugin("blocker.so");
  const fs::path entered = sandbox.root() / "entered";
  const fs::path release = sandbox.root() / "release";
  REQUIRE(sandbox
              .run({"plugins", "configure", "blocker",
                    "entered_file=" + entered.string(),
                    "release_file=" + release.string()})
              .status == 0);
  REQUIRE(sandbox.run({"plugins", "enable", "blocker"}).status == 0);
  DaemonProcess daemon(sandbox);
  REQUIRE(daemon.ready());
  ReleaseOnExit releaser{release};

  // The action waits until the test creates the release file.
  auto action = std::async(std::launch::async, [&] {
    return daemon.send("POST", "/api/plugins/blocker/actions/wait", "{}");
  });
  REQUIRE(wait_until([&] { return fs::exists(entered); }));

  const HttpReply plugins = daemon.get("/api/plugins");
  CHECK(plugins.status == 200);
  CHECK_THAT(plugins.body, Catch::Contains("\"blocker\""));
  const HttpReply posted =
      daemon.send("POST", "/api/events",
                  R"({"event": "channel.deleted", "data": {"channel_id": 1}})");
  CHECK(posted.status == 200);
  CHECK(daemon.get("/api/plugins/blocker").status == 200);
  // Both were answered while the action was still waiting.
  CHECK_FALSE(fs::exists(release));
  CHECK(action.wait_for(0s) != std::future_status::ready);

  std::ofstream(release) << "go\n";
  const HttpReply acted = action.get();
  CHECK(acted.status == 200);
  CHECK_THAT(acted.body, Catch::Contains("waited"));
}

TEST_CASE("a change waits for a running action, the reads do not") {
  CliSandbox sandbox;
  sandbox.add_plugin("blocker.so");
  sandbox.add_plugin("noop.so");
  const fs::path entered = sandbox.root() / "entered";
  const fs::path release = sandbox.root() / "release";
  REQUIRE(sandbox
              .run({"plugins", "configure", "blocker",
                    "entered_file=" + entered.string(),
                    "release_file=" + release.string()})
              .status == 0);
  REQUIRE(sandbox.run({"plugins", "enable", "blocker"}).status == 0);
  DaemonProcess daemon(sandbox);
  REQUIRE(daemon.ready());
  ReleaseOnExit releaser{release};

  auto action = std::async(std::launch::async, [&] {
    return daemon.send("POST", "/api/plugins/blocker/actions/wait", "{}");
  });
  REQUIRE(wait_until([&] { return fs::exists(entered); }));
  // Enabling changes what the reads see: it has the Host to itself.
  auto enable = std::async(std::launch::async, [&] {
    return daemon.send("POST", "/api/plugins/noop/enable", "");
  });
  CHECK(enable.wait_for(300ms) != std::future_status::ready);
  CHECK(daemon.get("/api/level").status == 200);

  std::ofstream(release) << "go\n";
  CHECK(action.get().status == 200);
  const HttpReply enabled = enable.get();
  CHECK(enabled.status == 200);
  CHECK(parse(enabled)["enabled"] == true);
}

TEST_CASE("events are acknowledged while a live stream client reads nothing") {
  CliSandbox sandbox;
  // A queue long enough that the client is not cut off: its connection
  // stays open and stuck for the whole test.
  DaemonProcess daemon(sandbox, {"--client-queue", "100000"});
  REQUIRE(daemon.ready());
  RawConnection stuck(daemon.port());
  REQUIRE(stuck.connected());
  REQUIRE(stuck.send("GET /api/events/stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(wait_until([&] { return active_clients(daemon) == 1; }));

  // Far more than the socket buffers hold (10 MB): the server's writes to
  // the client stall long before the last batch.
  const std::string name(1000, 'x');
  std::string batch;
  for (int i = 0; i < 500; ++i) {
    batch += json{{"event", "channel.created"},
                  {"data", {{"channel_id", i}, {"channel_name", name}}}}
                 .dump() +
             "\n";
  }
  for (int round = 0; round < 20; ++round) {
    const HttpReply reply =
        daemon.send("POST", "/api/events", batch, "application/x-ndjson");
    INFO("round " << round << ": " << reply.body.substr(0, 300));
    REQUIRE(reply.status == 200);
    CHECK_THAT(reply.body, Catch::Contains("\"accepted\":500"));
  }
  CHECK(active_clients(daemon) == 1);
}

}  // namespace eventhost::test
