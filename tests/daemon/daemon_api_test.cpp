// End-to-end tests of `eventhost run` as a service: the HTTP API, the
// token, live control through the CLI's control socket, stats, /metrics
// and SIGTERM.
#include <fstream>
#include <map>

#include "api/process_memory.h"
#include "daemon_test_support.h"

namespace eventhost::test {

TEST_CASE("CLI enable and disable apply live to the running daemon") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  DaemonProcess daemon(sandbox);
  REQUIRE(daemon.ready());
  const fs::path record = sandbox.enable_recorder();

  const CliRun emitted =
      sandbox.run({"emit", "channel.created", R"({"channel_id": 1})"});
  INFO(emitted.err);
  REQUIRE(emitted.status == 0);
  CHECK_THAT(emitted.out, Catch::Contains("in the running daemon"));
  REQUIRE(wait_until([&] {
    return count_lines_with(read_text(record), "channel.created") == 1;
  }));

  REQUIRE(sandbox.run({"plugins", "disable", "recorder"}).status == 0);
  const json later = json_of(sandbox.run(
      {"emit", "channel.created", R"({"channel_id": 2})", "--json"}));
  CHECK(later["queued"] == 0);
  std::this_thread::sleep_for(300ms);
  CHECK(count_lines_with(read_text(record), "channel.created") == 1);
}

TEST_CASE(
    "POST events returns ids, an NDJSON batch is ordered and "
    "all-or-nothing") {
  RecorderWorld world;
  DaemonProcess daemon(world.sandbox);
  REQUIRE(daemon.ready());

  const json single =
      parse(daemon.send("POST", "/api/events", channel_event(1)));
  REQUIRE(single["id"].is_number_integer());
  CHECK(single["event"] == "channel.created");
  CHECK(single["suppressed"] == false);
  CHECK(single["queued"] == 1);

  std::string batch;
  for (int i = 0; i < 5; ++i) batch += channel_event(10 + i) + "\n";
  const HttpReply batched =
      daemon.send("POST", "/api/events", batch, "application/x-ndjson");
  REQUIRE(batched.status == 200);
  const json b = parse(batched);
  CHECK(b["accepted"] == 5);
  REQUIRE(b["ids"].size() == 5);
  long previous = single["id"].get<long>();
  for (const auto& id : b["ids"]) {
    CHECK(id.get<long>() > previous);
    previous = id.get<long>();
  }
  REQUIRE(wait_until([&] {
    return count_lines_with(read_text(world.record), "channel.created") == 6;
  }));

  const std::string bad = channel_event(100) + "\n" + channel_event(101) +
                          "\n" + R"({"event": "no.such_event"})" + "\n" +
                          channel_event(102) + "\n";
  const HttpReply refused =
      daemon.send("POST", "/api/events", bad, "application/x-ndjson");
  CHECK(refused.status == 400);
  const json r = parse(refused);
  CHECK(r["line"] == 3);
  CHECK(r["kind"] == "not_found");
  CHECK_THAT(r["error"].get<std::string>(), Catch::Contains("line 3"));
  CHECK_THAT(r["error"].get<std::string>(),
             Catch::Contains("nothing from this batch was emitted"));
  std::this_thread::sleep_for(300ms);
  CHECK(count_lines_with(read_text(world.record), "channel.created") == 6);
}

TEST_CASE("Bad requests get error bodies that say what is wrong") {
  CliSandbox sandbox;
  DaemonProcess daemon(sandbox, {"--max-body", "200"});
  REQUIRE(daemon.ready());

  const HttpReply bad_json =
      daemon.send("POST", "/api/events", R"({"event": "channel.created",)");
  CHECK(bad_json.status == 400);
  const json bj = parse(bad_json);
  CHECK(bj["kind"] == "invalid_input");
  CHECK_THAT(bj["error"].get<std::string>(),
             Catch::Contains("not valid JSON (at byte 29)"));

  const HttpReply unknown = daemon.send(
      "POST", "/api/events", R"({"event": "channel.creatd", "data": {}})");
  CHECK(unknown.status == 400);
  const json u = parse(unknown);
  CHECK(u["kind"] == "not_found");
  CHECK_THAT(u["error"].get<std::string>(), Catch::Contains("did you mean"));
  CHECK_THAT(u["error"].get<std::string>(), Catch::Contains("channel.created"));

  const std::string big =
      json{{"event", "channel.created"},
           {"data", {{"channel_name", std::string(400, 'x')}}}}
          .dump();
  CHECK(daemon.send("POST", "/api/events", big).status == 413);
}

