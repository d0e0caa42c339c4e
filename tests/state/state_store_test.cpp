// StateStore keeps plugin state, settings, the event level, counters and the
// event id sequence across restarts and across stores sharing one file.
#include "state/state_store.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <thread>
#include <vector>

#include "common/error.h"
#include "temp_dir.h"

using eventhost::PluginCounters;
using eventhost::StateStore;
using eventhost::testing::TempDir;

namespace {

PluginCounters make_counters(std::uint64_t delivered, std::uint64_t failed,
                             std::string last_error) {
  PluginCounters c;
  c.delivered = delivered;
  c.failed = failed;
  c.exceptions = failed / 2;
  c.timeouts = 1;
  c.dropped = 2;
  c.last_error = std::move(last_error);
  return c;
}

}  // namespace

TEST_CASE("plugin state and settings survive closing and reopening") {
  TempDir dir;
  const auto file = dir.path() / "state.db";
  {
    StateStore store(file);
    store.set_enabled("webhook", "ab12", "/plugins/libwebhook.so");
    store.set_disabled("slow", "circuit breaker: 5 timeouts in a row");
    store.put_settings("webhook", {{"url", "\"https://x\""}, {"retries", "3"}});
    store.set_event_level("SYSTEM");
  }
  StateStore reopened(file);

  const auto webhook = reopened.get_plugin("webhook");
  REQUIRE(webhook.has_value());
  CHECK(webhook->enabled);
  CHECK(webhook->sha256 == "ab12");
  CHECK(webhook->file == "/plugins/libwebhook.so");
  CHECK(webhook->disabled_reason.empty());

  const auto slow = reopened.get_plugin("slow");
  REQUIRE(slow.has_value());
  CHECK_FALSE(slow->enabled);
  CHECK(slow->disabled_reason == "circuit breaker: 5 timeouts in a row");

  const auto settings = reopened.settings("webhook");
  CHECK(settings.size() == 2);
  CHECK(settings.at("url") == "\"https://x\"");
  CHECK(settings.at("retries") == "3");
  CHECK(reopened.event_level() == std::optional<std::string>("SYSTEM"));

  const auto all = reopened.plugins();
  REQUIRE(all.size() == 2);
  CHECK(all[0].key == "slow");
  CHECK(all[1].key == "webhook");
}

TEST_CASE("an unknown plugin has no state, settings or counters") {
  TempDir dir;
  StateStore store(dir.path() / "state.db");
  CHECK_FALSE(store.get_plugin("never-seen").has_value());
  CHECK(store.settings("never-seen").empty());
  CHECK(store.counters("never-seen").delivered == 0);
  CHECK_FALSE(store.event_level().has_value());
}

TEST_CASE("put_settings replaces only the values it is given") {
  TempDir dir;
  StateStore store(dir.path() / "state.db");
  store.put_settings("p", {{"a", "1"}, {"b", "2"}});
  store.put_settings("p", {{"b", "20"}, {"c", "30"}});
  store.put_settings("other", {{"a", "99"}});
  const auto settings = store.settings("p");
  CHECK(settings == std::map<std::string, std::string>{
                        {"a", "1"}, {"b", "20"}, {"c", "30"}});
}

TEST_CASE("set_enabled clears the reason a breaker disabled the plugin") {
  TempDir dir;
  StateStore store(dir.path() / "state.db");
  store.set_enabled("p", "old", "/a.so");
  store.set_disabled("p", "circuit breaker tripped");
  store.set_enabled("p", "new", "/b.so");
  const auto p = store.get_plugin("p");
  REQUIRE(p.has_value());
  CHECK(p->enabled);
  CHECK(p->disabled_reason.empty());
  CHECK(p->sha256 == "new");
  CHECK(p->file == "/b.so");
}

TEST_CASE("set_disabled keeps the pinned hash and file") {
  TempDir dir;
  StateStore store(dir.path() / "state.db");
  store.set_enabled("p", "cafe01", "/plugins/p.so");
  store.set_disabled("p", "");
  const auto p = store.get_plugin("p");
  REQUIRE(p.has_value());
  CHECK_FALSE(p->enabled);
  CHECK(p->sha256 == "cafe01");
  CHECK(p->file == "/plugins/p.so");
}

TEST_CASE("counters accumulate across add_counters calls and restarts") {
  TempDir dir;
  const auto file = dir.path() / "state.db";
  {
    StateStore store(file);
    store.add_counters("p", make_counters(10, 4, "handler returned 3"));
    store.add_counters("p", make_counters(5, 0, ""));
  }
  StateStore reopened(file);
  reopened.add_counters("p", make_counters(1, 2, ""));
  const auto c = reopened.counters("p");
  CHECK(c.delivered == 16);
  CHECK(c.failed == 6);
  CHECK(c.exceptions == 3);
  CHECK(c.timeouts == 3);
  CHECK(c.dropped == 6);
  CHECK(c.last_error == "handler returned 3");

  reopened.add_counters("p", make_counters(0, 1, "timed out after 5 s"));
  CHECK(reopened.counters("p").last_error == "timed out after 5 s");
  CHECK(reopened.counters("other").delivered == 0);
}

TEST_CASE("event ids start at 1 and keep increasing across reopen") {
  TempDir dir;
  const auto file = dir.path() / "state.db";
  std::uint64_t first = 0;
  std::uint64_t second = 0;
  {
    StateStore store(file);
    first = store.reserve_event_ids(10);
    second = store.reserve_event_ids(1);
  }
  StateStore reopened(file);
  const std::uint64_t third = reopened.reserve_event_ids(5);
  CHECK(first == 1);
  CHECK(second == first + 10);
  CHECK(third == second + 1);
  CHECK_THROWS_AS(reopened.reserve_event_ids(0), eventhost::Error);
}

TEST_CASE("two stores on one file reserve disjoint event id ranges") {
  TempDir dir;
  const auto file = dir.path() / "state.db";
  StateStore a(file);
  StateStore b(file);
  constexpr int kRounds = 200;
  constexpr std::uint64_t kBatch = 3;

  auto reserve_many = [&](StateStore& store, std::vector<std::uint64_t>& out) {
    for (int i = 0; i < kRounds; ++i)
      out.push_back(store.reserve_event_ids(kBatch));
  };
  std::vector<std::uint64_t> from_a;
  std::vector<std::uint64_t> from_b;
  std::thread ta(reserve_many, std::ref(a), std::ref(from_a));
  std::thread tb(reserve_many, std::ref(b), std::ref(from_b));
  ta.join();
  tb.join();

  CHECK(std::is_sorted(from_a.begin(), from_a.end()));
  CHECK(std::is_sorted(from_b.begin(), from_b.end()));
  std::vector<std::uint64_t> all = from_a;
  all.insert(all.end(), from_b.begin(), from_b.end());
  std::sort(all.begin(), all.end());
  REQUIRE(all.size() == 2 * kRounds);
  // Sorted range starts exactly kBatch apart: no overlap and no gap.
  for (std::size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i] == 1 + i * kBatch);
  }
  CHECK(a.reserve_event_ids(1) == 1 + 2 * kRounds * kBatch);
}
