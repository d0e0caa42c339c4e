// The webhook plugin end to end: the real `eventhost` binary runs it in its
// process tier (the manifest asks for it, with the no_fs_write and no_spawn
// promises enforced by seccomp) against an HTTP(S) receiver on loopback.
// The host's retries and dead letters are the ones its manifest sets (4
// deliveries, 500 ms back-off, doubling).
#include <catch2/catch.hpp>
#include <fstream>

#include "cli_sandbox.h"
#include "http_receiver.h"
#include "outside_support.h"
#include "tls_identity.h"

using eventhost::test::CliRun;
using eventhost::test::CliSandbox;
using eventhost::test::HttpReceiver;
using eventhost::test::json_of;
using eventhost::test::ScriptedResponse;
using nlohmann::json;

namespace {

void setup_webhook(CliSandbox& sandbox,
                   const std::vector<std::string>& settings) {
  sandbox.add_plugin("webhook.so");
  // Only the test's events: not the host's own (system.startup, ...).
  std::vector<std::string> args = {"plugins", "configure", "webhook",
                                   "events=channel.*"};
  args.insert(args.end(), settings.begin(), settings.end());
  const CliRun configured = sandbox.run(args);
  INFO(configured.err);
  REQUIRE(configured.status == 0);
  const CliRun enabled = sandbox.run({"plugins", "enable", "webhook"});
  INFO(enabled.err);
  REQUIRE(enabled.status == 0);
}

CliRun emit_created(const CliSandbox& sandbox) {
  return sandbox.run({"emit", "channel.created",
                      R"({"channel_id": 7, "channel_name": "News"})",
                      "--json"});
}

json dead_letters(const CliSandbox& sandbox) {
  return json_of(sandbox.run({"deadletters", "list", "--json"}));
}

}  // namespace

TEST_CASE(
    "webhook posts the event as the journal has it, signed, from its "
    "sandboxed worker") {
  HttpReceiver receiver;
  CliSandbox sandbox;
  setup_webhook(sandbox,
                {"url=" + receiver.url("/in?src=eh"), "secret=s3cret"});
  CHECK(json_of(sandbox.run({"plugins", "info", "webhook",
                             "--json"}))["isolation"] == "process");
  const CliRun run = emit_created(sandbox);
  INFO(run.err);
  REQUIRE(run.status == 0);
  const auto id = json_of(run)["id"].get<std::uint64_t>();
  const auto requests = receiver.requests();
  REQUIRE(requests.size() == 1);
  const auto& r = requests[0];
  CHECK(r.method == "POST");
  CHECK(r.target == "/in?src=eh");
  CHECK(r.header("content-type") == "application/json");
  CHECK(r.header("x-eventhost-event") == "channel.created");
  CHECK(r.header("x-eventhost-event-id") == std::to_string(id));
  CHECK(r.header("x-eventhost-attempt") == "1");
  // The body is the journal's entry for the event, field for field.
  const json journal =
      json_of(sandbox.run({"journal", "show", std::to_string(id), "--json"}));
  CHECK(json::parse(r.body) == journal);
  // The receiver's check, as the README tells it: HMAC-SHA256 of
  // "<timestamp>.<body>" with the shared secret.
  const std::string timestamp = r.header("x-eventhost-timestamp");
  REQUIRE_FALSE(timestamp.empty());
  CHECK(r.header("x-eventhost-signature") ==
        "sha256=" + eventhost::test::hmac_sha256_hex("s3cret",
                                                     timestamp + "." + r.body));
  CHECK(r.header("x-eventhost-signature") !=
        "sha256=" + eventhost::test::hmac_sha256_hex("other",
                                                     timestamp + "." + r.body));
}

TEST_CASE("webhook retries a 500 and the 200 after it delivers the event") {
  HttpReceiver receiver({{500, "busy"}, {200, "ok"}});
  CliSandbox sandbox;
  setup_webhook(sandbox, {"url=" + receiver.url()});
  const CliRun run = emit_created(sandbox);
  INFO(run.err);
  CHECK(run.status == 0);
  const auto requests = receiver.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].header("x-eventhost-attempt") == "1");
  CHECK(requests[1].header("x-eventhost-attempt") == "2");
  CHECK(requests[0].header("x-eventhost-event-id") ==
        requests[1].header("x-eventhost-event-id"));
  CHECK(requests[0].body == requests[1].body);
  CHECK(dead_letters(sandbox).empty());
  const json info =
      json_of(sandbox.run({"plugins", "info", "webhook", "--json"}));
  CHECK(info["enabled"] == true);
}

