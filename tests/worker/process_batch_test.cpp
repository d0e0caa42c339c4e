// The process tier's batches: results come back one write per batch, and
// the worker's progress page says how far it got. A crash or a hang in the
// middle of a batch must still be pinned on the one event the worker was
// in; the calls before it keep how they really ended (not delivered
// again), and the events after it go to the restarted worker.
#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "worker_fixture.h"

using namespace eventhost;
using namespace eventhost::testing;

namespace {

struct BatchHost {
  explicit BatchHost(Outcomes* outcomes) {
    box.add_test_plugin("batch_faults.so");
    HostOptions options = worker_host_options(box, outcomes, 0);
    options.worker_crash_limit = 0;
    host = std::make_unique<Host>(options);
    host->configure("batch_faults",
                    {{"hold_entered", box.file("hold_entered").string()},
                     {"hold_release", box.file("hold_release").string()},
                     {"wait_entered", box.file("wait_entered").string()},
                     {"wait_release", box.file("wait_release").string()}});
    host->enable("batch_faults");
    REQUIRE(host->start(false).empty());
  }

  // Emits `events` while the worker is held in an action, so that they
  // reach it as one batch (one frame of events, one write of results).
  std::vector<std::uint64_t> emit_as_one_batch(
      const std::vector<std::string>& events) {
    std::string failed;
    std::thread holder([this, &failed] {
      try {
        host->run_action("batch_faults", "hold", "{}");
      } catch (const std::exception& e) {
        failed = e.what();
      }
    });
    const bool held =
        eventually([&] { return fs::exists(file("hold_entered")); });
    std::vector<std::uint64_t> ids;
    if (held) {
      for (const std::string& event : events) {
        ids.push_back(host->emit(event, "{}").event_id);
      }
    }
    std::ofstream(file("hold_release")).put('\n');
    holder.join();
    REQUIRE(held);
    INFO(failed);
    REQUIRE(failed.empty());
    return ids;
  }

  fs::path file(const char* name) const { return box.file(name); }

  Sandbox box;
  std::unique_ptr<Host> host;
};

}  // namespace

TEST_CASE(
    "a worker that crashes mid-batch: the calls before keep their outcome, "
    "the one it was in is crashed, the rest go to the new worker") {
  Outcomes outcomes;
  BatchHost b(&outcomes);
  const auto ids = b.emit_as_one_batch({"channel.created", "channel.updated",
                                        "channel.buffering", "channel.deleted",
                                        "channel.created", "channel.updated"});
  REQUIRE(b.host->wait_idle(kIdleTimeout));

  const auto results = outcomes.of("batch_faults");
  REQUIRE(results.size() == ids.size());  // none lost, none twice
  for (std::size_t i = 0; i < results.size(); ++i) {
    CHECK(results[i].event_id == ids[i]);
  }
  CHECK(results[0].outcome == Outcome::kOk);
  CHECK(results[1].outcome == Outcome::kError);
  CHECK(results[1].message == "refused event " + std::to_string(ids[1]));
  // Its result never left the worker in a frame: the page kept the first
  // kilobyte of its message, and says so.
  CHECK(results[2].outcome == Outcome::kError);
  CHECK(results[2].message.rfind(std::string(1024, 'x') + " [cut at 1024", 0) ==
        0);
  CHECK(results[3].outcome == Outcome::kCrashed);
  CHECK(results[3].message.find("SIGSEGV") != std::string::npos);
  CHECK(results[3].message.find("channel.deleted") != std::string::npos);
  CHECK(results[4].outcome == Outcome::kOk);
  CHECK(results[5].outcome == Outcome::kError);
  const RunnerStats s = stats_of(*b.host, "batch_faults");
  CHECK(s.crashes == 1);
  CHECK(s.failed == 3);
  CHECK(s.delivered == 2);
  b.host->stop();
  CHECK(b.host->plugin("batch_faults").counters.crashes == 1);
}

TEST_CASE(
    "a call that hangs mid-batch is the one timed out, the calls before keep "
    "their outcome and the rest go to the new worker") {
  Outcomes outcomes;
  BatchHost b(&outcomes);
  const auto ids =
      b.emit_as_one_batch({"channel.created", "channel.updated",
                           "channel.stream_added", "channel.created"});
  REQUIRE(b.host->wait_idle(kIdleTimeout));

  const auto results = outcomes.of("batch_faults");
  REQUIRE(results.size() == ids.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    CHECK(results[i].event_id == ids[i]);
  }
  CHECK(results[0].outcome == Outcome::kOk);
  CHECK(results[1].outcome == Outcome::kError);
  CHECK(results[1].message == "refused event " + std::to_string(ids[1]));
  CHECK(results[2].outcome == Outcome::kTimeout);
  CHECK(results[2].message.find("killed (SIGKILL)") != std::string::npos);
  CHECK(results[3].outcome == Outcome::kOk);
  const RunnerStats s = stats_of(*b.host, "batch_faults");
  CHECK(s.timeouts == 1);
  CHECK(s.crashes == 0);
  CHECK(b.host->stop().busy.empty());
}

TEST_CASE(
    "a call that ended is reported while the worker is still in the next "
    "one of its batch") {
  Outcomes outcomes;
  BatchHost b(&outcomes);
  const auto ids =
      b.emit_as_one_batch({"channel.updated", "channel.stream_removed"});
  REQUIRE(eventually([&] { return fs::exists(b.file("wait_entered")); }));
  // The worker is in the second call, which sends nothing until released.
  const bool first_reported =
      eventually([&] { return outcomes.of("batch_faults").size() == 1; });
  std::ofstream(b.file("wait_release")).put('\n');
  REQUIRE(first_reported);
  REQUIRE(b.host->wait_idle(kIdleTimeout));
  const auto results = outcomes.of("batch_faults");
  REQUIRE(results.size() == 2);
  CHECK(results[0].event_id == ids[0]);
  CHECK(results[0].outcome == Outcome::kError);
  CHECK(results[1].event_id == ids[1]);
  CHECK(results[1].outcome == Outcome::kOk);
  b.host->stop();
}

TEST_CASE(
    "a worker that scribbles over its progress page before it dies is not "
    "believed") {
  Sandbox box;
  box.add_test_plugin("liar.so");
  Outcomes outcomes;
  HostOptions options = worker_host_options(box, &outcomes, 0);
  options.worker_crash_limit = 0;
  Host host(options);
  host.enable("liar");
  REQUIRE(host.start(false).empty());
  const auto scribble = host.emit("auth.logout", R"({"username":"bob"})");
  const auto after = host.emit("auth.login", R"({"username":"eve"})");
  REQUIRE(host.wait_idle(kIdleTimeout));

  // The page says every call began and ended, none of them one it was
  // sent: the host blames the first event without an outcome (the one the
  // worker was in) and runs the rest again. Had the worker finished calls
  // before it, it would have wiped their record too: they would be blamed
  // in its place, the event it was in delivered again.
  const auto results = outcomes.of("liar");
  REQUIRE(results.size() == 2);
  CHECK(results[0].event_id == scribble.event_id);
  CHECK(results[0].outcome == Outcome::kCrashed);
  CHECK(results[0].message.find("SIGSEGV") != std::string::npos);
  CHECK(results[1].event_id == after.event_id);
  CHECK(results[1].outcome == Outcome::kOk);
  CHECK(stats_of(host, "liar").crashes == 1);
  host.stop();
}
