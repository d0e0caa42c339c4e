// FlightRecorder and safe mode through the Host: what a dead process leaves
// behind is named at the next start, a clean stop leaves nothing, and safe
// mode runs no plugin code without touching the persisted state.
#include "core/flight_recorder.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "host_fixture.h"

using namespace eventhost;
using namespace eventhost::testing;

TEST_CASE("a call still open when the recorder goes away is reported") {
  Sandbox box;
  const fs::path file = box.file("state.flight");
  {
    FlightRecorder recorder(file);
    recorder.enter(CallKind::kCalling, "crasher", "channel.created", 17, 1);
    // No leave() and no mark_clean(): as if the process died here.
  }
  const auto report = FlightRecorder::read_report(file);
  REQUIRE(report.has_value());
  CHECK(*report ==
        "the host did not shut down cleanly last time while plugin 'crasher' "
        "was handling channel.created #17; if it happens again, start with "
        "--safe-mode");
}

TEST_CASE("the report names every plugin that was in a call or loading") {
  Sandbox box;
  const fs::path file = box.file("state.flight");
  {
    FlightRecorder recorder(file);
    const auto left = recorder.enter(CallKind::kCalling, "quick", "a.b", 1, 1);
    recorder.enter(CallKind::kLoading, "loader", "load", 0, 1);
    recorder.enter(CallKind::kLifecycle, "shy", "eh_plugin_shutdown", 0, 1);
    recorder.leave(left);
  }
  const auto report = FlightRecorder::read_report(file);
  REQUIRE(report.has_value());
  CHECK_THAT(*report, Catch::Contains("plugin 'loader' was being loaded") &&
                          Catch::Contains("plugin 'shy' was in "
                                          "eh_plugin_shutdown"));
  CHECK_THAT(*report, !Catch::Contains("quick"));
}

TEST_CASE("a clean stop, or no call in progress, leaves no report") {
  Sandbox box;
  const fs::path file = box.file("state.flight");
  {
    FlightRecorder recorder(file);
    recorder.enter(CallKind::kCalling, "busy", "a.b", 3, 1);
    recorder.mark_clean();
  }
  CHECK_FALSE(FlightRecorder::read_report(file).has_value());
  {
    FlightRecorder recorder(file);  // a new run starts a new record
    recorder.leave(recorder.enter(CallKind::kCalling, "done", "a.b", 4, 1));
  }
  CHECK_FALSE(FlightRecorder::read_report(file).has_value());
  CHECK_FALSE(FlightRecorder::read_report(box.file("missing.flight")));
}

TEST_CASE("a damaged or foreign flight file gives no report, not a crash") {
  Sandbox box;
  const fs::path file = box.file("state.flight");
  {
    std::ofstream out(file, std::ios::binary);
    out << std::string(FlightRecorder::kSlotSize * 65, '\x02');
  }
  CHECK_FALSE(FlightRecorder::read_report(file).has_value());
  {
    std::ofstream out(file, std::ios::binary);
    out << "EHFLIGHT";
  }
  CHECK_FALSE(FlightRecorder::read_report(file).has_value());
}

TEST_CASE(
    "the host reads the previous run's record and a clean session "
    "clears it") {
  Sandbox box;
  box.add_test_plugin("recorder.so");
  const fs::path flight = FlightRecorder::path_for(box.state());
  {
    Host host(host_options(box, nullptr));
    CHECK_FALSE(host.unclean_previous_run().has_value());
  }
  {
    FlightRecorder dead(flight);
    dead.enter(CallKind::kCalling, "recorder", "channel.created", 9, 1);
  }
  {
    Host host(host_options(box, nullptr));
    REQUIRE(host.unclean_previous_run().has_value());
    CHECK_THAT(*host.unclean_previous_run(),
               Catch::Contains("'recorder' was handling channel.created #9"));
  }
  {
    // Only a session replaces the record: listing leaves it for the next
    // start to report.
    Host host(host_options(box, nullptr));
    CHECK(host.unclean_previous_run().has_value());
    host.start(false);
    host.stop();
  }
  Host after(host_options(box, nullptr));
  CHECK_FALSE(after.unclean_previous_run().has_value());
}

TEST_CASE(
    "safe mode loads no plugin and leaves enabled flags, pins and "
    "settings as they were") {
  Sandbox box;
  box.add_test_plugin("recorder.so");
  const fs::path record = box.file("recorded.txt");
  PluginView before;
  {
    Host host(host_options(box, nullptr));
    host.configure("recorder", {{"path", record.string()}});
    before = host.enable("recorder");
  }
  HostOptions options = host_options(box, nullptr);
  options.safe_mode = true;
  {
    Host host(options);
    CHECK(host.start(true).empty());
    CHECK(host.runner_stats().empty());
    const EmitOutcome outcome = host.emit("channel.created", "{}");
    CHECK(outcome.queued == 0);
    // Enabling in safe mode records the wish but runs no plugin code.
    host.enable("recorder");
    CHECK(host.runner_stats().empty());
    host.stop();
  }
  CHECK_FALSE(fs::exists(record));
  Host host(host_options(box, nullptr));
  const PluginView after = host.plugin("recorder");
  CHECK(after.enabled);
  REQUIRE(after.state.has_value());
  REQUIRE(before.state.has_value());
  CHECK(after.state->sha256 == before.state->sha256);
  CHECK(after.settings == before.settings);
  CHECK(after.status == before.status);
}