TEST_CASE(
    "webhook keeps failing against a broken receiver and leaves a dead "
    "letter with its answer, without the URL's secret path") {
  std::vector<ScriptedResponse> script(4, {503, "down for maintenance"});
  HttpReceiver receiver(script);
  CliSandbox sandbox;
  setup_webhook(sandbox, {"url=" + receiver.url("/api/webhooks/1/TOKEN123")});
  const CliRun run = emit_created(sandbox);
  CHECK(run.status == 6);  // emitted, but a delivery failed
  CHECK(receiver.requests().size() == 4);
  const json letters = dead_letters(sandbox);
  REQUIRE(letters.size() == 1);
  CHECK(letters[0]["plugin"] == "webhook");
  CHECK(letters[0]["attempts"] == 4);
  const std::string error = letters[0]["last_error"].get<std::string>();
  CHECK_THAT(error, Catch::Contains("answered 503 Service Unavailable: down "
                                    "for maintenance"));
  CHECK_THAT(error, Catch::Contains("POST " + receiver.url("")));
  CHECK_THAT(error, !Catch::Contains("TOKEN123"));

  // Once the receiver is back, the dead letter is delivered.
  const CliRun retried = sandbox.run({"deadletters", "retry", "--all"});
  INFO(retried.err);
  CHECK(retried.status == 0);
  CHECK(receiver.requests().size() == 5);
  CHECK(dead_letters(sandbox).empty());
}

TEST_CASE("webhook fails a delivery the receiver does not answer in time") {
  std::vector<ScriptedResponse> script(4, {200, "", true});
  HttpReceiver receiver(script);
  CliSandbox sandbox;
  setup_webhook(sandbox, {"url=" + receiver.url(), "timeout_ms=300"});
  const CliRun run = emit_created(sandbox);
  CHECK(run.status == 6);
  CHECK(receiver.requests().size() == 4);
  const json letters = dead_letters(sandbox);
  REQUIRE(letters.size() == 1);
  CHECK_THAT(letters[0]["last_error"].get<std::string>(),
             Catch::Contains("no HTTP answer from " + receiver.url("") +
                             " within 300 ms: timed out"));
}

TEST_CASE("webhook fails a delivery when nothing listens at the URL") {
  int port = 0;
  {
    HttpReceiver gone;  // a port that was free a moment ago
    port = gone.port();
  }
  CliSandbox sandbox;
  setup_webhook(sandbox,
                {"url=http://127.0.0.1:" + std::to_string(port) + "/hook"});
  CHECK(emit_created(sandbox).status == 6);
  const json letters = dead_letters(sandbox);
  REQUIRE(letters.size() == 1);
  CHECK_THAT(letters[0]["last_error"].get<std::string>(),
             Catch::Contains("cannot connect to http://127.0.0.1:" +
                             std::to_string(port)) &&
                 Catch::Contains("refused"));
}

TEST_CASE("webhook posts over https to a receiver its ca_file trusts") {
  const auto identity = eventhost::test::make_tls_identity();
  HttpReceiver receiver({}, identity);
  CliSandbox sandbox;
  const auto ca_file = sandbox.root() / "receiver-ca.pem";
  std::ofstream(ca_file) << identity.cert_pem;
  setup_webhook(sandbox,
                {"url=" + receiver.url(), "ca_file=" + ca_file.string()});
  const CliRun run = emit_created(sandbox);
  INFO(run.err);
  CHECK(run.status == 0);
  REQUIRE(receiver.requests().size() == 1);
  CHECK(json::parse(receiver.requests()[0].body)["event"] == "channel.created");
}

TEST_CASE(
    "webhook refuses an https receiver whose certificate it cannot "
    "verify") {
  HttpReceiver receiver({}, eventhost::test::make_tls_identity());
  CliSandbox sandbox;
  setup_webhook(sandbox, {"url=" + receiver.url()});
  CHECK(emit_created(sandbox).status == 6);
  CHECK(receiver.requests().empty());
  CHECK(receiver.wait_for_failed_handshakes(4, eventhost::test::kPatience));
  CHECK(receiver.failed_handshakes() == 4);
  const json letters = dead_letters(sandbox);
  REQUIRE(letters.size() == 1);
  CHECK_THAT(
      letters[0]["last_error"].get<std::string>(),
      Catch::Contains("TLS handshake with " + receiver.url("") + " failed") &&
          Catch::Contains("certificate verify failed"));
}

TEST_CASE("webhook with a URL it cannot use does not start, and says why") {
  CliSandbox sandbox;
  sandbox.add_plugin("webhook.so");
  REQUIRE(sandbox
              .run({"plugins", "configure", "webhook",
                    "url=ftp://files.example/in"})
              .status == 0);
  const CliRun enabled = sandbox.run({"plugins", "enable", "webhook"});
  CHECK(enabled.status != 0);
  CHECK_THAT(enabled.err,
             Catch::Contains("webhook: url: the URL must start with "
                             "https:// or http://"));
}

TEST_CASE("the webhook file passes plugins validate --strict") {
  CliSandbox sandbox;
  const CliRun run =
      sandbox.run({"plugins", "validate",
                   eventhost::test::shipped_plugin("webhook.so"), "--strict"});
  INFO(run.out << run.err);
  CHECK(run.status == 0);
}
