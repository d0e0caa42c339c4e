// Host: which handler gets which event, the level filter, refused input,
// failure isolation and full queues.
#include <catch2/catch.hpp>

#include "common/error.h"
#include "host_fixture.h"

using namespace eventhost;
using namespace eventhost::testing;

namespace {

ErrorKind kind_of_emit(Host& host, std::string_view event,
                       std::string_view payload, std::string* message) {
  try {
    host.emit(event, payload);
  } catch (const Error& e) {
    *message = e.what();
    return e.kind();
  }
  FAIL("emit(" << event << ", " << payload << ") was accepted");
  return ErrorKind::kInternal;
}

constexpr std::size_t index_of(LevelSet set) {
  return static_cast<std::size_t>(set);
}

}  // namespace

TEST_CASE(
    "an event reaches its named handler or else the catch-all if "
    "subscribed or else nothing") {
  Sandbox box;
  box.add_test_plugin("recorder.so");
  const fs::path record = box.file("recorder.log");
  Host host(host_options(box, nullptr));
  host.configure("recorder", {{"path", record.string()}});
  host.enable("recorder");
  REQUIRE(host.start(false).empty());

  // recorder exports on_channel_created and eh_on_any_event with
  // "subscribe": ["auth.*"].
  const auto created = host.emit("channel.created", channel_payload(1));
  const auto failed = host.emit("auth.login_failed", R"({"username":"bob"})");
  const auto epg = host.emit("epg.refresh_started", R"({"source_id":3})");
  CHECK(created.queued == 1);
  CHECK(failed.queued == 1);
  CHECK(epg.queued == 0);
  REQUIRE(host.wait_idle(kIdleTimeout));

  const auto lines = recorded(record);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].symbol == "on_channel_created");
  CHECK(lines[0].id == created.event_id);
  CHECK(lines[0].event == "channel.created");
  CHECK(lines[1].symbol == "eh_on_any_event");
  CHECK(lines[1].id == failed.event_id);
  CHECK(lines[1].event == "auth.login_failed");
}

TEST_CASE(
    "at level CRITICAL a FULL event is suppressed and counted while a "
    "CRITICAL one is delivered") {
  Sandbox box;
  box.add_test_plugin("recorder.so");
  const fs::path record = box.file("recorder.log");
  ScopedEnv no_env("EVENTHOST_EVENT_LEVEL", nullptr);
  Host host(host_options(box, nullptr));
  host.configure("recorder", {{"path", record.string()}});
  host.enable("recorder");
  host.set_level(EventLevel::kCritical);
  CHECK(host.level().level == EventLevel::kCritical);
  CHECK(host.level().source == "state");
  REQUIRE(host.start(false).empty());

  const EmitOutcome created = host.emit("channel.created", channel_payload(1));
  CHECK(created.suppressed);
  CHECK(created.event_id == 0);
  CHECK(created.queued == 0);
  const EmitOutcome failed =
      host.emit("auth.login_failed", R"({"username":"bob"})");
  CHECK_FALSE(failed.suppressed);
  CHECK(failed.queued == 1);
  REQUIRE(host.wait_idle(kIdleTimeout));

  const HostStats stats = host.stats();
  CHECK(stats.suppressed[index_of(LevelSet::kFull)] == 1);
  CHECK(stats.emitted[index_of(LevelSet::kFull)] == 0);
  CHECK(stats.emitted[index_of(LevelSet::kCritical)] == 1);
  const auto lines = recorded(record);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].event == "auth.login_failed");
}

TEST_CASE("EVENTHOST_EVENT_LEVEL overrides the stored level") {
  Sandbox box;
  {
    ScopedEnv no_env("EVENTHOST_EVENT_LEVEL", nullptr);
    Host host(host_options(box, nullptr));
    host.set_level(EventLevel::kFull);
  }
  ScopedEnv env("EVENTHOST_EVENT_LEVEL", "critical");
  Host host(host_options(box, nullptr));
  CHECK(host.level().level == EventLevel::kCritical);
  CHECK(host.level().source == "environment");
  CHECK(host.level().warnings.empty());
  REQUIRE(host.start(false).empty());
  CHECK(host.emit("channel.created", channel_payload(1)).suppressed);
  // Persisting a level does not beat the environment either.
  host.set_level(EventLevel::kFull);
  CHECK(host.level().level == EventLevel::kCritical);
}

TEST_CASE(
    "an invalid EVENTHOST_EVENT_LEVEL is named in a warning and the "
    "stored level is used") {
  Sandbox box;
  {
    ScopedEnv no_env("EVENTHOST_EVENT_LEVEL", nullptr);
    Host host(host_options(box, nullptr));
    host.set_level(EventLevel::kSystem);
  }
  ScopedEnv env("EVENTHOST_EVENT_LEVEL", "LOUD");
  Host host(host_options(box, nullptr));
  CHECK(host.level().level == EventLevel::kSystem);
  CHECK(host.level().source == "state");
  REQUIRE(host.level().warnings.size() == 1);
  CHECK_THAT(host.level().warnings[0], Catch::Contains("LOUD"));
}

TEST_CASE(
    "an unknown event is refused naming the nearest known one and bad "
    "JSON is refused as invalid input") {
  Sandbox box;
  Host host(host_options(box, nullptr));
  REQUIRE(host.start(false).empty());
  std::string message;
  CHECK(kind_of_emit(host, "channel.creatd", "{}", &message) ==
        ErrorKind::kNotFound);
  CHECK_THAT(message, Catch::Contains("channel.created"));
  CHECK(kind_of_emit(host, "channel.created", "{\"channel_id\": ", &message) ==
        ErrorKind::kInvalidInput);
  CHECK(kind_of_emit(host, "channel.created", "[1, 2]", &message) ==
        ErrorKind::kInvalidInput);
  // Nothing refused was counted as emitted.
  CHECK(host.stats().emitted[index_of(LevelSet::kFull)] == 0);
}

