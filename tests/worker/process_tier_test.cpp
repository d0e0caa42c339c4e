// The process tier with well-behaved plugins: the same plugin file works
// unchanged in a worker (events in order, settings, actions, emits), the
// tier is the user's to choose and switch live, and workers never outlive
// their host.
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "common/error.h"
#include "worker_fixture.h"

using namespace eventhost;
using namespace eventhost::testing;

TEST_CASE("a plugin file runs unchanged in a worker process, events in order") {
  Sandbox box;
  box.add_test_plugin("recorder.so");
  const fs::path record = box.file("recorder.log");
  Outcomes outcomes;
  Host host(worker_host_options(box, &outcomes));
  host.configure("recorder", {{"path", record.string()}});
  host.set_isolation("recorder", "process");
  host.enable("recorder");
  REQUIRE(host.start(false).empty());
  REQUIRE(worker_pids().size() == 1);

  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 300; ++i) {
    ids.push_back(host.emit("channel.created", channel_payload(i),
                            Dispatcher::Overflow::kWait)
                      .event_id);
  }
  const auto login = host.emit("auth.login_failed", R"({"username":"bob"})");
  REQUIRE(host.wait_idle(kIdleTimeout));

  const auto lines = recorded(record);
  REQUIRE(lines.size() == 301);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    CHECK(lines[i].id == ids[i]);
    CHECK(lines[i].symbol == "on_channel_created");
  }
  CHECK(lines[300].symbol == "eh_on_any_event");  // the catch-all, by pattern
  CHECK(lines[300].id == login.event_id);
  CHECK(outcomes.count("recorder", Outcome::kOk) == 301);
  CHECK(stats_of(host, "recorder").delivered == 301);
  host.stop();
  CHECK(worker_pids().empty());
  CHECK(host.plugin("recorder").counters.delivered == 301);
}

TEST_CASE(
    "settings, actions and the plugin's own emits go through the worker") {
  Sandbox box;
  box.add_test_plugin("recorder.so");
  box.add_shipped_plugin("login_guard.so");
  box.add_shipped_plugin("audit_log.so");
  const fs::path first = box.file("first.log"), second = box.file("second.log");
  const fs::path audit = box.file("audit.jsonl");
  Host host(worker_host_options(box, nullptr));
  host.configure("recorder", {{"path", first.string()}});
  host.configure("audit_log", {{"path", audit.string()}});
  host.set_isolation("recorder", "process");
  host.set_isolation("login_guard", "process");
  for (const char* key : {"recorder", "login_guard", "audit_log"}) {
    host.enable(key);
  }
  REQUIRE(host.start(false).empty());
  CHECK(worker_pids().size() == 2);

  host.emit("channel.created", channel_payload(1));
  REQUIRE(host.wait_idle(kIdleTimeout));
  host.configure("recorder", {{"path", second.string()}});
  host.emit("channel.created", channel_payload(2));
  REQUIRE(host.wait_idle(kIdleTimeout));
  CHECK(recorded(first).size() == 1);
  CHECK(recorded(second).size() == 1);
  CHECK(host.run_action("recorder", "ping", "{}") == "pong");

  // login_guard, in its worker, emits its own event after 5 failures.
  for (int i = 0; i < 5; ++i) {
    host.emit("auth.login_failed", R"({"username":"bob"})");
  }
  REQUIRE(host.wait_idle(kIdleTimeout));
  REQUIRE(eventually([&] {
    return !audited(audit, "login_guard.lockout_suggested").empty();
  }));
  const auto lockout = audited(audit, "login_guard.lockout_suggested");
  CHECK(lockout[0]["data"]["username"] == "bob");
  host.stop();
}

TEST_CASE(
    "the isolation tier is persisted and a running plugin moves at once") {
  Sandbox box;
  box.add_test_plugin("recorder.so");
  const fs::path record = box.file("recorder.log");
  {
    Host host(worker_host_options(box, nullptr));
    CHECK(host.plugin("recorder").isolation == Isolation::kThread);
    CHECK_FALSE(host.plugin("recorder").isolation_from_user);
    host.configure("recorder", {{"path", record.string()}});
    host.enable("recorder");
    REQUIRE(host.start(false).empty());
    CHECK(worker_pids().empty());
    host.set_isolation("recorder", "process");
    CHECK(worker_pids().size() == 1);
    host.emit("channel.created", channel_payload(1));
    REQUIRE(host.wait_idle(kIdleTimeout));
    CHECK(recorded(record).size() == 1);
    CHECK_THROWS_AS(host.set_isolation("recorder", "container"), Error);
    host.stop();
  }
  Host again(worker_host_options(box, nullptr));
  CHECK(again.plugin("recorder").isolation == Isolation::kProcess);
  CHECK(again.plugin("recorder").isolation_from_user);
  REQUIRE(again.start(false).empty());
  CHECK(worker_pids().size() == 1);
  again.set_isolation("recorder", "");  // back to the manifest: thread
  CHECK(worker_pids().empty());
  again.emit("channel.created", channel_payload(2));
  REQUIRE(again.wait_idle(kIdleTimeout));
  CHECK(recorded(record).size() == 2);
  again.stop();
}

TEST_CASE("workers die with their host even when it is killed") {
  Sandbox box;
  box.add_test_plugin("recorder.so");
  const fs::path record = box.file("recorder.log");
  {
    Host host(worker_host_options(box, nullptr));
    host.configure("recorder", {{"path", record.string()}});
    host.set_isolation("recorder", "process");
    host.enable("recorder");
  }
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // A host in a process of its own, killed below without any clean-up.
    // Whatever happens here ends here: the child never returns into the
    // test runner it was forked from.
    ::close(ready[0]);
    char byte = '0';
    try {
      Host host(worker_host_options(box, nullptr));
      if (host.start(false).empty()) byte = '1';
      (void)!::write(ready[1], &byte, 1);
      ::pause();
    } catch (...) {
      (void)!::write(ready[1], &byte, 1);
    }
    ::_exit(0);
  }
  // Killed and reaped on every way out of this test, a failed REQUIRE
  // included: a child left paused would hold ctest's output pipe open, so
  // the run would hang until its timeout.
  struct KillOnExit {
    pid_t pid;
    ~KillOnExit() {
      if (pid > 0 && ::kill(pid, SIGKILL) == 0) ::waitpid(pid, nullptr, 0);
    }
  } host_process{child};
  ::close(ready[1]);  // so a child that dies early reads as end of file
  char byte = 0;
  const auto got = ::read(ready[0], &byte, 1);
  ::close(ready[0]);
  REQUIRE(got == 1);
  REQUIRE(byte == '1');
  const auto workers = worker_pids(child);
  REQUIRE(workers.size() == 1);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  host_process.pid = 0;
  // The worker was reparented and killed by its death signal.
  CHECK(eventually([&] { return !alive(workers[0]); }));
}
