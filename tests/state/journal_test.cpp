// Journal: the group-committed event record. These cases drive it directly
// (no host): what goes in through either append comes back from the file,
// whatever the size of the batch the writer finds.
#include "state/journal.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "state/state_store.h"
#include "temp_dir.h"

using namespace eventhost;
using eventhost::testing::TempDir;

namespace {

std::string payload_of(std::uint64_t id) {
  return R"({"n":)" + std::to_string(id) + R"(,"pad":")" +
         std::string(id % 50, 'x') + R"("})";
}

}  // namespace

TEST_CASE("every entry of a batch past one multi-row insert reads back") {
  TempDir dir;
  const auto file = dir.path() / "state.db";
  StateStore store(file);  // creates the schema
  // 64 rows go in one statement: 150 is two of those and 22 rows one by
  // one, as long as the writer finds them queued together; however it
  // splits them, every row must read back as appended.
  constexpr std::uint64_t kCount = 150;
  {
    Journal journal(file, Durability::kProcess);
    std::uint64_t ticket = 0;
    for (std::uint64_t id = 1; id <= kCount; ++id) {
      ticket = journal.append({id, "channel.created", payload_of(id),
                               static_cast<std::uint32_t>(id % 4),
                               static_cast<std::int64_t>(1000 + id)});
    }
    REQUIRE(journal.wait_durable(ticket).empty());
  }
  Journal reopened(file, Durability::kProcess);
  JournalQuery query;
  query.limit = 1000;
  const auto entries = reopened.list(query);
  REQUIRE(entries.size() == kCount);
  for (std::uint64_t id = 1; id <= kCount; ++id) {
    const JournalEntry& e = entries[id - 1];
    INFO("event " << id);
    CHECK(e.id == id);
    CHECK(e.name == "channel.created");
    CHECK(e.payload == payload_of(id));
    CHECK(e.level == id % 4);
    CHECK(e.emitted_at_us == static_cast<std::int64_t>(1000 + id));
  }
}

TEST_CASE(
    "a shared entry is written from its owner's text, kept alive by "
    "the journal until committed") {
  TempDir dir;
  const auto file = dir.path() / "state.db";
  StateStore store(file);
  constexpr std::uint64_t kCount = 100;
  {
    Journal journal(file, Durability::kProcess);
    std::uint64_t ticket = 0;
    for (std::uint64_t id = 1; id <= kCount; ++id) {
      // The only reference goes to the journal: the text must still be
      // there when the writer binds it.
      auto owner = std::make_shared<std::pair<std::string, std::string>>(
          "channel.updated", payload_of(id));
      SharedJournalEntry entry{
          nullptr,       id, owner->first,
          owner->second, 1,  static_cast<std::int64_t>(id)};
      entry.owner = std::move(owner);
      ticket = journal.append_shared(std::move(entry));
    }
    REQUIRE(journal.wait_durable(ticket).empty());
    REQUIRE(journal.last_id() == kCount);
  }
  Journal reopened(file, Durability::kProcess);
  for (std::uint64_t id = 1; id <= kCount; ++id) {
    const auto e = reopened.get(id);
    INFO("event " << id);
    REQUIRE(e.has_value());
    CHECK(e->name == "channel.updated");
    CHECK(e->payload == payload_of(id));
  }
}

TEST_CASE(
    "retention removes exactly the entries past its limits and counts "
    "what it kept") {
  TempDir dir;
  const auto file = dir.path() / "state.db";
  StateStore store(file);
  Journal journal(file, Durability::kProcess);
  std::uint64_t ticket = 0;
  for (std::uint64_t id = 1; id <= 150; ++id) {
    ticket = journal.append({id, "channel.created", payload_of(id), 1,
                             static_cast<std::int64_t>(1000 + id)});
  }
  REQUIRE(journal.wait_durable(ticket).empty());

  SECTION("nothing is old or past the size: nothing goes") {
    const RetentionReport report = journal.enforce_retention(1000, 1ull << 30);
    CHECK(report.removed == 0);
    CHECK(report.kept == 150);
    CHECK(report.oldest_id == 1);
    CHECK(journal.list({0, 0, "", 1000}).size() == 150);
  }
  SECTION("by age: what was emitted before the limit goes, the rest stays") {
    const RetentionReport report = journal.enforce_retention(1100, 0);
    CHECK(report.removed == 99);  // emitted at 1001..1099
    CHECK(report.kept == 51);
    CHECK(report.oldest_id == 100);
    CHECK(journal.list({0, 0, "", 1000}).size() == 51);
  }
  SECTION("by size: the newest that fit stay") {
    std::uint64_t newest_ten = 0;
    for (std::uint64_t id = 141; id <= 150; ++id)
      newest_ten +=
          std::string("channel.created").size() + payload_of(id).size();
    const RetentionReport report = journal.enforce_retention(0, newest_ten);
    CHECK(report.removed == 140);
    CHECK(report.kept == 10);
    CHECK(report.oldest_id == 141);
  }
}
