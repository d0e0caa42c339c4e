// Typed payload fields over HTTP: a field of the wrong type gets a 400
// naming the NDJSON line (nothing of the batch is emitted); a daemon
// configured with payload-check = lenient accepts it, says so in the
// reply and the log, and counts it in /metrics.
#include <fstream>

#include "daemon_test_support.h"

namespace eventhost::test {
namespace {

// eventhost_payload_type_mismatches_total for channel.created's
// channel_id; 0 if not there yet.
double mismatch_metric(const DaemonProcess& daemon) {
  const std::string text = daemon.get("/metrics").body;
  const std::regex line(
      "eventhost_payload_type_mismatches_total\\{event=\"channel\\.created\","
      "field=\"channel_id\"\\} ([0-9.e+]+)");
  std::smatch m;
  return std::regex_search(text, m, line) ? std::stod(m[1]) : 0.0;
}

const std::string kWrongType =
    R"({"event": "channel.created", "data": {"channel_id": "7"}})";

}  // namespace

TEST_CASE("a field of the wrong type gets a 400 naming the line") {
  RecorderWorld world;
  DaemonProcess daemon(world.sandbox);
  REQUIRE(daemon.ready());

  const HttpReply single = daemon.send("POST", "/api/events", kWrongType);
  CHECK(single.status == 400);
  const json s = parse(single);
  CHECK(s["kind"] == "invalid_input");
  CHECK(s["error"] ==
        "the request body: channel.created: field \"channel_id\" must be an "
        "integer, got string (\"7\")");

  const std::string batch =
      channel_event(1) + "\n" + kWrongType + "\n" + channel_event(2) + "\n";
  const HttpReply refused =
      daemon.send("POST", "/api/events", batch, "application/x-ndjson");
  CHECK(refused.status == 400);
  const json r = parse(refused);
  CHECK(r["line"] == 2);
  CHECK(r["kind"] == "invalid_input");
  CHECK_THAT(r["error"].get<std::string>(),
             Catch::Contains("line 2: channel.created: field \"channel_id\" "
                             "must be an integer, got string (\"7\")"));
  CHECK_THAT(r["error"].get<std::string>(),
             Catch::Contains("nothing from this batch was emitted"));
  std::this_thread::sleep_for(300ms);
  CHECK(count_lines_with(read_text(world.record), "channel.created") == 0);
  CHECK(mismatch_metric(daemon) == 0);

  const json catalogue = parse(daemon.get("/api/events/catalogue"));
  bool typed = false;
  for (const json& event : catalogue) {
    if (event["name"] == "channel.created") {
      typed = event["field_types"]["channel_id"] == "integer";
    }
  }
  CHECK(typed);
}

TEST_CASE(
    "payload-check = lenient accepts a wrong type, warns and counts it in "
    "/metrics") {
  RecorderWorld world;
  const fs::path config = world.sandbox.root() / "eventhost.conf";
  {
    std::ofstream out(config);
    out << "payload-check = lenient\n";
  }
  DaemonProcess daemon(world.sandbox, {"--config", config.string()});
  REQUIRE(daemon.ready());

  const HttpReply accepted = daemon.send("POST", "/api/events", kWrongType);
  REQUIRE(accepted.status == 200);
  const json a = parse(accepted);
  REQUIRE(a["type_mismatches"].size() == 1);
  CHECK(a["type_mismatches"][0] ==
        "channel.created: field \"channel_id\" must be an integer, got "
        "string (\"7\")");
  const std::string batch = kWrongType + "\n" + kWrongType + "\n";
  REQUIRE(daemon.send("POST", "/api/events", batch, "application/x-ndjson")
              .status == 200);
  REQUIRE(wait_until([&] {
    return count_lines_with(read_text(world.record), "channel.created") == 3;
  }));
  CHECK(mismatch_metric(daemon) == 3);
  CHECK_THAT(daemon.log(),
             Catch::Contains("channel.created: field \"channel_id\" must be "
                             "an integer, got string (\"7\"); accepted as "
                             "--payload-check is lenient"));
  // A right one is not counted, and has no type_mismatches member.
  const json right =
      parse(daemon.send("POST", "/api/events", channel_event(4)));
  CHECK_FALSE(right.contains("type_mismatches"));
  CHECK(mismatch_metric(daemon) == 3);
  CHECK(daemon.stop() == 0);
}

}  // namespace eventhost::test
