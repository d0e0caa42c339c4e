// Dispatcher and PluginRunner with real plugins loaded as the Host loads
// them: routing, ordering, bounded queues, the breaker, lifecycle calls,
// budgets and priorities.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "dispatch_fixture.h"

using namespace eventhost;
using namespace eventhost::testing;

namespace {

// recorder writing to `record`, with the catch-all patterns `subscribe`.
std::shared_ptr<PluginRunner> recorder(Sandbox& box,
                                       RecordingServices& services,
                                       const fs::path& record,
                                       RunnerConfig config) {
  return make_runner(box.add_test_plugin("recorder.so"), std::move(config),
                     {{"path", record.string()}, {"fail_first", 0}}, &services);
}

RunnerConfig config_with(const std::string& key,
                         std::vector<std::string> subscribe) {
  RunnerConfig config = runner_config(key);
  config.subscribe = std::move(subscribe);
  return config;
}

// A recorder with a 3-event queue on a pool whose only thread is held by
// a lifecycle call of `failing`: nothing leaves the queue until gate.open().
// Members are declared so the gate opens before the session is torn down.
struct FullQueueRig {
  Sandbox box;
  RecordingServices services;
  fs::path record = box.file("recorder.log");
  Session session{1};
  Gate gate;
  bool lifecycle_queued = false;  // checked by each test
  bool pool_held = false;

  FullQueueRig() {
    RunnerConfig config = config_with("recorder", {"*"});
    config.queue_capacity = 3;
    session.dispatcher().add(recorder(box, services, record, config));
    session.dispatcher().add(make_runner(box.add_test_plugin("failing.so"),
                                         runner_config("failing"),
                                         nlohmann::json::object(), &services));
    lifecycle_queued =
        session.dispatcher().run_lifecycle("failing", gate.hold());
    pool_held = lifecycle_queued && gate.wait_entered();
  }
};

}  // namespace

TEST_CASE(
    "a runner routes to the named handler or else to the catch-all for "
    "subscribed events only") {
  Sandbox box;
  RecordingServices services;
  const auto runner = recorder(box, services, box.file("recorder.log"),
                               config_with("recorder", {"auth.*"}));
  bool catch_all = true;
  CHECK(runner->route("channel.created", &catch_all) ==
        runner->plugin().handler("on_channel_created"));
  CHECK_FALSE(catch_all);
  CHECK(runner->route("auth.login_failed", &catch_all) ==
        runner->plugin().catch_all());
  CHECK(catch_all);
  CHECK(runner->route("epg.refresh_started", &catch_all) == nullptr);
  if (auto shutdown = runner->plugin().shutdown()) shutdown(runner->context());
}

TEST_CASE(
    "a serialized plugin gets events in dispatch order on a pool of "
    "many threads") {
  Sandbox box;
  RecordingServices services;
  const fs::path record = box.file("recorder.log");
  Session session(8);
  session.dispatcher().add(
      recorder(box, services, record, config_with("recorder", {"*"})));

  constexpr std::uint64_t kEvents = 500;
  for (std::uint64_t id = 1; id <= kEvents; ++id) {
    const auto fanout =
        session.dispatcher().dispatch(make_event(id, "channel.created"));
    CHECK(fanout.queued == 1);
  }
  REQUIRE(session.dispatcher().wait_idle(kIdleTimeout));

  const auto lines = recorded(record);
  REQUIRE(lines.size() == kEvents);
  for (std::uint64_t i = 0; i < kEvents; ++i) CHECK(lines[i].id == i + 1);
  CHECK(session.outcomes().count("recorder", Outcome::kOk) == kEvents);
}

TEST_CASE(
    "what does not fit a plugin's queue is reported dropped and "
    "counted and the rest is delivered") {
  FullQueueRig rig;
  REQUIRE(rig.lifecycle_queued);
  REQUIRE(rig.pool_held);
  Session& session = rig.session;
  Gate& gate = rig.gate;
  const fs::path& record = rig.record;

  std::size_t queued = 0, dropped = 0;
  for (std::uint64_t id = 1; id <= 10; ++id) {
    // auth.* goes to the recorder only (failing has no catch-all).
    const auto fanout =
        session.dispatcher().dispatch(make_event(id, "auth.login_failed"));
    queued += fanout.queued;
    dropped += fanout.dropped;
  }
  CHECK(queued == 3);
  CHECK(dropped == 7);
  gate.open();
  REQUIRE(session.dispatcher().wait_idle(kIdleTimeout));

  const auto results = session.outcomes().of("recorder");
  REQUIRE(results.size() == 10);
  std::vector<std::uint64_t> dropped_ids;
  for (const DeliveryResult& r : results) {
    if (r.outcome != Outcome::kDropped) continue;
    dropped_ids.push_back(r.event_id);
    CHECK_THAT(r.message, Catch::StartsWith("queue full (3 waiting)"));
    CHECK(r.symbol() == "eh_on_any_event");
  }
  CHECK(dropped_ids == std::vector<std::uint64_t>{4, 5, 6, 7, 8, 9, 10});
  const auto lines = recorded(record);
  REQUIRE(lines.size() == 3);
  CHECK(lines[2].id == 3);
  const RunnerStats stats = session.dispatcher().find("recorder")->stats();
  CHECK(stats.dropped == 7);
  CHECK(stats.delivered == 3);
  CHECK(stats.queue_depth == 0);
}

