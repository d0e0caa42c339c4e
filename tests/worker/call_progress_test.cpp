// The progress page a worker shares with its host: what the worker side
// writes the host side reads back, and what does not add up is refused.
#include "worker/call_progress.h"

#include <unistd.h>

#include <catch2/catch.hpp>

using namespace eventhost::worker;

namespace {

// Both sides of one page in this process, as host and worker see it.
struct Page {
  explicit Page(std::uint32_t slots) : host(CallProgress::create(slots)) {
    std::string why;
    worker = CallProgress::attach(::dup(host->fd()), slots, &why);
    REQUIRE(worker != nullptr);
  }
  std::unique_ptr<CallProgress> host, worker;
};

WireResult result_for(std::uint64_t event_id, std::string message = "") {
  return WireResult{event_id, 1, 5, std::move(message), 1000};
}

}  // namespace

TEST_CASE(
    "the call a worker is in and the result of the one before it "
    "read back on the host's side") {
  Page page(4);
  CHECK(page.host->entered() == 0);
  CHECK(page.host->left() == 0);
  page.worker->enter(1);
  CHECK(page.host->entered() == 1);
  CHECK(page.host->left() == 0);
  page.worker->leave(1, result_for(70, "database unreachable"));
  page.worker->enter(2);
  CHECK(page.host->entered() == 2);
  REQUIRE(page.host->left() == 1);
  WireResult r;
  bool cut = true;
  REQUIRE(page.host->result(1, &r, &cut));
  CHECK_FALSE(cut);
  CHECK(r.event_id == 70);
  CHECK(r.outcome == 1);
  CHECK(r.code == 5);
  CHECK(r.message == "database unreachable");
  CHECK(r.duration_ns == 1000);
}

TEST_CASE("a slot that holds another call is not read as this one") {
  Page page(4);
  for (std::uint64_t seq = 1; seq <= 5; ++seq) {
    page.worker->leave(seq, result_for(100 + seq));
  }
  WireResult r;
  bool cut = false;
  CHECK_FALSE(page.host->result(1, &r, &cut));  // call 5 took its slot
  CHECK_FALSE(page.host->result(6, &r, &cut));  // not written yet
  REQUIRE(page.host->result(5, &r, &cut));
  CHECK(r.event_id == 105);
}

TEST_CASE("a message longer than a slot holds is cut there, and flagged") {
  Page page(2);
  const std::string whole(CallProgress::kMessageMax + 10, 'm');
  page.worker->leave(1, result_for(7, whole));
  WireResult r;
  bool cut = false;
  REQUIRE(page.host->result(1, &r, &cut));
  CHECK(cut);
  CHECK(r.message == whole.substr(0, CallProgress::kMessageMax));
}

TEST_CASE("a worker refuses a page of another size than announced") {
  const auto host = CallProgress::create(4);
  std::string why;
  CHECK(CallProgress::attach(::dup(host->fd()), 8, &why) == nullptr);
  CHECK(why.find("not the " + std::to_string(CallProgress::size_for(8)) +
                 " the host announced") != std::string::npos);
  why.clear();
  CHECK(CallProgress::attach(-1, 4, &why) == nullptr);
  CHECK(why.find("no progress page") != std::string::npos);
}
