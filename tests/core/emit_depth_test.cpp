// Host: the causal depth of plugin emits and the refusals that stop a
// storm, seen from inside (each accepted event's depth and cause, the
// refusal hook, the stats), with the echo plugin, which re-emits every
// channel.updated it handles, in both tiers.
#include <catch2/catch.hpp>
#include <mutex>

#include "host_fixture.h"

using namespace eventhost;
using namespace eventhost::testing;

namespace {

struct Seen {
  std::uint64_t id, cause_id;
  std::uint32_t depth;
};

// Everything the host told its hooks, from any thread.
struct Watch {
  std::mutex mutex;
  std::vector<Seen> emitted;  // channel.updated only
  std::vector<std::pair<std::string, std::string>> refused;

  void hook(HostOptions& options) {
    options.on_emitted = [this](const Event& e) {
      if (e.name != "channel.updated") return;
      std::lock_guard lock(mutex);
      emitted.push_back({e.id, e.cause ? e.cause->id : 0, e.depth});
    };
    options.on_emit_refused = [this](const std::string& plugin,
                                     const char* reason) {
      std::lock_guard lock(mutex);
      refused.emplace_back(plugin, reason);
    };
  }
};

void chain_stops_at_the_limit(const std::string& tier) {
  Sandbox box;
  box.add_test_plugin("echo.so");
  Outcomes outcomes;
  Watch watch;
  HostOptions options = host_options(box, &outcomes);
  options.max_emit_depth = 5;
  watch.hook(options);
  Host host(options);
  host.set_isolation("echo", tier);
  host.enable("echo");
  REQUIRE(host.start(false).empty());

  const EmitOutcome first = host.emit("channel.updated", "{}");
  REQUIRE(host.wait_idle(kIdleTimeout));

  std::lock_guard lock(watch.mutex);
  // The outside event, then one per depth up to the limit, each caused by
  // the one before.
  REQUIRE(watch.emitted.size() == 1 + 5);
  CHECK(watch.emitted[0].id == first.event_id);
  CHECK(watch.emitted[0].depth == 0);
  CHECK(watch.emitted[0].cause_id == 0);
  for (std::size_t i = 1; i < watch.emitted.size(); ++i) {
    CHECK(watch.emitted[i].depth == i);
    CHECK(watch.emitted[i].cause_id == watch.emitted[i - 1].id);
  }
  CHECK(watch.refused ==
        std::vector<std::pair<std::string, std::string>>{{"echo", "depth"}});
  CHECK(host.stats().emits_refused == std::array<std::uint64_t, 2>{1, 0});
  // Every handler call succeeded: a refused emit is not a failed delivery.
  CHECK(outcomes.count("echo", Outcome::kOk) == 1 + 5);
  host.stop();
}

void burst_is_capped(const std::string& tier) {
  Sandbox box;
  box.add_test_plugin("echo.so");
  Watch watch;
  HostOptions options = host_options(box, nullptr);
  watch.hook(options);
  Host host(options);
  host.set_isolation("echo", tier);
  host.enable("echo");
  REQUIRE(host.start(false).empty());

  const auto answer = nlohmann::json::parse(
      host.run_action("echo", "burst", R"({"count": 500})"));
  const auto accepted = answer["accepted"].get<std::uint64_t>();
  const auto refused = answer["refused"].get<std::uint64_t>();
  // The manifest's cap is 50 a second; 500 emits in one call come faster.
  CHECK(accepted > 0);
  CHECK(accepted <= 50);
  CHECK(accepted + refused == 500);
  CHECK(host.stats().emits_refused == std::array<std::uint64_t, 2>{0, refused});
  std::lock_guard lock(watch.mutex);
  CHECK(watch.refused.size() == refused);
  CHECK(std::all_of(
      watch.refused.begin(), watch.refused.end(),
      [](const auto& r) { return r.first == "echo" && r.second == "rate"; }));
  host.stop();
}

}  // namespace

TEST_CASE(
    "a chain of plugin emits is one deeper per link and stops at the "
    "limit, thread tier") {
  chain_stops_at_the_limit("thread");
}

TEST_CASE(
    "a chain of plugin emits is one deeper per link and stops at the "
    "limit, process tier") {
  chain_stops_at_the_limit("process");
}

TEST_CASE(
    "emits past a plugin's max_emits_per_second are refused and "
    "counted, thread tier") {
  burst_is_capped("thread");
}

TEST_CASE(
    "emits past a plugin's max_emits_per_second are refused and "
    "counted, process tier") {
  burst_is_capped("process");
}