TEST_CASE("a plugin that throws or fails or is slow does not stop the others") {
  Sandbox box;
  for (const char* name :
       {"thrower.so", "failing.so", "slow.so", "recorder.so"}) {
    box.add_test_plugin(name);
  }
  const fs::path record = box.file("recorder.log");
  Outcomes outcomes;
  // Breaker off: the failing plugins keep getting every event.
  Host host(host_options(box, &outcomes, /*breaker_threshold=*/0));
  host.configure("recorder", {{"path", record.string()}});
  // slow's budget is 100 ms: 150 ms is a timeout every time.
  host.configure("slow", {{"sleep_ms", "150"}});
  for (const char* key : {"thrower", "failing", "slow", "recorder"}) {
    host.enable(key);
  }
  REQUIRE(host.start(false).empty());

  constexpr int kEvents = 100;
  constexpr int kSlowEvents = 5;
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < kEvents; ++i) {
    if (i == kSlowEvents) {
      // Queued behind slow's first events, so only those overrun; keeps
      // the test short.
      host.configure("slow", {{"sleep_ms", "0"}});
    }
    const EmitOutcome out = host.emit("channel.created", channel_payload(i));
    CHECK(out.queued == 4);
    ids.push_back(out.event_id);
  }
  REQUIRE(host.wait_idle(kIdleTimeout));

  // The recorder got every event, in emit order (it is serialized).
  const auto lines = recorded(record);
  REQUIRE(lines.size() == kEvents);
  for (int i = 0; i < kEvents; ++i) CHECK(lines[i].id == ids[i]);
  CHECK(outcomes.count("recorder", Outcome::kOk) == kEvents);

  const auto thrown = outcomes.of("thrower");
  REQUIRE(thrown.size() == kEvents);
  for (const DeliveryResult& r : thrown) {
    CHECK(r.outcome == Outcome::kException);
    CHECK_THAT(r.message, Catch::StartsWith("boom"));
  }
  const auto failed = outcomes.of("failing");
  REQUIRE(failed.size() == kEvents);
  for (const DeliveryResult& r : failed) {
    CHECK(r.outcome == Outcome::kError);
    CHECK(r.message == "database unreachable");
  }
  CHECK(outcomes.count("slow", Outcome::kTimeout) >= kSlowEvents);
  CHECK(outcomes.of("slow").size() == kEvents);

  for (const auto& [key, stats] : host.runner_stats()) {
    INFO(key);
    CHECK_FALSE(stats.tripped);
    if (key == "thrower") CHECK(stats.exceptions == kEvents);
    if (key == "failing") CHECK(stats.failed == kEvents);
  }
}

TEST_CASE(
    "what overflows a plugin's queue is reported as dropped and never "
    "silently lost") {
  // slow's manifest sets no queue_capacity, so its queue holds the default
  // 1024: emit well past that while each call takes a millisecond.
  Sandbox box;
  box.add_test_plugin("slow.so");
  Outcomes outcomes;
  Host host(host_options(box, &outcomes));
  host.configure("slow", {{"sleep_ms", "1"}});
  host.enable("slow");
  REQUIRE(host.start(false).empty());

  constexpr std::size_t kEvents = 3000;
  std::size_t queued = 0, dropped = 0;
  for (std::size_t i = 0; i < kEvents; ++i) {
    const EmitOutcome out =
        host.emit("channel.created", channel_payload(static_cast<int>(i)));
    queued += out.queued;
    dropped += out.dropped;
  }
  REQUIRE(host.wait_idle(kIdleTimeout));

  CHECK(queued + dropped == kEvents);
  CHECK(dropped > 0);
  const auto results = outcomes.of("slow");
  CHECK(results.size() == kEvents);  // one outcome per event, drops included
  CHECK(outcomes.count("slow", Outcome::kDropped) == dropped);
  for (const DeliveryResult& r : results) {
    if (r.outcome != Outcome::kDropped) continue;
    CHECK_THAT(r.message, Catch::Contains("queue full"));
    break;
  }
  const auto stats = host.runner_stats();
  REQUIRE(stats.size() == 1);
  CHECK(stats[0].second.dropped == dropped);
  CHECK(stats[0].second.delivered + stats[0].second.timeouts == queued);
}

TEST_CASE(
    "a plugin that declares concurrency 3 gets three calls at once, and "
    "one that does not gets one at a time") {
  Sandbox box;
  box.add_test_plugin("overlap.so");
  box.add_test_plugin("recorder.so");
  const fs::path record = box.file("recorder.log");
  Host host(host_options(box, nullptr));  // 4 pool threads
  host.configure("recorder", {{"path", record.string()}, {"sleep_us", "2000"}});
  host.enable("overlap");
  host.enable("recorder");
  REQUIRE(host.start(false).empty());
  // Each overlap call holds 30 ms, so six events emitted at once keep
  // three in flight whenever three may run.
  for (int i = 0; i < 6; ++i) host.emit("channel.created", channel_payload(i));
  REQUIRE(host.wait_idle(kIdleTimeout));
  CHECK(host.run_action("overlap", "max", "{}") == "3");
  // The recorder (concurrency 1) saw its calls strictly one after another
  // and in order, while overlap ran beside it.
  const auto lines = recorded(record);
  REQUIRE(lines.size() == 6);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    CHECK(lines[i].id == lines[i - 1].id + 1);
  }
}
