// The process tier with faulty plugins: whatever a plugin does to its
// worker (segfault, abort, endless loop, memory blow-up, forbidden system
// calls), the host stays up, every other plugin gets every event, and the
// counters and state say what happened.
#include <catch2/catch.hpp>

#include "worker_fixture.h"

using namespace eventhost;
using namespace eventhost::testing;

namespace {

// A host with `faulty` in the process tier beside the recorder in the
// thread tier, both enabled and started.
struct FaultyHost {
  FaultyHost(const std::string& faulty, Outcomes* outcomes,
             std::uint32_t crash_limit = 5) {
    box.add_test_plugin("recorder.so");
    box.add_test_plugin(faulty + ".so");
    HostOptions options = worker_host_options(box, outcomes, 0);
    options.worker_crash_limit = crash_limit;
    host = std::make_unique<Host>(options);
    host->configure("recorder", {{"path", record().string()}});
    host->set_isolation(faulty, "process");
    host->enable("recorder");
    host->enable(faulty);
    REQUIRE(host->start(false).empty());
  }
  fs::path record() const { return box.file("recorder.log"); }
  std::vector<std::uint64_t> emit(int count) {
    std::vector<std::uint64_t> ids;
    for (int i = 0; i < count; ++i) {
      ids.push_back(host->emit("channel.created", channel_payload(i),
                               Dispatcher::Overflow::kWait)
                        .event_id);
    }
    return ids;
  }
  // The recorder saw exactly `ids`, in order.
  void check_healthy_got(const std::vector<std::uint64_t>& ids) const {
    const auto lines = recorded(record());
    REQUIRE(lines.size() == ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) CHECK(lines[i].id == ids[i]);
  }

  Sandbox box;
  std::unique_ptr<Host> host;
};

bool mentions(const DeliveryResult& r, const std::string& text) {
  return r.message.find(text) != std::string::npos;
}

}  // namespace

TEST_CASE(
    "a plugin that segfaults on its 3rd event is restarted and the others get "
    "every event") {
  Outcomes outcomes;
  FaultyHost f("segfaulter", &outcomes);
  const auto ids = f.emit(9);
  REQUIRE(f.host->wait_idle(kIdleTimeout));

  f.check_healthy_got(ids);
  const auto results = outcomes.of("segfaulter");
  REQUIRE(results.size() == 9);
  for (std::size_t i = 0; i < results.size(); ++i) {
    CHECK(results[i].event_id == ids[i]);  // none lost, none twice
    if (i % 3 == 2) {
      CHECK(results[i].outcome == Outcome::kCrashed);
      CHECK(mentions(results[i], "SIGSEGV"));
    } else {
      CHECK(results[i].outcome == Outcome::kOk);
    }
  }
  const RunnerStats s = stats_of(*f.host, "segfaulter");
  CHECK(s.crashes == 3);
  CHECK(s.delivered == 6);
  CHECK_FALSE(s.tripped);
  f.host->stop();
  const PluginView view = f.host->plugin("segfaulter");
  CHECK(view.enabled);
  CHECK(view.counters.crashes == 3);
  CHECK(view.counters.last_error.find("SIGSEGV") != std::string::npos);
}

TEST_CASE(
    "a plugin that keeps aborting is disabled after 5 crashes in a minute") {
  Outcomes outcomes;
  FaultyHost f("aborter", &outcomes);
  f.box.add_shipped_plugin("audit_log.so");
  f.host->refresh_folder();
  const fs::path audit = f.box.file("audit.jsonl");
  f.host->configure("audit_log", {{"path", audit.string()}});
  f.host->enable("audit_log");
  const auto ids = f.emit(8);
  REQUIRE(f.host->wait_idle(kIdleTimeout));

  f.check_healthy_got(ids);
  CHECK(outcomes.count("aborter", Outcome::kCrashed) == 5);
  CHECK(outcomes.count("aborter", Outcome::kDropped) == 3);
  for (const auto& r : outcomes.of("aborter")) {
    if (r.outcome == Outcome::kCrashed) CHECK(mentions(r, "SIGABRT"));
  }
  CHECK(stats_of(*f.host, "aborter").tripped);
  const PluginView view = f.host->plugin("aborter");
  CHECK_FALSE(view.enabled);
  CHECK(view.state->disabled_reason.find("crashed 5 times in 60 s") == 0);
  CHECK(view.state->disabled_reason.find("SIGABRT") != std::string::npos);
  const auto disabled = audited(audit, "plugin.disabled");
  REQUIRE(disabled.size() == 1);
  CHECK(disabled[0]["data"]["plugin_key"] == "aborter");
  CHECK(worker_pids().empty());  // a tripped plugin keeps no worker
  f.host->stop();
}