TEST_CASE("Requests without the right token get 401 and change nothing") {
  RecorderWorld world;
  DaemonProcess daemon(world.sandbox);
  REQUIRE(daemon.ready());
  const std::string level_before = parse(daemon.get("/api/level"))["level"];
  REQUIRE(level_before != "CRITICAL");

  for (const std::vector<std::string>& headers :
       {std::vector<std::string>{"Content-Type: application/json"},
        std::vector<std::string>{"Content-Type: application/json",
                                 "Authorization: Bearer not-the-token"}}) {
    CHECK(
        daemon
            .send_with("PUT", "/api/level", R"({"level": "CRITICAL"})", headers)
            .status == 401);
    CHECK(daemon.send_with("POST", "/api/events", channel_event(1), headers)
              .status == 401);
    CHECK(daemon.send_with("POST", "/api/plugins/recorder/disable", "", headers)
              .status == 401);
  }
  CHECK(parse(daemon.get("/api/level"))["level"] == level_before);
  CHECK(parse(daemon.get("/api/plugins/recorder"))
            .dump()
            .find("\"enabled\":true") != std::string::npos);
  std::this_thread::sleep_for(300ms);
  CHECK(count_lines_with(read_text(world.record), "channel.created") == 0);

  // The same requests with the token do work.
  CHECK(daemon.send("PUT", "/api/level", R"({"level": "CRITICAL"})").status ==
        200);
  CHECK(parse(daemon.get("/api/level"))["level"] == "CRITICAL");
}

TEST_CASE(
    "Events below the level are suppressed, and CLI level set applies "
    "live") {
  RecorderWorld world;
  DaemonProcess daemon(world.sandbox);
  REQUIRE(daemon.ready());
  const CliRun set = world.sandbox.run({"level", "set", "CRITICAL"});
  INFO(set.out << set.err);
  REQUIRE(set.status == 0);
  CHECK(parse(daemon.get("/api/level"))["level"] == "CRITICAL");

  const HttpReply suppressed =
      daemon.send("POST", "/api/events", channel_event(1));
  CHECK(suppressed.status == 200);
  const json s = parse(suppressed);
  CHECK(s["suppressed"] == true);
  CHECK(s["id"].is_null());
  const json critical = parse(daemon.send(
      "POST", "/api/events",
      R"({"event": "auth.login_failed", "data": {"username": "bob"}})"));
  CHECK(critical["suppressed"] == false);
  REQUIRE(wait_until([&] {
    return count_lines_with(read_text(world.record), "auth.login_failed") == 1;
  }));
  CHECK(count_lines_with(read_text(world.record), "channel.created") == 0);
  const json stats = parse(daemon.get("/api/events/stats"));
  CHECK(stats["levels"]["FULL"]["suppressed"].get<long>() >= 1);
  CHECK_THAT(
      daemon.get("/metrics").body,
      Catch::Contains("eventhost_events_suppressed_total{event=\"channel."
                      "created\",level=\"FULL\"} 1"));
}

TEST_CASE("Plugin actions run over HTTP once the plugin is enabled") {
  RecorderWorld world;
  DaemonProcess daemon(world.sandbox);
  REQUIRE(daemon.ready());
  const HttpReply ping =
      daemon.send("POST", "/api/plugins/recorder/actions/ping", "");
  CHECK(ping.status == 200);
  CHECK_THAT(ping.body, Catch::Contains("pong"));
  REQUIRE(daemon.send("POST", "/api/plugins/recorder/disable", "").status ==
          200);
  CHECK(parse(daemon.get("/api/plugins/recorder"))["enabled"] == false);
  const HttpReply refused =
      daemon.send("POST", "/api/plugins/recorder/actions/ping", "");
  CHECK(refused.status >= 400);
  CHECK_THAT(refused.body, Catch::Contains("not running"));
  const json ready = parse(daemon.get("/readyz"));
  CHECK(ready["ready"] == true);
  CHECK(ready["catalogue"] == "valid");
  CHECK(ready["state"] == "open");
  CHECK(ready["plugins_not_loaded"].empty());
}