TEST_CASE(
    "the breaker trips once after threshold consecutive failures and "
    "the plugin gets no more events") {
  Sandbox box;
  RecordingServices services;
  Session session(4, /*breaker_threshold=*/3);
  session.dispatcher().add(make_runner(box.add_test_plugin("failing.so"),
                                       runner_config("failing"),
                                       nlohmann::json::object(), &services));
  std::size_t queued = 0;
  for (std::uint64_t id = 1; id <= 6; ++id) {
    queued +=
        session.dispatcher().dispatch(make_event(id, "channel.created")).queued;
  }
  REQUIRE(session.dispatcher().wait_idle(kIdleTimeout));

  // Exactly three calls; whatever was still queued at the trip is dropped.
  CHECK(session.outcomes().count("failing", Outcome::kError) == 3);
  CHECK(session.outcomes().count("failing", Outcome::kError) +
            session.outcomes().count("failing", Outcome::kDropped) ==
        queued);
  for (const DeliveryResult& r : session.outcomes().of("failing")) {
    if (r.outcome == Outcome::kDropped) {
      CHECK(r.message == "plugin disabled by its circuit breaker");
    }
  }
  const auto trips = session.trips();
  REQUIRE(trips.size() == 1);
  CHECK(trips[0].key == "failing");
  CHECK_THAT(trips[0].reason,
             Catch::StartsWith("failed 3 times in a row; last on event 3 "
                               "(channel.created): error: "));
  CHECK_THAT(trips[0].reason, Catch::EndsWith("database unreachable"));
  CHECK(session.dispatcher().find("failing")->tripped());
  CHECK(
      session.dispatcher().dispatch(make_event(7, "channel.created")).queued ==
      0);
}

TEST_CASE("a success resets the breaker's count of consecutive failures") {
  Sandbox box;
  RecordingServices services;
  const auto runner =
      make_runner(box.add_test_plugin("failing.so"), runner_config("failing"),
                  nlohmann::json::object(), &services);
  CHECK_FALSE(runner->record_for_breaker(Outcome::kError, 3));
  CHECK_FALSE(runner->record_for_breaker(Outcome::kTimeout, 3));
  CHECK_FALSE(runner->record_for_breaker(Outcome::kOk, 3));
  CHECK_FALSE(runner->record_for_breaker(Outcome::kException, 3));
  CHECK_FALSE(runner->record_for_breaker(Outcome::kError, 3));
  CHECK_FALSE(runner->tripped());
  CHECK(runner->record_for_breaker(Outcome::kError, 3));
  CHECK(runner->tripped());
  CHECK_FALSE(runner->record_for_breaker(Outcome::kError, 3));  // only once
  // Threshold 0 switches the breaker off.
  const auto other =
      make_runner(box.add_test_plugin("failing.so"), runner_config("other"),
                  nlohmann::json::object(), &services);
  for (int i = 0; i < 100; ++i) {
    CHECK_FALSE(other->record_for_breaker(Outcome::kError, 0));
  }
}

TEST_CASE("a lifecycle call runs after the events queued before it") {
  Sandbox box;
  RecordingServices services;
  const fs::path record = box.file("recorder.log");
  Session session(4);
  session.dispatcher().add(
      recorder(box, services, record, config_with("recorder", {"*"})));
  for (std::uint64_t id = 1; id <= 20; ++id) {
    session.dispatcher().dispatch(make_event(id, "channel.created"));
  }
  std::size_t seen = 0;
  REQUIRE(session.dispatcher().run_lifecycle(
      "recorder", [&] { seen = read_lines(record).size(); }));
  REQUIRE(session.dispatcher().wait_idle(kIdleTimeout));
  CHECK(seen == 20);
  CHECK_FALSE(session.dispatcher().run_lifecycle("nobody", [] {}));
}

TEST_CASE(
    "a call past its budget is seen by the watchdog and reported as a "
    "timeout") {
  Sandbox box;
  RecordingServices services;
  Session session(2);
  RunnerConfig config = runner_config("slow");
  config.timeout = std::chrono::milliseconds(50);
  session.dispatcher().add(make_runner(box.add_test_plugin("slow.so"), config,
                                       {{"sleep_ms", 300}}, &services));
  session.dispatcher().dispatch(make_event(42, "channel.created"));
  REQUIRE(session.dispatcher().wait_idle(kIdleTimeout));

  const auto results = session.outcomes().of("slow");
  REQUIRE(results.size() == 1);
  CHECK(results[0].outcome == Outcome::kTimeout);
  CHECK_THAT(results[0].message, Catch::Contains("budget 50 ms"));
  // The watchdog reported the call while it was still running.
  const auto overruns = session.overruns();
  REQUIRE(overruns.size() == 1);
  CHECK(overruns[0].event_id == 42);
  CHECK(overruns[0].event_name == "channel.created");
  CHECK(overruns[0].elapsed > config.timeout);
}