TEST_CASE(
    "a handler that never returns gets its worker killed and the event timed "
    "out") {
  Outcomes outcomes;
  FaultyHost f("spinner", &outcomes);
  const auto ids = f.emit(3);
  // The spinner is stuck in its first call; the recorder is not held up.
  REQUIRE(eventually([&] { return recorded(f.record()).size() == 3; }));
  CHECK(stats_of(*f.host, "spinner").delivered == 0);
  REQUIRE(f.host->wait_idle(kIdleTimeout));

  f.check_healthy_got(ids);
  const auto results = outcomes.of("spinner");
  REQUIRE(results.size() == 3);
  for (const auto& r : results) {
    CHECK(r.outcome == Outcome::kTimeout);
    CHECK(mentions(r, "killed (SIGKILL)"));
  }
  CHECK(stats_of(*f.host, "spinner").timeouts == 3);
  // Its last outcome is in: the supervisor may still be ending the batch,
  // which is not a call stuck past the grace.
  CHECK(f.host->stop().busy.empty());
  CHECK(worker_pids().empty());
}

// [no_sanitizer]: sanitizer builds run workers without RLIMIT_AS (ASan
// and TSan reserve terabytes of address space, so no usable limit lets an
// instrumented worker start), so there is no limit here to test, and hog
// would allocate until the machine runs out.
TEST_CASE(
    "a plugin that allocates until it dies dies alone, within its memory "
    "limit",
    "[no_sanitizer]") {
  Outcomes outcomes;
  FaultyHost f("hog", &outcomes);
  const auto ids = f.emit(2);
  REQUIRE(f.host->wait_idle(kIdleTimeout));
  f.check_healthy_got(ids);
  const auto results = outcomes.of("hog");
  REQUIRE(results.size() == 2);
  for (const auto& r : results) CHECK(r.outcome == Outcome::kCrashed);
  CHECK(stats_of(*f.host, "hog").crashes == 2);
  f.host->stop();
}

TEST_CASE("the sandbox refuses the calls a plugin promised not to make") {
  Outcomes outcomes;
  FaultyHost f("sandboxed", &outcomes);
  const fs::path forbidden = f.box.file("forbidden.txt");
  const auto spawn = f.host->emit("channel.created", channel_payload(1));
  const auto write = f.host->emit(
      "channel.updated",
      nlohmann::json{{"channel_id", 1}, {"file_path", forbidden.string()}}
          .dump());
  const auto network = f.host->emit("channel.deleted", channel_payload(1));
  const auto read = f.host->emit("auth.login", R"({"username":"bob"})");
  REQUIRE(f.host->wait_idle(kIdleTimeout));

  const auto result_for = [&](std::uint64_t id) {
    for (const auto& r : outcomes.of("sandboxed")) {
      if (r.event_id == id) return r;
    }
    FAIL("no result for event " << id);
    return DeliveryResult{};
  };
  const DeliveryResult s = result_for(spawn.event_id);
  CHECK(s.outcome == Outcome::kError);
  CHECK(s.message == "fork: Operation not permitted");
  CHECK(result_for(write.event_id).message ==
        "open for writing: Operation not permitted");
  CHECK_FALSE(fs::exists(forbidden));
  CHECK(result_for(network.event_id).message ==
        "socket(AF_INET): Operation not permitted");
  CHECK(result_for(read.event_id).outcome == Outcome::kOk);
  CHECK(stats_of(*f.host, "sandboxed").crashes == 0);
  f.host->stop();
}

TEST_CASE(
    "soak: a plugin crashing every 100 events loses no delivery to the healthy "
    "one") {
  Outcomes outcomes;
  FaultyHost f("segfaulter", &outcomes, 0);  // restart forever
  f.host->configure("segfaulter", {{"crash_every", "100"}});
  const auto ids = f.emit(3000);
  REQUIRE(f.host->wait_idle(std::chrono::seconds(120)));

  f.check_healthy_got(ids);
  CHECK(outcomes.count("recorder", Outcome::kOk) == 3000);
  const RunnerStats s = stats_of(*f.host, "segfaulter");
  CHECK(s.crashes == 30);
  CHECK(s.delivered == 2970);
  CHECK(s.dropped == 0);
  CHECK(outcomes.of("segfaulter").size() == 3000);
  f.host->stop();
}

TEST_CASE("a worker that forges frames to the host is killed, not believed") {
  Outcomes outcomes;
  FaultyHost f("liar", &outcomes);
  const auto huge = f.host->emit("channel.created", channel_payload(1));
  const auto wrong = f.host->emit("channel.updated", channel_payload(1));
  const auto fine = f.host->emit("auth.login", R"({"username":"bob"})");
  REQUIRE(f.host->wait_idle(kIdleTimeout));

  const auto results = outcomes.of("liar");
  REQUIRE(results.size() == 3);
  // The forged bytes arrive before the real result, so the host rejects
  // the worker for the event it was on and starts a fresh one.
  CHECK(results[0].event_id == huge.event_id);
  CHECK(results[0].outcome == Outcome::kCrashed);
  CHECK(mentions(results[0], "malformed frame"));
  CHECK(results[1].event_id == wrong.event_id);
  CHECK(results[1].outcome == Outcome::kCrashed);
  CHECK(mentions(results[1], "answered for event"));
  CHECK(results[2].event_id == fine.event_id);
  CHECK(results[2].outcome == Outcome::kOk);
  CHECK(stats_of(*f.host, "liar").crashes == 2);
  f.host->stop();
}