TEST_CASE("Stats and /metrics count events as they flow") {
  RecorderWorld world;
  DaemonProcess daemon(world.sandbox);
  REQUIRE(daemon.ready());
  const auto emitted_total = [&] {
    const std::string text = daemon.get("/metrics").body;
    const std::regex line(
        "eventhost_events_emitted_total\\{event=\"channel\\.created\"\\} "
        "([0-9.e+]+)");
    std::smatch m;
    return std::regex_search(text, m, line) ? std::stod(m[1]) : 0.0;
  };
  const json before = parse(daemon.get("/api/events/stats"));
  const double metric_before = emitted_total();

  for (int i = 0; i < 3; ++i) {
    REQUIRE(daemon.send("POST", "/api/events", channel_event(i)).status == 200);
  }
  REQUIRE(wait_until([&] {
    const json s = parse(daemon.get("/api/events/stats"));
    return s["plugins"]["recorder"]["delivered"].get<long>() ==
           before["plugins"]["recorder"]["delivered"].get<long>() + 3;
  }));
  const json after = parse(daemon.get("/api/events/stats"));
  CHECK(after["total_events_broadcast"].get<long>() >=
        before["total_events_broadcast"].get<long>() + 3);
  CHECK(emitted_total() == metric_before + 3);
  const std::string metrics = daemon.get("/metrics").body;
  CHECK_THAT(metrics, Catch::Contains("eventhost_deliveries_total{"));
  CHECK_THAT(metrics,
             Catch::Contains("eventhost_handler_duration_seconds_count{"));
  CHECK_THAT(metrics, Catch::Contains("eventhost_sse_clients"));
}

TEST_CASE(
    "/metrics shows the daemon's memory: resident set, live heap, SQLite's "
    "share") {
  CliSandbox sandbox;
  DaemonProcess daemon(sandbox);
  REQUIRE(daemon.ready());
  const std::string text = daemon.get("/metrics").body;
  const auto value = [&text](const std::string& series) {
    // At a line's start: the "# HELP" line names the series too.
    const std::string line = "\n" + series + " ";
    const auto at = text.find(line);
    REQUIRE(at != std::string::npos);
    return std::stod(text.substr(at + line.size()));
  };
  const double resident =
      value("eventhost_process_memory_bytes{kind=\"resident\"}");
  const double sqlite = value("eventhost_sqlite_memory_bytes");
  // The daemon holds its state file open (SQLite's caches are on the
  // heap) and its binary is mapped: each share is real and smaller than
  // the whole.
  CHECK(sqlite > 0);
  CHECK(resident > sqlite);
  if (!eventhost::kHeapFiguresKnown) {
    // A sanitizer build: its malloc keeps no glibc arenas to report.
    CHECK(text.find("kind=\"heap_in_use\"") == std::string::npos);
    return;
  }
  const double heap =
      value("eventhost_process_memory_bytes{kind=\"heap_in_use\"}");
  CHECK(heap > sqlite);
  CHECK(resident > heap);
  CHECK(value("eventhost_process_memory_bytes{kind=\"heap_free\"}") >= 0);
}

TEST_CASE("SIGTERM drains in-flight deliveries and stops cleanly") {
  CliSandbox sandbox;
  sandbox.add_plugin("slow.so");
  REQUIRE(sandbox.run({"plugins", "configure", "slow", "sleep_ms=80"}).status ==
          0);
  REQUIRE(sandbox.run({"plugins", "enable", "slow"}).status == 0);
  DaemonProcess daemon(sandbox, {"--grace-ms", "10000"});
  REQUIRE(daemon.ready());
  std::string batch;
  for (int i = 0; i < 10; ++i) batch += channel_event(i) + "\n";
  const json sent =
      parse(daemon.send("POST", "/api/events", batch, "application/x-ndjson"));
  REQUIRE(sent["accepted"] == 10);

  const int status = daemon.stop(SIGTERM);
  INFO(daemon.log());
  CHECK(status == 0);
  CHECK_THAT(daemon.log(), Catch::Contains("stopped cleanly"));
  CHECK_FALSE(fs::exists(sandbox.state_file().string() + ".daemon.json"));
  const json info = json_of(sandbox.run({"plugins", "info", "slow", "--json"}));
  INFO(info.dump());
  CHECK(info["counters"]["delivered"] == 10);
  CHECK(info["counters"]["timeouts"] == 0);
}

