// Host durability: every accepted event is journaled, a failing delivery
// is retried and then dead-lettered, a full queue dead-letters instead of
// losing, and after a crash each plugin gets again what it had not
// finished, from its cursor.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <limits>
#include <map>

#include "common/error.h"
#include "host_fixture.h"

using namespace eventhost;
using namespace eventhost::testing;

namespace {

std::map<std::uint64_t, int> deliveries_by_id(const fs::path& record) {
  std::map<std::uint64_t, int> count;
  for (const Recorded& r : recorded(record)) ++count[r.id];
  return count;
}

struct RecorderHost {
  explicit RecorderHost(std::uint32_t attempts, long fail_first = 0,
                        Outcomes* outcomes = nullptr) {
    box.add_test_plugin("recorder.so");
    HostOptions options = host_options(box, outcomes, 0);
    options.retry_attempts = attempts;
    options.retry_backoff = std::chrono::milliseconds(10);
    host = std::make_unique<Host>(options);
    host->configure("recorder", {{"path", record().string()},
                                 {"fail_first", std::to_string(fail_first)}});
    host->enable("recorder");
    REQUIRE(host->start(false).empty());
  }
  fs::path record() const { return box.file("recorder.log"); }
  Sandbox box;
  std::unique_ptr<Host> host;
};

}  // namespace

TEST_CASE("every accepted event is in the journal once it is durable") {
  RecorderHost f(1);
  std::vector<EmitOutcome> emitted;
  for (int i = 0; i < 50; ++i) {
    emitted.push_back(f.host->emit("channel.created", channel_payload(i)));
  }
  REQUIRE(f.host->wait_durable(emitted.back().journal_ticket).empty());
  EventLog& journal = *f.host->journal();
  JournalQuery all;
  all.limit = 1000;
  const auto entries = journal.list(all);
  REQUIRE(entries.size() == 50);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    CHECK(entries[i].id == emitted[i].event_id);
    CHECK(entries[i].name == "channel.created");
    CHECK(entries[i].payload ==
          nlohmann::json::parse(channel_payload(static_cast<int>(i))).dump());
  }
  const auto one = journal.get(emitted[7].event_id);
  REQUIRE(one);
  CHECK(one->payload.find("\"channel_id\":7") != std::string::npos);
  CHECK_FALSE(journal.get(999999));
  JournalQuery filtered;
  filtered.after_id = emitted[44].event_id;
  filtered.pattern = "channel.*";
  CHECK(journal.list(filtered).size() == 5);
  filtered.pattern = "auth.*";
  CHECK(journal.list(filtered).empty());
  f.host->stop();
}

TEST_CASE(
    "a plugin that fails its first two attempts gets the event on the third") {
  Outcomes outcomes;
  RecorderHost f(3, 2, &outcomes);
  const auto e = f.host->emit("channel.created", channel_payload(1));
  REQUIRE(f.host->wait_idle(kIdleTimeout));
  const auto results = outcomes.of("recorder");
  REQUIRE(results.size() == 3);
  CHECK(results[0].outcome == Outcome::kError);
  CHECK(results[0].attempt == 1);
  CHECK(results[1].outcome == Outcome::kError);
  CHECK(results[1].attempt == 2);
  CHECK(results[2].outcome == Outcome::kOk);
  CHECK(results[2].attempt == 3);
  CHECK(deliveries_by_id(f.record())[e.event_id] == 3);
  CHECK(f.host->dead_letters().empty());
  f.host->stop();
}

