// End-to-end tests of the daemon's live stream (GET /api/events/stream):
// order and ids, filters, heartbeats, slow clients, resume, shutdown.
#include "daemon_test_support.h"

namespace eventhost::test {

TEST_CASE("Live stream clients get a shutdown message when the daemon stops") {
  CliSandbox sandbox;
  DaemonProcess daemon(sandbox);
  REQUIRE(daemon.ready());
  StreamReader stream(sandbox, daemon.url("/api/events/stream"));
  REQUIRE(stream.wait_for(": eventhost live stream"));
  REQUIRE(wait_until([&] { return active_clients(daemon) == 1; }));
  CHECK(daemon.stop(SIGINT) == 0);
  CHECK(stream.wait_for("event: shutdown"));
  CHECK_FALSE(fs::exists(sandbox.state_file().string() + ".daemon.json"));
  CHECK_FALSE(fs::exists(sandbox.state_file().string() + ".sock"));
}

TEST_CASE("The live stream sends events in order with their ids") {
  CliSandbox sandbox;
  DaemonProcess daemon(sandbox);
  REQUIRE(daemon.ready());
  StreamReader stream(sandbox, daemon.url("/api/events/stream"));
  REQUIRE(stream.wait_for(": eventhost live stream"));
  REQUIRE(wait_until([&] { return active_clients(daemon) == 1; }));

  std::vector<long> sent;
  for (int i = 0; i < 5; ++i) {
    sent.push_back(
        parse(daemon.send("POST", "/api/events", channel_event(i)))["id"]
            .get<long>());
  }
  REQUIRE(wait_until([&] {
    return stream_ids(stream.text(), "channel.created").size() == 5;
  }));
  CHECK(stream_ids(stream.text(), "channel.created") == sent);
  CHECK_THAT(stream.text(), Catch::Contains("\"channel_id\":4"));
}

TEST_CASE("A filtered live stream only gets the events it asked for") {
  CliSandbox sandbox;
  DaemonProcess daemon(sandbox);
  REQUIRE(daemon.ready());
  StreamReader stream(sandbox, daemon.url("/api/events/stream?events=auth.*"));
  REQUIRE(stream.wait_for(": eventhost live stream"));
  REQUIRE(wait_until([&] { return active_clients(daemon) == 1; }));

  daemon.send("POST", "/api/events", channel_event(1));
  const long failed =
      parse(daemon.send("POST", "/api/events",
                        R"({"event": "auth.login_failed",)"
                        R"( "data": {"username": "bob"}})"))["id"];
  daemon.send("POST", "/api/events", channel_event(2));
  REQUIRE(stream.wait_for("event: auth.login_failed"));
  std::this_thread::sleep_for(200ms);
  const std::string text = stream.text();
  CHECK(stream_ids(text, "auth.login_failed") == std::vector<long>{failed});
  CHECK(text.find("event: channel.") == std::string::npos);
}

TEST_CASE("The live stream sends heartbeats at --heartbeat-ms") {
  CliSandbox sandbox;
  DaemonProcess daemon(sandbox, {"--heartbeat-ms", "200"});
  REQUIRE(daemon.ready());
  StreamReader stream(sandbox, daemon.url("/api/events/stream"));
  REQUIRE(wait_until(
      [&] { return count_lines_with(stream.text(), ": heartbeat") >= 3; }, 5s));
}

TEST_CASE("A live stream client that does not read is dropped") {
  CliSandbox sandbox;
  DaemonProcess daemon(sandbox,
                       {"--client-queue", "5", "--max-body", "16000000"});
  REQUIRE(daemon.ready());

  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(daemon.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const std::string request =
      "GET /api/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Accept: text/event-stream\r\n\r\n";
  REQUIRE(send(fd, request.data(), request.size(), 0) ==
          static_cast<ssize_t>(request.size()));
  REQUIRE(wait_until([&] { return active_clients(daemon) == 1; }));

  const std::string pad(2000, 'p');
  std::string batch;
  for (int i = 0; i < 5000; ++i) {
    batch += json{{"event", "channel.created"},
                  {"data", {{"channel_id", i}, {"channel_name", pad}}}}
                 .dump() +
             "\n";
  }
  const HttpReply emitted =
      daemon.send("POST", "/api/events", batch, "application/x-ndjson");
  REQUIRE(emitted.status == 200);
  CHECK(wait_until([&] { return active_clients(daemon) == 0; }));
  close(fd);
  // The daemon still serves others.
  CHECK(daemon.get("/healthz").status == 200);
}

TEST_CASE("A live stream resumes after Last-Event-ID") {
  CliSandbox sandbox;
  DaemonProcess daemon(sandbox);
  REQUIRE(daemon.ready());
  std::vector<long> ids;
  long noted = 0;
  {
    StreamReader first(sandbox, daemon.url("/api/events/stream"));
    REQUIRE(first.wait_for(": eventhost live stream"));
    REQUIRE(wait_until([&] { return active_clients(daemon) == 1; }));
    for (int i = 0; i < 3; ++i) {
      ids.push_back(
          parse(daemon.send("POST", "/api/events", channel_event(i)))["id"]);
    }
    REQUIRE(wait_until([&] {
      return stream_ids(first.text(), "channel.created").size() == 3;
    }));
    noted = stream_ids(first.text(), "channel.created")[0];
  }
  REQUIRE(wait_until([&] { return active_clients(daemon) == 0; }));
  for (int i = 3; i < 5; ++i) {
    ids.push_back(
        parse(daemon.send("POST", "/api/events", channel_event(i)))["id"]);
  }

  StreamReader second(sandbox, daemon.url("/api/events/stream"),
                      {"-H", "Last-Event-ID: " + std::to_string(noted)});
  REQUIRE(wait_until([&] {
    return stream_ids(second.text(), "channel.created").size() == 4;
  }));
  const std::vector<long> expected(ids.begin() + 1, ids.end());
  CHECK(stream_ids(second.text(), "channel.created") == expected);
}

TEST_CASE("A live stream resumes after ?last_event_id=N too") {
  CliSandbox sandbox;
  DaemonProcess daemon(sandbox);
  REQUIRE(daemon.ready());
  std::vector<long> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(
        parse(daemon.send("POST", "/api/events", channel_event(i)))["id"]);
  }
  StreamReader stream(sandbox, daemon.url("/api/events/stream?last_event_id=" +
                                          std::to_string(ids[1])));
  REQUIRE(wait_until([&] {
    return stream_ids(stream.text(), "channel.created").size() == 2;
  }));
  CHECK(stream_ids(stream.text(), "channel.created") ==
        std::vector<long>(ids.begin() + 2, ids.end()));
}

TEST_CASE("Stream ids strictly increase with concurrent emitters") {
  CliSandbox sandbox;
  // A queue big enough that a busy machine cannot make this reader overflow.
  DaemonProcess daemon(sandbox, {"--client-queue", "10000"});
  REQUIRE(daemon.ready());
  StreamReader stream(sandbox, daemon.url("/api/events/stream"));
  REQUIRE(stream.wait_for(": eventhost live stream"));
  REQUIRE(wait_until([&] { return active_clients(daemon) == 1; }));
  std::vector<std::thread> posters;
  for (int t = 0; t < 4; ++t) {
    posters.emplace_back([&, t] {
      std::string batch;
      for (int i = 0; i < 50; ++i) batch += channel_event(t * 1000 + i) + "\n";
      for (int k = 0; k < 3; ++k)
        daemon.send("POST", "/api/events", batch, "application/x-ndjson");
    });
  }
  for (auto& p : posters) p.join();
  REQUIRE(wait_until([&] {
    return stream_ids(stream.text(), "channel.created").size() == 600;
  }));
  const auto ids = stream_ids(stream.text(), "channel.created");
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
}

TEST_CASE("A client that falls behind is told so before it is dropped") {
  CliSandbox sandbox;
  DaemonProcess daemon(sandbox,
                       {"--client-queue", "5", "--max-body", "16000000"});
  REQUIRE(daemon.ready());
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(daemon.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const std::string request =
      "GET /api/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  send(fd, request.data(), request.size(), 0);
  REQUIRE(wait_until([&] { return active_clients(daemon) == 1; }));
  const std::string pad(2000, 'p');
  std::string batch;
  for (int i = 0; i < 5000; ++i)
    batch += json{{"event", "channel.created"},
                  {"data", {{"channel_id", i}, {"channel_name", pad}}}}
                 .dump() +
             "\n";
  daemon.send("POST", "/api/events", batch, "application/x-ndjson");
  CHECK(wait_until([&] { return active_clients(daemon) == 0; }));
  std::string got;
  char buf[65536];
  timeval tv{3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) got.append(buf, n);
  close(fd);
  INFO("tail: " << got.substr(got.size() > 400 ? got.size() - 400 : 0));
  const auto overflow = got.find("event: overflow");
  REQUIRE(overflow != std::string::npos);
  CHECK_THAT(got.substr(overflow), Catch::Contains("Last-Event-ID"));
  // The notice is the last message: everything queued before it came first.
  CHECK(got.find("event: channel.created", overflow) == std::string::npos);
  CHECK(daemon.get("/healthz").status == 200);
}

}  // namespace eventhost::test
