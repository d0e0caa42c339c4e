// After a thread-tier plugin kills the host inside a handler, the operator
// is not locked out: the event it was handling becomes a dead letter for
// it instead of being delivered again (which would kill the host again),
// and the commands that fix the plugin (disable, configure, --isolation)
// do not run its code.
#include <catch2/catch.hpp>
#include <csignal>

#include "cli_sandbox.h"

using eventhost::test::CliRun;
using eventhost::test::CliSandbox;
using eventhost::test::json_of;
using eventhost::test::read_text;
namespace fs = std::filesystem;

namespace {

constexpr int kSegfaulted = 128 + SIGSEGV;

void ok(const CliSandbox& sandbox, const std::vector<std::string>& args) {
  const CliRun run = sandbox.run(args);
  INFO(args[0] + " " + args[1] + ": " + run.err);
  REQUIRE(run.status == 0);
}

// The segfaulter in the thread tier, crashing on every channel.created,
// with the recorder beside it; then one channel.created kills the host.
// The segfaulter waits 300 ms before it crashes, so the event is in the
// journal by then, as it is whenever a plugin crashes past the first
// milliseconds of a handler: the case where delivering it again at the
// next start would crash the host again.
// Returns the id of the event the segfaulter was handling.
// With `signal` 9 the host is killed (SIGKILL) instead, as kill -9 or the
// OOM killer would do it from outside.
std::uint64_t crash_the_host(CliSandbox& sandbox, fs::path& record,
                             int signal = SIGSEGV) {
  sandbox.add_plugin("segfaulter.so");
  sandbox.add_plugin("recorder.so");
  record = sandbox.enable_recorder();
  ok(sandbox,
     {"plugins", "configure", "segfaulter", "crash_every=1", "delay_ms=300",
      "signal=" + std::to_string(signal), "--isolation", "thread"});
  ok(sandbox, {"plugins", "enable", "segfaulter"});
  const CliRun crashed =
      sandbox.run({"emit", "channel.created", R"({"channel_id": 7})"});
  INFO(crashed.err);
  REQUIRE(crashed.status == 128 + signal);
  const auto journal = json_of(
      sandbox.run({"journal", "list", "--event", "channel.created", "--json"}));
  REQUIRE(journal.size() == 1);
  return journal[0]["id"].get<std::uint64_t>();
}

}  // namespace

// [host_crash]: the host itself dies of the plugin's SIGSEGV, and these
// cases check that it does (exit 128 + 11) and what the next run makes of
// it. In a sanitizer build they run with the sanitizer's own handling of
// fatal signals off (tests/CMakeLists.txt), which would otherwise catch the
// signal, print its report and exit 1.
TEST_CASE(
    "after a thread-tier plugin crashed the host, plugins disable works and "
    "the next emit does not crash",
    "[host_crash]") {
  CliSandbox sandbox;
  fs::path record;
  crash_the_host(sandbox, record);

  const CliRun disable = sandbox.run({"plugins", "disable", "segfaulter"});
  INFO(disable.err);
  CHECK(disable.status == 0);
  CHECK_THAT(disable.out, Catch::Contains("disabled segfaulter"));
  CHECK_THAT(disable.err, Catch::Contains("did not shut down cleanly") &&
                              Catch::Contains("'segfaulter'"));
  CHECK(json_of(sandbox.run(
            {"plugins", "info", "segfaulter", "--json"}))["enabled"] == false);

  const CliRun next =
      sandbox.run({"emit", "channel.created", R"({"channel_id": 8})"});
  INFO(next.err);
  CHECK(next.status == 0);
  CHECK_THAT(read_text(record), Catch::Contains("channel.created"));
}

TEST_CASE(
    "the event a plugin was handling when the host died becomes its dead "
    "letter, and --isolation process is saved without running it",
    "[host_crash]") {
  CliSandbox sandbox;
  fs::path record;
  const std::uint64_t id = crash_the_host(sandbox, record);

  const CliRun moved = sandbox.run(
      {"plugins", "configure", "segfaulter", "--isolation", "process"});
  INFO(moved.err);
  CHECK(moved.status == 0);
  CHECK(json_of(sandbox.run({"plugins", "info", "segfaulter",
                             "--json"}))["isolation"] == "process");

  const auto letters = json_of(sandbox.run({"deadletters", "list", "--json"}));
  REQUIRE(letters.size() == 1);
  CHECK(letters[0]["plugin"] == "segfaulter");
  CHECK(letters[0]["event_id"] == id);
  CHECK(letters[0]["outcome"] == "crashed");
  CHECK(letters[0]["last_error"] ==
        "the host died while segfaulter handled this event (SIGSEGV)");

  // Retrying is the operator's choice; in the process tier the crash now
  // kills only the worker, and the letter stays.
  const CliRun retried =
      sandbox.run({"deadletters", "retry", "--plugin", "segfaulter"});
  INFO(retried.err);
  CHECK(retried.status != kSegfaulted);
  CHECK_THAT(retried.out, Catch::Contains("queued 1 dead letter"));
  const auto after = json_of(sandbox.run({"deadletters", "list", "--json"}));
  REQUIRE(after.size() == 1);
  CHECK(after[0]["event_id"] == id);
  CHECK(after[0]["outcome"] == "crashed");
}

TEST_CASE(
    "a plugin left enabled in the thread tier after it crashed the host is "
    "not handed that event again by the next emit",
    "[host_crash]") {
  CliSandbox sandbox;
  fs::path record;
  crash_the_host(sandbox, record);

  const CliRun next = sandbox.run({"emit", "channel.updated", "{}"});
  INFO(next.err);
  CHECK(next.status == 0);
  CHECK_THAT(next.err, Catch::Contains("is now a dead letter for segfaulter"));
  CHECK(json_of(sandbox.run({"deadletters", "list", "--json"})).size() == 1);
  // It stays enabled and loaded: the next emit it handles may crash again,
  // which is the operator's to decide (disable, --isolation process).
  CHECK(json_of(sandbox.run(
            {"plugins", "info", "segfaulter", "--json"}))["enabled"] == true);
}

TEST_CASE(
    "an event the host was killed in from outside is delivered again once, "
    "and is a dead letter if the host dies in it again") {
  CliSandbox sandbox;
  fs::path record;
  const std::uint64_t id = crash_the_host(sandbox, record, SIGKILL);

  // No signal of the plugin's own was seen: this may have been kill -9 or
  // the OOM killer, so the event goes to it again (at least once)...
  const CliRun again = sandbox.run({"emit", "channel.updated", "{}"});
  CHECK(again.status == 128 + SIGKILL);
  CHECK(json_of(sandbox.run({"deadletters", "list", "--json"})).empty());

  // ...and when the host dies in it a second time, it stops there.
  const CliRun next = sandbox.run({"emit", "channel.updated", "{}"});
  INFO(next.err);
  CHECK(next.status == 0);
  const auto letters = json_of(sandbox.run({"deadletters", "list", "--json"}));
  REQUIRE(letters.size() == 1);
  CHECK(letters[0]["event_id"] == id);
  CHECK(letters[0]["last_error"] ==
        "the host died while segfaulter handled this event, on its delivery "
        "again");
}