TEST_CASE(
    "an exception from a handler becomes an exception outcome with "
    "its message") {
  Sandbox box;
  RecordingServices services;
  Session session(2);
  session.dispatcher().add(make_runner(box.add_test_plugin("thrower.so"),
                                       runner_config("thrower"),
                                       nlohmann::json::object(), &services));
  session.dispatcher().dispatch(
      make_event(5, "channel.created", R"({"channel_id":5})"));
  REQUIRE(session.dispatcher().wait_idle(kIdleTimeout));
  const auto results = session.outcomes().of("thrower");
  REQUIRE(results.size() == 1);
  CHECK(results[0].outcome == Outcome::kException);
  CHECK(results[0].code == EH_ERR_EXCEPTION);
  CHECK(results[0].message == "boom: channel 5");
  CHECK(session.dispatcher().find("thrower")->stats().exceptions == 1);
}

TEST_CASE(
    "removing a plugin lets its queued work finish and then routes "
    "nothing more to it") {
  Sandbox box;
  RecordingServices services;
  const fs::path record = box.file("recorder.log");
  Session session(4);
  session.dispatcher().add(
      recorder(box, services, record, config_with("recorder", {"*"})));
  for (std::uint64_t id = 1; id <= 50; ++id) {
    session.dispatcher().dispatch(make_event(id, "channel.created"));
  }
  const auto removed = session.dispatcher().remove("recorder", kIdleTimeout);
  REQUIRE(removed != nullptr);
  CHECK(removed->idle());
  CHECK(recorded(record).size() == 50);
  CHECK(session.dispatcher().find("recorder") == nullptr);
  CHECK(
      session.dispatcher().dispatch(make_event(51, "channel.created")).queued ==
      0);
  CHECK(session.dispatcher().remove("recorder", kIdleTimeout) == nullptr);
  if (auto shutdown = removed->plugin().shutdown()) {
    shutdown(removed->context());
  }
}

TEST_CASE(
    "work of a higher priority plugin runs before lower priority work "
    "that was queued first") {
  Sandbox box;
  RecordingServices services;
  Session session(1);
  // Two instances of the recorder: one low priority taking auth.*, one
  // critical taking epg.* (through the catch-all).
  RunnerConfig low = config_with("low", {"auth.*"});
  low.priority = Priority::kLow;
  RunnerConfig critical = config_with("critical", {"epg.*"});
  critical.priority = Priority::kCritical;
  session.dispatcher().add(
      recorder(box, services, box.file("low.log"), std::move(low)));
  session.dispatcher().add(
      recorder(box, services, box.file("critical.log"), std::move(critical)));
  Gate gate;
  REQUIRE(session.dispatcher().run_lifecycle("low", gate.hold()));
  REQUIRE(gate.wait_entered());

  session.dispatcher().dispatch(make_event(1, "auth.login_failed"));
  session.dispatcher().dispatch(make_event(2, "auth.login_failed"));
  session.dispatcher().dispatch(make_event(3, "epg.refresh_started"));
  gate.open();
  REQUIRE(session.dispatcher().wait_idle(kIdleTimeout));

  std::vector<std::string> order;
  for (const DeliveryResult& r : session.outcomes().all()) {
    order.push_back(r.plugin_key + "#" + std::to_string(r.event_id));
  }
  CHECK(order == std::vector<std::string>{"critical#3", "low#1", "low#2"});
}

TEST_CASE(
    "a producer that may be slowed down waits for room in a full queue "
    "instead of dropping") {
  FullQueueRig rig;
  REQUIRE(rig.lifecycle_queued);
  REQUIRE(rig.pool_held);
  Session& session = rig.session;
  Gate& gate = rig.gate;
  const fs::path& record = rig.record;

  std::atomic<bool> finished{false};
  std::size_t dropped = 0;
  std::thread producer([&] {
    for (std::uint64_t id = 1; id <= 10; ++id) {
      dropped += session.dispatcher()
                     .dispatch(make_event(id, "auth.login_failed"),
                               Dispatcher::Overflow::kWait)
                     .dropped;
    }
    finished = true;
  });
  // A dropping producer would be done at once; a waiting one is stuck on
  // the fourth event until the pool thread is let go.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK_FALSE(finished.load());
  gate.open();
  producer.join();
  REQUIRE(session.dispatcher().wait_idle(kIdleTimeout));

  CHECK(dropped == 0);
  const auto lines = recorded(record);
  REQUIRE(lines.size() == 10);
  for (std::uint64_t i = 0; i < 10; ++i) CHECK(lines[i].id == i + 1);
}
