// The daemon over TLS (--tls-cert/--tls-key) with a certificate the test
// makes, and the rule that keeps it off the network in clear text.
#include <openssl/ssl.h>

#include <memory>
#include <thread>

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

// OpenSSL's own TLS client on a loopback connection to the daemon, to see
// how the server ends a connection: SSL_read returns 0 with
// SSL_ERROR_ZERO_RETURN only after the server's close_notify; a connection
// closed without one gives SSL_ERROR_SSL (unexpected EOF) or
// SSL_ERROR_SYSCALL. Reads give up after 15 s (RawConnection's limit).
class TlsClient {
 public:
  TlsClient(int port, const fs::path& ca) : raw_(port) {
    REQUIRE(ctx_);
    REQUIRE(SSL_CTX_load_verify_locations(ctx_.get(), ca.c_str(), nullptr) ==
            1);
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
    REQUIRE(raw_.connected());
    ssl_.reset(SSL_new(ctx_.get()));
    REQUIRE(SSL_set_fd(ssl_.get(), raw_.fd()) == 1);
    REQUIRE(SSL_connect(ssl_.get()) == 1);
  }

  void send(const std::string& bytes) {
    REQUIRE(
        SSL_write(ssl_.get(), bytes.data(), static_cast<int>(bytes.size())) ==
        static_cast<int>(bytes.size()));
  }

  // Reads until `text` has arrived (true) or the connection ended.
  bool read_until(const std::string& text) {
    while (received.find(text) == std::string::npos) {
      if (!read_some()) return false;
    }
    return true;
  }

  // Reads until the connection ends; returns SSL_get_error of the read
  // that ended it.
  int read_to_end() {
    while (read_some()) {
    }
    return error_;
  }

  std::string received;

 private:
  bool read_some() {
    char buffer[4096];
    const int n = SSL_read(ssl_.get(), buffer, sizeof buffer);
    if (n <= 0) {
      error_ = SSL_get_error(ssl_.get(), n);
      return false;
    }
    received.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx_{
      SSL_CTX_new(TLS_client_method()), &SSL_CTX_free};
  RawConnection raw_;
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl_{nullptr, &SSL_free};
  int error_ = SSL_ERROR_NONE;
};

}  // namespace

TEST_CASE(
    "over TLS the daemon ends a connection it closes with a close_notify, so "
    "the client can tell a whole answer from a cut one") {
  CliSandbox sandbox;
  const TestCertificate tls(sandbox);
  std::vector<std::string> options = tls.options();
  options.insert(options.end(), {"--header-timeout-ms", "300"});
  DaemonProcess daemon(sandbox, options);
  REQUIRE(daemon.ready());

  // An answer the client asked to be the last.
  TlsClient last(daemon.port(), tls.cert);
  last.send(
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  CHECK(last.read_to_end() == SSL_ERROR_ZERO_RETURN);
  CHECK_THAT(last.received, Catch::StartsWith("HTTP/1.1 200"));

  // An error the server closes the connection after on its own.
  TlsClient refused(daemon.port(), tls.cert);
  refused.send(
      "POST /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Length: 9999999999\r\n\r\n");
  CHECK(refused.read_to_end() == SSL_ERROR_ZERO_RETURN);
  CHECK_THAT(refused.received, Catch::StartsWith("HTTP/1.1 413"));

  // A keep-alive connection left idle past --header-timeout-ms.
  TlsClient idle(daemon.port(), tls.cert);
  idle.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  REQUIRE(idle.read_until("\"ok\""));
  CHECK(idle.read_to_end() == SSL_ERROR_ZERO_RETURN);

  // A live stream, when the daemon stops.
  TlsClient stream(daemon.port(), tls.cert);
  stream.send("GET /api/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  REQUIRE(stream.read_until("eventhost live stream"));
  int stream_end = SSL_ERROR_NONE;
  std::thread reader([&] { stream_end = stream.read_to_end(); });
  CHECK(daemon.stop() == 0);
  reader.join();
  CHECK(stream_end == SSL_ERROR_ZERO_RETURN);
  CHECK_THAT(stream.received, Catch::Contains("event: shutdown"));
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