TEST_CASE("emit --ndjson - through the running daemon delivers every line") {
  RecorderWorld world;
  DaemonProcess daemon(world.sandbox);
  REQUIRE(daemon.ready());
  std::string lines;
  for (int i = 0; i < 200; ++i) lines += channel_event(i) + "\n";
  const CliRun run = world.sandbox.run({"emit", "--ndjson", "-"}, lines);
  INFO(run.out << run.err);
  REQUIRE(run.status == 0);
  CHECK_THAT(run.out, Catch::Contains("200 emitted"));
  CHECK(wait_until([&] {
    return count_lines_with(read_text(world.record), "channel.created") == 200;
  }));
}

TEST_CASE("A second daemon on the same state is refused") {
  CliSandbox sandbox;
  DaemonProcess first(sandbox);
  REQUIRE(first.ready());
  DaemonProcess second(sandbox);
  INFO(second.log());
  CHECK_FALSE(second.ready());
  CHECK(second.stop() == 5);
  CHECK(json::parse(read_text(sandbox.state_file().string() +
                              ".daemon.json"))["pid"] == first.pid());
  CHECK(first.get("/healthz").status == 200);
}

TEST_CASE("A plugin file added while the daemon runs is discovered disabled") {
  CliSandbox sandbox;
  DaemonProcess daemon(sandbox, {"--rescan-ms", "200"});
  REQUIRE(daemon.ready());
  CHECK(daemon.get("/api/plugins/recorder").status == 404);
  sandbox.add_plugin("recorder.so");
  REQUIRE(wait_until(
      [&] { return daemon.get("/api/plugins/recorder").status == 200; }, 5s));
  CHECK(parse(daemon.get("/api/plugins/recorder"))["enabled"] == false);
}

TEST_CASE("Settings changed over HTTP are what the CLI then sees") {
  CliSandbox sandbox;
  sandbox.add_plugin("slow.so");
  DaemonProcess daemon(sandbox);
  REQUIRE(daemon.ready());
  const HttpReply put =
      daemon.send("PUT", "/api/plugins/slow/settings", R"({"sleep_ms": 42})");
  INFO(put.body);
  REQUIRE(put.status == 200);
  const json info = json_of(sandbox.run({"plugins", "info", "slow", "--json"}));
  INFO(info.dump());
  CHECK(info["settings"]["sleep_ms"] == 42);
}

TEST_CASE(
    "A PUT of settings that changes nothing, or a disable of a disabled "
    "plugin, emits nothing") {
  CliSandbox sandbox;
  sandbox.add_plugin("slow.so");
  DaemonProcess daemon(sandbox);
  REQUIRE(daemon.ready());
  for (const char* body :
       {R"({"sleep_ms": 42})", R"({"sleep_ms": 42})", R"({"sleep_ms": 43})"}) {
    INFO(body);
    REQUIRE(daemon.send("PUT", "/api/plugins/slow/settings", body).status ==
            200);
  }
  for (int i = 0; i < 2; ++i) {
    REQUIRE(daemon.send("POST", "/api/plugins/slow/disable", "").status == 200);
  }
  // Acknowledged means journaled, and the journal keeps emit order: once
  // this event is in it, so is anything the requests above emitted.
  const json last = parse(daemon.send("POST", "/api/events", channel_event(1)));
  REQUIRE(last["id"].get<std::uint64_t>() > 0);
  const json page = parse(daemon.get("/api/journal?event=plugin.*"));
  std::map<std::string, int> count;
  for (const json& entry : page["entries"]) {
    ++count[entry["event"].get<std::string>()];
  }
  CHECK(count["plugin.configured"] == 2);  // 42, then 43
  CHECK(count["plugin.disabled"] == 0);    // it was never enabled
}

