// The daemon over TLS (--tls-cert/--tls-key) with a certificate the test
// makes, and the rule that keeps it off the network in clear text.
#include <openssl/ssl.h>

#include <memory>

#include "daemon_test_support.h"
#include "raw_connection.h"

using namespace eventhost::test;

namespace {

// A self-signed certificate and key for 127.0.0.1, made with the openssl
// command (Debian package `openssl`).
struct TestCertificate {
  fs::path cert, key;
  explicit TestCertificate(const CliSandbox& sandbox)
      : cert(sandbox.root() / "cert.pem"), key(sandbox.root() / "key.pem") {
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
        "-nodes -days 2 -subj /CN=127.0.0.1 -addext "
        "subjectAltName=IP:127.0.0.1 -keyout " +
        shell_quote(key.string()) + " -out " + shell_quote(cert.string()) +
        " 2>/dev/null";
    REQUIRE(std::system(command.c_str()) == 0);
    fs::permissions(key, fs::perms(0600));
  }
  std::vector<std::string> options() const {
    return {"--tls-cert", cert.string(), "--tls-key", key.string()};
  }
};

// How a TLS connection ended, seen by OpenSSL's own client: what it read,
// and SSL_get_error of the read that ended it.
struct TlsEnding {
  std::string received;
  int error = SSL_ERROR_NONE;
};

// Sends `request` over TLS to the daemon's port (trusting `ca` alone),
// then reads until the connection ends (or 15 s pass: RawConnection's
// read limit).
TlsEnding tls_request_to_end(int port, const fs::path& ca,
                             const std::string& request) {
  const std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(
      SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  REQUIRE(ctx);
  REQUIRE(SSL_CTX_load_verify_locations(ctx.get(), ca.c_str(), nullptr) == 1);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  RawConnection raw(port);
  REQUIRE(raw.connected());
  const std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()),
                                                      &SSL_free);
  REQUIRE(SSL_set_fd(ssl.get(), raw.fd()) == 1);
  REQUIRE(SSL_connect(ssl.get()) == 1);
  REQUIRE(
      SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())) ==
      static_cast<int>(request.size()));
  TlsEnding end;
  char buffer[4096];
  for (;;) {
    const int n = SSL_read(ssl.get(), buffer, sizeof buffer);
    if (n <= 0) {
      end.error = SSL_get_error(ssl.get(), n);
      return end;
    }
    end.received.append(buffer, static_cast<std::size_t>(n));
  }
}

}  // namespace

TEST_CASE(
    "over TLS the daemon ends a connection it closes with a close_notify, so "
    "the client can tell a whole answer from a cut one") {
  CliSandbox sandbox;
  const TestCertificate tls(sandbox);
  DaemonProcess daemon(sandbox, tls.options());
  REQUIRE(daemon.ready());

  // An answer the client asked to be the last.
  const TlsEnding ok = tls_request_to_end(
      daemon.port(), tls.cert,
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  CHECK_THAT(ok.received, Catch::StartsWith("HTTP/1.1 200"));
  // SSL_ERROR_ZERO_RETURN: the server said close_notify; without it
  // OpenSSL reports SSL_ERROR_SSL (unexpected EOF) or SSL_ERROR_SYSCALL.
  CHECK(ok.error == SSL_ERROR_ZERO_RETURN);

  // An error the server closes the connection after on its own.
  const TlsEnding refused =
      tls_request_to_end(daemon.port(), tls.cert,
                         "POST /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         "Content-Length: 9999999999\r\n\r\n");
  CHECK_THAT(refused.received, Catch::StartsWith("HTTP/1.1 413"));
  CHECK(refused.error == SSL_ERROR_ZERO_RETURN);
  CHECK(daemon.stop() == 0);
}

TEST_CASE(
    "over TLS the API, the live stream and the control socket work, plain "
    "HTTP to the port is refused") {
  RecorderWorld world;
  const TestCertificate tls(world.sandbox);
  DaemonProcess daemon(world.sandbox, tls.options());
  REQUIRE(daemon.ready());
  CHECK(daemon.url("/").rfind("https://", 0) == 0);
  const std::string ca = tls.cert.string();

  CHECK(DaemonProcess::curl({"--cacert", ca, daemon.url("/healthz")}).status ==
        200);
  StreamReader stream(world.sandbox, daemon.url("/api/events/stream"),
                      {"--cacert", ca});
  REQUIRE(stream.wait_for("eventhost live stream"));
  const HttpReply posted = DaemonProcess::curl(
      {"--cacert", ca, "-H", "Authorization: Bearer " + daemon.token(), "-d",
       channel_event(7), daemon.url("/api/events")});
  REQUIRE(posted.status == 200);
  const long id = parse(posted).at("id").get<long>();
  CHECK(stream.wait_for("id: " + std::to_string(id) +
                        "\nevent: " + "channel.created"));

  // Without the CA the certificate is not trusted; plain HTTP is told to
  // use https.
  CHECK(DaemonProcess::curl({daemon.url("/healthz")}).status == 0);
  const std::string plain =
      "http://127.0.0.1:" + std::to_string(daemon.port()) + "/healthz";
  const HttpReply refused = DaemonProcess::curl({plain});
  CHECK(refused.status == 400);
  CHECK_THAT(refused.body, Catch::Contains("https://"));

  // The CLI reaches the daemon as before, over its control socket.
  const CliRun level = world.sandbox.run({"level", "set", "SYSTEM"});
  CHECK(level.status == 0);
  CHECK(parse(DaemonProcess::curl({"--cacert", ca, daemon.url("/api/level")}))
            .at("level") == "SYSTEM");
  CHECK(daemon.stop() == 0);
}

TEST_CASE("a TLS key readable by every user is refused") {
  CliSandbox sandbox;
  const TestCertificate tls(sandbox);
  fs::permissions(tls.key, fs::perms(0644));
  std::vector<std::string> args = {"run", "--listen", "127.0.0.1:0"};
  for (const std::string& a : tls.options()) args.push_back(a);
  const CliRun run = sandbox.run(args);
  CHECK(run.status == 5);
  CHECK_THAT(run.err, Catch::Contains("chmod o-r"));
}

TEST_CASE(
    "a --listen address beyond loopback needs TLS or --insecure-listen, and "
    "the refusal says why") {
  CliSandbox sandbox;
  const CliRun refused = sandbox.run({"run", "--listen", "0.0.0.0:0"});
  CHECK(refused.status == 2);
  CHECK_THAT(refused.err, Catch::Contains("clear text"));
  CHECK_THAT(refused.err, Catch::Contains("--tls-cert"));
  CHECK_THAT(refused.err, Catch::Contains("SSH tunnel"));
  CHECK_THAT(refused.err, Catch::Contains("--insecure-listen"));
  CHECK(sandbox.run({"run", "--listen", "[::]:0"}).status == 2);

  {
    DaemonProcess insecure(sandbox,
                           {"--listen", "0.0.0.0:0", "--insecure-listen"});
    REQUIRE(insecure.ready());
    CHECK(insecure.get("/healthz").status == 200);
    CHECK(insecure.stop() == 0);
    CHECK_THAT(insecure.log(), Catch::Contains("clear text"));
  }
  const TestCertificate tls(sandbox);
  std::vector<std::string> args = {"--listen", "0.0.0.0:0"};
  for (const std::string& a : tls.options()) args.push_back(a);
  DaemonProcess secure(sandbox, args);
  REQUIRE(secure.ready());
  CHECK(DaemonProcess::curl(
            {"--cacert", tls.cert.string(), secure.url("/healthz")})
            .status == 200);
}