TEST_CASE(
    "a plugin that always fails ends in dead letters, and a retry after the "
    "fix delivers") {
  RecorderHost f(2, 1000);
  const auto a = f.host->emit("channel.created", channel_payload(1));
  const auto b = f.host->emit("channel.created", channel_payload(2));
  REQUIRE(f.host->wait_idle(kIdleTimeout));
  auto letters = f.host->dead_letters();
  REQUIRE(letters.size() == 2);
  CHECK(letters[0].plugin_key == "recorder");
  CHECK(letters[0].event_id == a.event_id);
  CHECK(letters[1].event_id == b.event_id);
  CHECK(letters[0].attempts == 2);
  CHECK(letters[0].outcome == "error");
  CHECK(letters[0].last_error == "recorder: failing as fail_first asks");

  f.host->configure("recorder", {{"fail_first", "0"}});
  CHECK(f.host->retry_dead_letters({}, "recorder").empty());
  REQUIRE(f.host->wait_idle(kIdleTimeout));
  CHECK(f.host->dead_letters().empty());
  const auto counts = deliveries_by_id(f.record());
  CHECK(counts.at(a.event_id) == 3);  // two failed attempts and the retry
  CHECK(counts.at(b.event_id) == 3);
  f.host->stop();
}

TEST_CASE(
    "what a full queue refuses becomes a dead letter, never lost silently") {
  Sandbox box;
  box.add_test_plugin("blocker.so");
  HostOptions options = host_options(box, nullptr, 0);
  options.threads = 1;
  Host host(options);
  // The first call waits until released, so the queue (16) stays full
  // however slowly this thread emits.
  const fs::path release = box.file("release");
  host.configure("blocker", {{"release_file", release.string()}});
  host.enable("blocker");
  REQUIRE(host.start(false).empty());
  std::size_t dropped = 0;
  for (int i = 0; i < 40; ++i) {
    dropped += host.emit("channel.created", channel_payload(i)).dropped;
  }
  REQUIRE(dropped > 0);
  CHECK(dropped >= 40 - 16 - 1);  // all but the queue and the running call
  std::ofstream(release).put('\n');
  REQUIRE(host.wait_idle(kIdleTimeout));
  CHECK(host.stop().clean);
  std::size_t dropped_letters = 0;
  for (const DeadLetter& d : host.dead_letters("blocker")) {
    if (d.outcome == "dropped") ++dropped_letters;
  }
  CHECK(dropped_letters >= dropped);
}

TEST_CASE("replay delivers exactly the chosen range of the journal again") {
  RecorderHost f(1);
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 6; ++i) {
    ids.push_back(f.host->emit("channel.created", channel_payload(i)).event_id);
  }
  f.host->emit("auth.login_failed", R"({"username":"bob"})");
  REQUIRE(f.host->wait_idle(kIdleTimeout));
  JournalQuery range;
  range.after_id = ids[2];
  range.pattern = "channel.*";
  std::size_t last_progress = 0;
  CHECK(f.host->replay("recorder", range,
                       [&](std::size_t n) { last_progress = n; }) == 3);
  CHECK(last_progress == 3);
  REQUIRE(f.host->wait_idle(kIdleTimeout));
  const auto counts = deliveries_by_id(f.record());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    CHECK(counts.at(ids[i]) == (i > 2 ? 2 : 1));
  }
  CHECK_THROWS_AS(f.host->replay("nobody", range), Error);
  f.host->stop();
}

TEST_CASE(
    "after a kill -9 every acknowledged event reaches the plugin at least "
    "once") {
  Sandbox box;
  box.add_test_plugin("recorder.so");
  const fs::path record = box.file("recorder.log");
  {
    Host setup(host_options(box, nullptr));
    setup.configure("recorder", {{"path", record.string()}});
    setup.enable("recorder");
  }
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    Host host(host_options(box, nullptr));
    host.start(false);
    std::uint64_t last_acked = 0;
    for (int i = 0; i < 2000; ++i) {
      const auto out = host.emit("channel.created", channel_payload(i),
                                 Dispatcher::Overflow::kWait);
      if (i % 100 == 99 && host.wait_durable(out.journal_ticket).empty()) {
        last_acked = out.event_id;  // acknowledged up to here
      }
    }
    (void)!::write(pipe_fds[1], &last_acked, sizeof last_acked);
    ::raise(SIGKILL);  // no stop, no flush: the process just dies
  }
  ::close(pipe_fds[1]);
  std::uint64_t acked = 0;
  REQUIRE(::read(pipe_fds[0], &acked, sizeof acked) == sizeof acked);
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(acked > 0);

  Host after(host_options(box, nullptr));
  REQUIRE(after.start(false).empty());
  REQUIRE(after.wait_idle(std::chrono::seconds(120)));
  JournalQuery all;
  all.limit = 100000;
  const auto journal = after.journal()->list(all);
  after.stop();
  const auto counts = deliveries_by_id(record);
  std::size_t checked = 0;
  for (const JournalEntry& e : journal) {
    if (e.id > acked) continue;
    ++checked;
    INFO("event " << e.id);
    CHECK(counts.count(e.id) == 1);
  }
  CHECK(checked >= 100);
}

