// DeliveryLog, the CLI's record of delivery outcomes: it keeps only what
// the command prints, so a run of any length costs the same per result.
#include "cli/delivery_log.h"

#include <catch2/catch.hpp>

using eventhost::DeliveryResult;
using eventhost::Outcome;
using eventhost::cli::DeliveryLog;

namespace {

DeliveryResult result(std::uint64_t id, const std::string& plugin,
                      Outcome outcome, std::uint32_t attempt = 1) {
  DeliveryResult r;
  r.event_id = id;
  r.plugin_key = plugin;
  r.outcome = outcome;
  r.attempt = attempt;
  return r;
}

}  // namespace

TEST_CASE(
    "emit --ndjson's log keeps no successful delivery, however many there "
    "are") {
  DeliveryLog log(DeliveryLog::Keep::kFailures);
  const auto observe = log.observer();
  for (std::uint64_t id = 1; id <= 200000; ++id) {
    observe(result(id, "audit_log", Outcome::kOk));
    observe(result(id, "event_logger", Outcome::kOk));
  }
  CHECK(log.retained() == 0);
  CHECK(log.failures_among({1, 2, 3}) == 0);
}

TEST_CASE(
    "a failed attempt is kept until a later attempt of the same delivery "
    "succeeds") {
  DeliveryLog log(DeliveryLog::Keep::kFailures);
  const auto observe = log.observer();
  observe(result(5, "audit_log", Outcome::kError, 1));
  observe(result(6, "audit_log", Outcome::kError, 1));
  observe(result(6, "login_guard", Outcome::kDropped, 1));
  CHECK(log.retained() == 3);
  observe(result(5, "audit_log", Outcome::kOk, 2));
  observe(result(6, "audit_log", Outcome::kTimeout, 2));
  CHECK(log.retained() == 2);
  CHECK(log.failures_among({5}) == 0);
  CHECK(log.failures_among({6}) == 2);
  CHECK(log.failures_among({4, 5, 6, 7}) == 2);
  // Events the user did not emit (a plugin's own, system.*) do not count.
  CHECK(log.failures_among({7}) == 0);
}

TEST_CASE("emit's log shows each plugin once per event, its last attempt") {
  DeliveryLog log(DeliveryLog::Keep::kAll);
  const auto observe = log.observer();
  observe(result(9, "thrower", Outcome::kException, 1));
  observe(result(9, "recorder", Outcome::kOk, 1));
  observe(result(9, "thrower", Outcome::kException, 2));
  observe(result(9, "thrower", Outcome::kException, 1));  // late, older
  observe(result(10, "recorder", Outcome::kOk, 1));
  const auto shown = log.for_event(9);
  REQUIRE(shown.size() == 2);
  CHECK(shown[0].plugin_key == "recorder");
  CHECK(shown[1].plugin_key == "thrower");
  CHECK(shown[1].attempt == 2);
  CHECK(log.retained() == 3);
}