TEST_CASE("An NDJSON batch with a line that is not JSON is refused whole") {
  CliSandbox sandbox;
  DaemonProcess daemon(sandbox);
  REQUIRE(daemon.ready());
  const long before =
      parse(daemon.get("/api/events/stats"))["total_events_broadcast"];
  const std::string batch =
      channel_event(1) + "\n" + channel_event(2) + "\n{not json\n";
  const HttpReply refused =
      daemon.send("POST", "/api/events", batch, "application/x-ndjson");
  CHECK(refused.status == 400);
  const json r = parse(refused);
  CHECK(r["line"] == 3);
  CHECK(r["kind"] == "invalid_input");
  CHECK(parse(daemon.get("/api/events/stats"))["total_events_broadcast"] ==
        before);
}

TEST_CASE("emit --json against the daemon reports id and queue counts") {
  RecorderWorld world;
  DaemonProcess daemon(world.sandbox);
  REQUIRE(daemon.ready());
  const json out = json_of(world.sandbox.run(
      {"emit", "channel.created", R"({"channel_id": 3})", "--json"}));
  CHECK(out["event"] == "channel.created");
  CHECK(out["id"].is_number_integer());
  CHECK(out["queued"] == 1);
  CHECK(out["dropped"] == 0);
  CHECK(out["suppressed"] == false);
  REQUIRE(wait_until([&] {
    return read_text(world.record)
               .find(" " + std::to_string(out["id"].get<long>()) +
                     " channel.created") != std::string::npos;
  }));
}

TEST_CASE("SIGTERM with deliveries still running past the grace exits 1") {
  CliSandbox sandbox;
  sandbox.add_plugin("slow.so");
  REQUIRE(sandbox.run({"plugins", "configure", "slow", "sleep_ms=80"}).status ==
          0);
  REQUIRE(sandbox.run({"plugins", "enable", "slow"}).status == 0);
  DaemonProcess daemon(sandbox, {"--grace-ms", "100"});
  REQUIRE(daemon.ready());
  std::string batch;
  for (int i = 0; i < 30; ++i) batch += channel_event(i) + "\n";
  REQUIRE(daemon.send("POST", "/api/events", batch, "application/x-ndjson")
              .status == 200);
  const int status = daemon.stop(SIGTERM);
  INFO(daemon.log());
  CHECK(status == 1);
  CHECK_THAT(daemon.log(), Catch::Contains("deliveries still running"));
}

TEST_CASE(
    "emit --ndjson through the daemon rejects bad lines as it does "
    "offline and delivers the rest") {
  RecorderWorld world;
  DaemonProcess daemon(world.sandbox);
  REQUIRE(daemon.ready());
  const std::string stream =
      R"({"event": "channel.created", "data": {"channel_id": 1}})"
      "\n\n"
      "{not json\n"
      R"({"event": "recording.completed", "data": {"recording_id": 2}})"
      "\n"
      R"({"event": "no.such_event"})"
      "\n"
      R"({"event": "channel.created"})"
      "\n";
  const CliRun run = world.sandbox.run({"emit", "--ndjson", "-"}, stream);
  INFO(run.out << run.err);
  CHECK(run.status == 4);
  CHECK_THAT(run.out, Catch::Contains("3 emitted, 0 suppressed, 2 rejected"));
  CHECK_THAT(run.out, Catch::Contains("running daemon"));
  CHECK_THAT(run.err, Catch::Contains("line 3 rejected: not valid JSON"));
  CHECK_THAT(run.err, Catch::Contains("line 5 rejected: unknown event"));
  REQUIRE(wait_until([&] {
    const std::string recorded = read_text(world.record);
    return std::count(recorded.begin(), recorded.end(), '\n') == 3;
  }));
  CHECK_THAT(read_text(world.record),
             Catch::Contains("on_recording_completed"));
}

