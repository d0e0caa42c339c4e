// EmitBudget: a plugin's emits a second, counted in windows that open at
// an emit. Time is given explicitly, so nothing here depends on the clock.
#include "dispatch/emit_budget.h"

#include <catch2/catch.hpp>
#include <thread>
#include <vector>

using eventhost::EmitBudget;
using namespace std::chrono_literals;

TEST_CASE("an emit budget admits its cap in a second, then the next second's") {
  EmitBudget budget(3);
  const auto t0 = EmitBudget::Clock::now() + 5s;
  CHECK(budget.take(t0));
  CHECK(budget.take(t0 + 10ms));
  CHECK(budget.take(t0 + 500ms));
  CHECK_FALSE(budget.take(t0 + 600ms));
  CHECK_FALSE(budget.take(t0 + 999ms));
  // A second after the window opened, not after the last emit.
  CHECK(budget.take(t0 + 1000ms));
  CHECK(budget.take(t0 + 1001ms));
  CHECK(budget.take(t0 + 1900ms));
  CHECK_FALSE(budget.take(t0 + 1950ms));
  // A quiet spell: the next emit opens a fresh window whenever it comes.
  CHECK(budget.take(t0 + 60s));
}

TEST_CASE("an emit budget's window opens at the first emit, not at creation") {
  EmitBudget budget(2);
  // Created long before the burst: the burst still gets exactly the cap,
  // never the end of one window and the start of the next.
  const auto burst = EmitBudget::Clock::now() + 999ms;
  CHECK(budget.take(burst));
  CHECK(budget.take(burst + 2ms));
  CHECK_FALSE(budget.take(burst + 4ms));
}

TEST_CASE("an emit budget admits exactly its cap from many threads at once") {
  EmitBudget budget(1000);
  const auto now = EmitBudget::Clock::now();
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (budget.take(now)) admitted.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(admitted.load() == 1000);
}

TEST_CASE("an emit budget's cap can change and stays at least one") {
  EmitBudget budget(1);
  const auto t0 = EmitBudget::Clock::now();
  CHECK(budget.take(t0));
  CHECK_FALSE(budget.take(t0));
  budget.set_per_second(2);
  CHECK(budget.per_second() == 2);
  CHECK(budget.take(t0));  // the window keeps its count: one more fits
  CHECK_FALSE(budget.take(t0));
  budget.set_per_second(0);
  CHECK(budget.per_second() == 1);
  CHECK(EmitBudget(0).per_second() == 1);
  CHECK(EmitBudget().per_second() == EmitBudget::kDefaultPerSecond);
}