TEST_CASE("retention drops old events and keeps the newest within the size") {
  RecorderHost f(1);
  for (int i = 0; i < 100; ++i)
    f.host->emit("channel.created", channel_payload(i));
  REQUIRE(f.host->wait_idle(kIdleTimeout));
  f.host->stop();
  Journal journal(f.box.state(), Durability::kProcess);
  const std::uint64_t newest = journal.last_id();
  const std::size_t one =
      journal.get(newest)->name.size() + journal.get(newest)->payload.size();
  const RetentionReport report = journal.enforce_retention(0, one * 10);
  CHECK(report.kept == 10);
  CHECK(report.removed == 90);
  CHECK(report.oldest_id == newest - 9);
  const RetentionReport by_age =
      journal.enforce_retention(std::numeric_limits<std::int64_t>::max(), 0);
  CHECK(by_age.kept == 0);
  CHECK(by_age.removed == 10);
}

TEST_CASE(
    "a damaged state file is a clear error at start, never an empty journal") {
  Sandbox box;
  box.add_test_plugin("recorder.so");
  {
    Host host(host_options(box, nullptr));
    host.configure("recorder", {{"path", box.file("r.log").string()}});
    host.enable("recorder");
    REQUIRE(host.start(false).empty());
    for (int i = 0; i < 500; ++i)
      host.emit("channel.created", channel_payload(i));
    host.stop();
  }
  {
    // Overwrite pages in the middle of the file, past the header.
    std::fstream file(box.state(),
                      std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(4096 * 2);
    const std::string junk(4096 * 6, '\xde');
    file.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  const auto session = [&] {
    Host host(host_options(box, nullptr));
    host.start(false);
    JournalQuery all;
    all.limit = 100000;
    return host.journal()->list(all).size();
  };
  CHECK_THROWS_WITH(session(), Catch::Contains("the state file is damaged"));
}

TEST_CASE(
    "a plugin enabled again is owed nothing from while it was off, and its "
    "cursor moves on") {
  std::uint64_t last = 0;
  RecorderHost f(1);
  for (int i = 0; i < 3; ++i)
    f.host->emit("channel.created", channel_payload(i));
  REQUIRE(f.host->wait_idle(kIdleTimeout));
  f.host->disable("recorder");
  for (int i = 0; i < 3; ++i)
    f.host->emit("channel.created", channel_payload(i));
  f.host->enable("recorder");
  for (int i = 0; i < 3; ++i) {
    last = f.host->emit("channel.created", channel_payload(i)).event_id;
  }
  REQUIRE(f.host->wait_idle(kIdleTimeout));
  f.host->stop();
  CHECK(recorded(f.record()).size() == 6);
  {
    StateStore state(f.box.state());
    CHECK(state.cursors().at("recorder") >= last);
  }
  // Nothing is owed, so a restart delivers nothing again.
  Host again(host_options(f.box, nullptr));
  REQUIRE(again.start(false).empty());
  REQUIRE(again.wait_idle(kIdleTimeout));
  again.stop();
  CHECK(recorded(f.record()).size() == 6);
}