TEST_CASE("Bad API calls are refused with a reason and change nothing") {
  CliSandbox sandbox;
  sandbox.add_plugin("slow.so");
  DaemonProcess daemon(sandbox, {"--max-body", "300"});
  REQUIRE(daemon.ready());
  std::string batch;
  for (int i = 0; i < 6; ++i) batch += channel_event(i) + "\n";
  REQUIRE(batch.size() > 300);
  const HttpReply big =
      daemon.send("POST", "/api/events", batch, "application/x-ndjson");
  CHECK(big.status == 413);
  CHECK_THAT(big.body, Catch::Contains("--max-body"));
  CHECK(parse(big)["kind"] == "invalid_input");
  CHECK(parse(daemon.get("/api/events/stats"))["levels"]["FULL"]["emitted"] ==
        0);

  const HttpReply level =
      daemon.send("PUT", "/api/level", R"({"level": "BOGUS"})");
  CHECK(level.status == 400);
  CHECK(parse(daemon.get("/api/level"))["level"] == "FULL");

  const HttpReply wrong_type = daemon.send("PUT", "/api/plugins/slow/settings",
                                           R"({"sleep_ms": "abc"})");
  CHECK(wrong_type.status == 400);
  CHECK(parse(wrong_type)["kind"] == "invalid_input");
  // A number no double holds is bad input too, not a server error.
  const HttpReply huge = daemon.send("PUT", "/api/plugins/slow/settings",
                                     R"({"sleep_ms": 1e400})");
  CHECK(huge.status == 400);
  CHECK_THAT(huge.body, Catch::Contains("number overflow"));
  const HttpReply huge_line = daemon.send(
      "POST", "/api/events", "{\"d\": 1e400}\n", "application/x-ndjson");
  CHECK(huge_line.status == 400);
  CHECK_THAT(huge_line.body, Catch::Contains("line 1: not valid JSON"));
  const HttpReply no_setting =
      daemon.send("PUT", "/api/plugins/slow/settings", R"({"nope": 1})");
  CHECK(no_setting.status == 404);
  CHECK_THAT(no_setting.body, Catch::Contains("sleep_ms"));
  CHECK(parse(daemon.get("/api/plugins/slow"))["settings"]["sleep_ms"] == 300);

  CHECK(daemon.send("POST", "/api/plugins/nosuch/enable", "").status == 404);
  CHECK(daemon.get("/api/nosuch").status == 404);
  CHECK(daemon.send("DELETE", "/api/level", "").status == 405);
  CHECK(daemon
            .send("POST", "/api/events",
                  R"({"event": "channel.created", "data": [1]})")
            .status == 400);
}

TEST_CASE("run --safe-mode serves the API with no plugin loaded") {
  RecorderWorld world;
  DaemonProcess daemon(world.sandbox, {"--safe-mode"});
  REQUIRE(daemon.ready());
  const json ready = parse(daemon.get("/readyz"));
  CHECK(ready["ready"] == true);
  CHECK(ready["plugins_loaded"] == 0);
  const json emitted =
      parse(daemon.send("POST", "/api/events", channel_event(1)));
  CHECK(emitted["queued"] == 0);
  CHECK(read_text(world.record).empty());
  CHECK(parse(daemon.get("/api/plugins/recorder"))["enabled"] == true);
  // Another command cannot be in safe mode while the daemon runs.
  const CliRun refused =
      world.sandbox.run({"emit", "--safe-mode", "channel.created", "{}"});
  CHECK(refused.status == 5);
  CHECK_THAT(refused.err, Catch::Contains("eventhost run --safe-mode"));
}

}  // namespace eventhost::test

namespace eventhost::test {

TEST_CASE(
    "A client that asks to continue before a large body is told to go on") {
  CliSandbox sandbox;
  DaemonProcess daemon(sandbox);
  REQUIRE(daemon.ready());
  const fs::path batch = sandbox.root() / "batch.ndjson";
  {
    std::ofstream out(batch);
    for (int i = 0; i < 2000; ++i) out << channel_event(i) << "\n";
  }
  // --expect100-timeout is far above --max-time: without the server's
  // "100 Continue", curl would give up before sending the body at all.
  const HttpReply reply = DaemonProcess::curl(
      {"-D", "-", "--expect100-timeout", "60", "-H", "Expect: 100-continue",
       "-H", "Authorization: Bearer " + daemon.token(), "-H",
       "Content-Type: application/x-ndjson", "--data-binary",
       "@" + batch.string(), daemon.url("/api/events")});
  CHECK(reply.status == 200);
  CHECK_THAT(reply.body, Catch::Contains("HTTP/1.1 100 Continue"));
  CHECK_THAT(reply.body, Catch::Contains("\"accepted\":2000"));
}

}  // namespace eventhost::test
