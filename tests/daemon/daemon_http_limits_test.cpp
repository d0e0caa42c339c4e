// The daemon's HTTP front under abuse: oversized headers, requests that
// stop arriving, more connections than it serves, and its token, which
// must never reach the log.
#include "daemon_test_support.h"
#include "raw_connection.h"

using namespace eventhost::test;

namespace {

// The status line's code of a raw answer ("HTTP/1.1 408 ..."), or 0.
int status_of(const std::string& answer) {
  if (answer.rfind("HTTP/1.1 ", 0) != 0 || answer.size() < 12) return 0;
  return std::atoi(answer.c_str() + 9);
}

// The JSON body after the header of a raw answer.
json body_of(const std::string& answer) {
  const auto start = answer.find("\r\n\r\n");
  if (start == std::string::npos) return json();
  return json::parse(answer.substr(start + 4), nullptr, false);
}

}  // namespace

TEST_CASE(
    "a request header over the limit gets 431 with a JSON error, not a "
    "reset") {
  CliSandbox sandbox;
  DaemonProcess daemon(sandbox);
  REQUIRE(daemon.ready());
  const std::string big(16 * 1024, 'x');
  const HttpReply reply =
      DaemonProcess::curl({"-H", "X-Big: " + big, daemon.url("/healthz")});
  CHECK(reply.status == 431);
  const json j = parse(reply);
  CHECK(j.at("kind") == "invalid_input");
  CHECK_THAT(j.at("error").get<std::string>(), Catch::Contains("8192 bytes"));

  // Sent in one go with a body behind it, the answer still arrives whole
  // and the connection ends with a close, not a reset.
  RawConnection raw(daemon.port());
  REQUIRE(raw.send("POST /api/events HTTP/1.1\r\nHost: x\r\nX-Big: " + big +
                   "\r\nContent-Length: 5\r\n\r\nhello"));
  const auto end = raw.read_to_end();
  CHECK(status_of(end.received) == 431);
  CHECK(end.closed);
  CHECK_FALSE(end.reset);
  // The daemon serves on.
  CHECK(daemon.get("/healthz").status == 200);
}

TEST_CASE("a body over --max-body gets 413 and the answer is not lost") {
  CliSandbox sandbox;
  DaemonProcess daemon(sandbox, {"--max-body", "100"});
  REQUIRE(daemon.ready());
  RawConnection raw(daemon.port());
  REQUIRE(
      raw.send("POST /api/events HTTP/1.1\r\nHost: x\r\n"
               "Content-Length: 5000\r\n\r\n" +
               std::string(5000, 'x')));
  const auto end = raw.read_to_end();
  CHECK(status_of(end.received) == 413);
  CHECK(body_of(end.received).value("kind", "") == "invalid_input");
  CHECK(end.closed);
  CHECK_FALSE(end.reset);
}

TEST_CASE(
    "a request whose header or body stops arriving gets 408, an idle "
    "connection is closed") {
  CliSandbox sandbox;
  DaemonProcess daemon(
      sandbox, {"--header-timeout-ms", "300", "--body-timeout-ms", "300"});
  REQUIRE(daemon.ready());

  RawConnection half_header(daemon.port());
  REQUIRE(half_header.send("POST /api/events HTTP/1.1\r\nHost: x\r\n"));
  const auto header_end = half_header.read_to_end();
  CHECK(status_of(header_end.received) == 408);
  CHECK(body_of(header_end.received).value("kind", "") == "usage");
  CHECK(header_end.closed);

  RawConnection half_body(daemon.port());
  REQUIRE(half_body.send(
      "POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
      "{\"event\""));
  const auto body_end = half_body.read_to_end();
  CHECK(status_of(body_end.received) == 408);
  CHECK(body_end.closed);

  RawConnection idle(daemon.port());
  const auto idle_end = idle.read_to_end();
  CHECK(idle_end.received.empty());
  CHECK(idle_end.closed);

  CHECK(daemon.get("/healthz").status == 200);
}

TEST_CASE(
    "connections past --max-connections get 503 with Retry-After, live "
    "streams count, the control socket does not") {
  CliSandbox sandbox;
  DaemonProcess daemon(sandbox, {"--max-connections", "2"});
  REQUIRE(daemon.ready());
  StreamReader first(sandbox, daemon.url("/api/events/stream"));
  REQUIRE(first.wait_for("eventhost live stream"));
  StreamReader second(sandbox, daemon.url("/api/events/stream"));
  REQUIRE(second.wait_for("eventhost live stream"));

  const HttpReply refused =
      DaemonProcess::curl({"-i", daemon.url("/api/events/stats")});
  CHECK(refused.status == 503);
  CHECK_THAT(refused.body, Catch::Contains("Retry-After: 1"));
  CHECK_THAT(refused.body, Catch::Contains("\"kind\": \"refused\""));
  CHECK_THAT(refused.body, Catch::Contains("--max-connections"));
  // The daemon's own user still gets through, over the control socket.
  const CliRun level = sandbox.run({"level", "get"});
  CHECK(level.status == 0);

  second.finish();
  CHECK(wait_until([&] { return daemon.get("/healthz").status == 200; }));
  CHECK(active_clients(daemon) == 1);
}

TEST_CASE("the API token never reaches the log, not even at trace level") {
  CliSandbox sandbox;
  DaemonProcess daemon(sandbox, {"--log-level", "trace"});
  REQUIRE(daemon.ready());
  const std::string wrong = "wrong" + daemon.token().substr(5);
  CHECK(daemon.send("POST", "/api/events", channel_event(1)).status == 200);
  CHECK(daemon.send("PUT", "/api/level", R"({"level": "FULL"})").status == 200);
  CHECK(daemon
            .send_with("POST", "/api/events", channel_event(2),
                       {"Authorization: Bearer " + wrong})
            .status == 401);
  CHECK(daemon
            .send_with("POST", "/api/events", channel_event(3),
                       {"Authorization: " + daemon.token()})
            .status == 401);
  CHECK(DaemonProcess::curl({"-H", "Authorization: Bearer " + daemon.token(),
                             "-H", "X-Big: " + std::string(9000, 'x'),
                             daemon.url("/api/plugins")})
            .status == 431);
  REQUIRE(daemon.stop() == 0);
  const std::string log = daemon.log();
  CHECK_THAT(log, Catch::Contains("refused POST /api/events"));  // it logs
  CHECK(log.find(daemon.token()) == std::string::npos);
  CHECK(log.find(wrong) == std::string::npos);
}
