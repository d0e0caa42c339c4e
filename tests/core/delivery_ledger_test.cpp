// DeliveryLedger: a plugin's cursor (the id up to which it finished every
// event it takes) never passes a delivery that is still pending, however
// the deliveries finish.
#include "core/delivery_ledger.h"

#include <catch2/catch.hpp>

using eventhost::DeliveryLedger;

namespace {

// Queues ids first..last for `plugin` the way the host does: each one is
// ingested (given its id), queued, then its ingest ends.
void queue_range(DeliveryLedger& ledger, const std::string& plugin,
                 std::uint64_t first, std::uint64_t last) {
  for (std::uint64_t id = first; id <= last; ++id) {
    ledger.ingest_begin(id);
    ledger.queued(plugin, id);
    ledger.ingest_end(id);
  }
}

}  // namespace

TEST_CASE("the cursor stops below the oldest unfinished delivery") {
  DeliveryLedger ledger;
  queue_range(ledger, "a", 1, 6);
  CHECK(ledger.cursor("a") == 0);
  ledger.finished("a", 1);  // the oldest, as usual
  CHECK(ledger.cursor("a") == 1);
  ledger.finished("a", 3);  // ahead of 2: the cursor waits for 2
  ledger.finished("a", 4);
  CHECK(ledger.cursor("a") == 1);
  ledger.finished("a", 2);  // now 2, 3 and 4 are all done
  CHECK(ledger.cursor("a") == 4);
  ledger.finished("a", 5);
  CHECK(ledger.cursor("a") == 5);
  ledger.finished("a", 6);
  CHECK(ledger.cursor("a") == 6);
}

TEST_CASE(
    "an event delivered twice to a plugin holds its cursor until both "
    "deliveries finish") {
  DeliveryLedger ledger;
  queue_range(ledger, "a", 1, 3);
  ledger.queued("a", 1);  // a retry of 1 queued before the first finished
  ledger.finished("a", 1);
  CHECK(ledger.cursor("a") == 0);
  ledger.finished("a", 1);
  CHECK(ledger.cursor("a") == 1);
  ledger.queued("a", 2);  // an older id again (a replay), out of order
  ledger.finished("a", 2);
  CHECK(ledger.cursor("a") == 1);
  ledger.finished("a", 3);
  CHECK(ledger.cursor("a") == 1);
  ledger.finished("a", 2);
  CHECK(ledger.cursor("a") == 3);
}

TEST_CASE("plugins keep cursors of their own, and an ingest holds them all") {
  DeliveryLedger ledger;
  queue_range(ledger, "a", 1, 2);
  queue_range(ledger, "b", 3, 4);
  ledger.finished("a", 1);
  ledger.finished("a", 2);
  CHECK(ledger.cursor("a") == 4);  // a takes nothing of 3 and 4
  CHECK(ledger.cursor("b") == 2);
  ledger.ingest_begin(5);  // id taken, not yet routed
  ledger.finished("b", 3);
  ledger.finished("b", 4);
  CHECK(ledger.cursor("a") == 4);
  CHECK(ledger.cursor("b") == 4);
  ledger.ingest_end(5);
  CHECK(ledger.cursor("b") == 5);
}
