// The mqtt plugin end to end: the real `eventhost` binary runs it in its
// process tier (no_fs_write and no_spawn enforced) and publishes to Debian's
// mosquitto broker, started by each test on a free loopback port, while a
// libmosquitto subscriber in the test checks what arrived.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>

#include "cli_sandbox.h"
#include "mosquitto_broker.h"
#include "outside_support.h"

using eventhost::test::CliRun;
using eventhost::test::CliSandbox;
using eventhost::test::json_of;
using eventhost::test::kPatience;
using eventhost::test::MosquittoBroker;
using eventhost::test::MqttSubscriber;
using nlohmann::json;

namespace {

void setup_mqtt(CliSandbox& sandbox, int port,
                const std::vector<std::string>& settings) {
  sandbox.add_plugin("mqtt.so");
  std::vector<std::string> args = {"plugins", "configure", "mqtt",
                                   "host=127.0.0.1",
                                   "port=" + std::to_string(port)};
  args.insert(args.end(), settings.begin(), settings.end());
  // Only the test's events, not the host's own (system.startup, ...),
  // unless the test names its own.
  const bool named = std::any_of(
      settings.begin(), settings.end(),
      [](const std::string& s) { return s.rfind("events=", 0) == 0; });
  if (!named) args.push_back("events=channel.*,recording.*");
  const CliRun configured = sandbox.run(args);
  INFO(configured.err);
  REQUIRE(configured.status == 0);
  const CliRun enabled = sandbox.run({"plugins", "enable", "mqtt"});
  INFO(enabled.err);
  REQUIRE(enabled.status == 0);
}

// Emits `lines` (NDJSON) and returns the journal's entries of the events
// they made (those with a channel_id), in emit order.
std::vector<json> emit_lines(const CliSandbox& sandbox,
                             const std::string& lines) {
  const CliRun run = sandbox.run({"emit", "--ndjson", "-"}, lines);
  INFO(run.out << run.err);
  REQUIRE(run.status == 0);
  const json all =
      json_of(sandbox.run({"journal", "list", "--limit", "1000", "--json"}));
  std::vector<json> entries;
  for (const json& e : all) {
    if (e["payload"].contains("channel_id")) entries.push_back(e);
  }
  return entries;
}

}  // namespace

TEST_CASE("mqtt publishes every event to <prefix>/<namespace>/<action>") {
  CliSandbox sandbox;
  MosquittoBroker broker(sandbox.root());
  MqttSubscriber subscriber(broker.port(), "home/eventhost/#", 1);
  setup_mqtt(sandbox, broker.port(),
             {"prefix=home/eventhost/", "qos=1", "events=channel.*,auth.*"});
  const std::vector<std::string> names = {
      "channel.created",   "channel.updated", "auth.login",
      "recording.started", "channel.deleted", "auth.logout"};
  std::string lines;
  for (int i = 0; i < 30; ++i) {
    lines += R"({"event": ")" + names[i % names.size()] +
             R"(", "data": {"channel_id": )" + std::to_string(i) + "}}\n";
  }
  const std::vector<json> journal = emit_lines(sandbox, lines);
  REQUIRE(journal.size() == 30);
  // recording.* is not in `events`: 25 of the 30 are published.
  REQUIRE(subscriber.wait_for(25, kPatience));
  const auto messages = subscriber.messages();
  CHECK(messages.size() == 25);
  std::map<std::uint64_t, json> published;
  for (const auto& m : messages) {
    const json record = json::parse(m.payload);
    const std::string event = record["event"];
    CHECK(m.topic == "home/eventhost/" + event.substr(0, event.find('.')) +
                         "/" + event.substr(event.find('.') + 1));
    CHECK(m.qos == 1);
    CHECK(m.retain == false);
    published[record["id"].get<std::uint64_t>()] = record;
  }
  for (const json& entry : journal) {
    INFO(entry.dump());
    const bool wanted = entry["event"] != "recording.started";
    const auto found = published.find(entry["id"].get<std::uint64_t>());
    REQUIRE((found != published.end()) == wanted);
    // The message is the journal's entry for its event, field for field.
    if (wanted) CHECK(found->second == entry);
  }
}

TEST_CASE("mqtt publishes at QoS 2 with retain for later subscribers") {
  CliSandbox sandbox;
  MosquittoBroker broker(sandbox.root());
  setup_mqtt(sandbox, broker.port(), {"qos=2", "retain=true"});
  const CliRun run = sandbox.run(
      {"emit", "recording.completed", R"({"recording_id": 12})", "--json"});
  INFO(run.err);
  REQUIRE(run.status == 0);
  // Subscribed only after the publish: the broker kept it for us.
  MqttSubscriber late(broker.port(), "eventhost/recording/completed", 2);
  REQUIRE(late.wait_for(1, kPatience));
  const auto m = late.messages().at(0);
  CHECK(m.retain == true);
  CHECK(m.qos == 2);
  CHECK(json::parse(m.payload)["id"] == json_of(run)["id"]);
}

TEST_CASE("mqtt publishes at QoS 0 without waiting for the broker") {
  CliSandbox sandbox;
  MosquittoBroker broker(sandbox.root());
  MqttSubscriber subscriber(broker.port(), "eventhost/#", 0);
  setup_mqtt(sandbox, broker.port(), {"qos=0"});
  const CliRun run = sandbox.run(
      {"emit", "channel.created", R"({"channel_id": 1})", "--json"});
  INFO(run.err);
  REQUIRE(run.status == 0);
  REQUIRE(subscriber.wait_for(1, kPatience));
  CHECK(subscriber.messages().at(0).topic == "eventhost/channel/created");
}

TEST_CASE(
    "mqtt fails deliveries while the broker is unreachable and leaves dead "
    "letters that a retry delivers once it is back") {
  CliSandbox sandbox;
  MosquittoBroker broker(sandbox.root());
  const int port = broker.port();
  broker.stop();
  setup_mqtt(sandbox, port, {"timeout_ms=300"});
  const CliRun run = sandbox.run(
      {"emit", "channel.created", R"({"channel_id": 1})", "--json"});
  CHECK(run.status == 6);
  const json letters = json_of(sandbox.run({"deadletters", "list", "--json"}));
  REQUIRE(letters.size() == 1);
  CHECK(letters[0]["attempts"] == 4);
  CHECK_THAT(letters[0]["last_error"].get<std::string>(),
             Catch::Contains("not connected to the broker at 127.0.0.1:" +
                             std::to_string(port)) &&
                 Catch::Contains("refused"));

  broker.start();
  MqttSubscriber subscriber(port, "eventhost/#", 1);
  const CliRun retried = sandbox.run({"deadletters", "retry", "--all"});
  INFO(retried.err);
  CHECK(retried.status == 0);
  REQUIRE(subscriber.wait_for(1, kPatience));
  CHECK(json::parse(subscriber.messages().at(0).payload)["id"] ==
        json_of(run)["id"]);
}

TEST_CASE("the mqtt file passes plugins validate --strict") {
  CliSandbox sandbox;
  const CliRun run =
      sandbox.run({"plugins", "validate",
                   eventhost::test::shipped_plugin("mqtt.so"), "--strict"});
  INFO(run.out << run.err);
  CHECK(run.status == 0);
}
