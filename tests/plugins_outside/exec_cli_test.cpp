// The exec plugin end to end: the real `eventhost` binary runs it in its
// process tier and it runs scripts the test writes: one that records what
// it was given, one that fails, one that hangs (with a child of its own).
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "cli_sandbox.h"
#include "outside_support.h"

using eventhost::test::CliRun;
using eventhost::test::CliSandbox;
using eventhost::test::json_of;
using eventhost::test::read_text;
using eventhost::test::write_script;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

void setup_exec(CliSandbox& sandbox, const json& command,
                const std::vector<std::string>& settings = {}) {
  sandbox.add_plugin("exec.so");
  // Only the test's events, not the host's own (system.startup, ...).
  std::vector<std::string> args = {"plugins", "configure", "exec",
                                   "command=" + command.dump(),
                                   "events=channel.*"};
  args.insert(args.end(), settings.begin(), settings.end());
  const CliRun configured = sandbox.run(args);
  INFO(configured.err);
  REQUIRE(configured.status == 0);
  const CliRun enabled = sandbox.run({"plugins", "enable", "exec"});
  INFO(enabled.err);
  REQUIRE(enabled.status == 0);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

json dead_letters(const CliSandbox& sandbox) {
  return json_of(sandbox.run({"deadletters", "list", "--json"}));
}

}  // namespace

TEST_CASE(
    "exec runs the program with the event on stdin and in its environment") {
  CliSandbox sandbox;
  const fs::path out = sandbox.root() / "got.txt";
  const fs::path script = sandbox.root() / "record.sh";
  write_script(script,
               "#!/bin/sh\n"
               "{ echo \"args=$*\"\n"
               "  echo \"event=$EVENTHOST_EVENT id=$EVENTHOST_EVENT_ID "
               "level=$EVENTHOST_EVENT_LEVEL attempt=$EVENTHOST_ATTEMPT\"\n"
               "  echo \"path=${PATH:+set} secret=${EH_TEST_SECRET:-unset}\"\n"
               "  cat\n"
               "} > \"$1\"\n");
  sandbox.set_env("EH_TEST_SECRET", "leaked");
  setup_exec(sandbox, {script.string(), out.string(), "two words"});
  CHECK(sandbox.run({"emit", "auth.login", R"({"username": "ann"})"}).status ==
        0);
  CHECK_FALSE(fs::exists(out));  // not in `events`: not run
  const CliRun run = sandbox.run(
      {"emit", "channel.created", R"({"channel_name": "News"})", "--json"});
  INFO(run.err);
  REQUIRE(run.status == 0);
  const auto id = json_of(run)["id"].get<std::uint64_t>();
  const auto lines = lines_of(read_text(out));
  REQUIRE(lines.size() == 4);
  // One argument per element: no shell split "two words".
  CHECK(lines[0] == "args=" + out.string() + " two words");
  CHECK(lines[1] == "event=channel.created id=" + std::to_string(id) +
                        " level=FULL attempt=1");
  // PATH is passed on; the rest of the host's environment is not.
  CHECK(lines[2] == "path=set secret=unset");
  const json journal =
      json_of(sandbox.run({"journal", "show", std::to_string(id), "--json"}));
  CHECK(json::parse(lines[3]) == journal);
}

TEST_CASE("exec fails a run that exits non-zero, with the end of its stderr") {
  CliSandbox sandbox;
  const fs::path script = sandbox.root() / "fail.sh";
  write_script(
      script, "#!/bin/sh\necho 'starting' >&2\necho 'disk full' >&2\nexit 3\n");
  setup_exec(sandbox, {script.string()});
  const CliRun run =
      sandbox.run({"emit", "channel.created", R"({"channel_id": 1})"});
  CHECK(run.status == 6);
  const json letters = dead_letters(sandbox);
  REQUIRE(letters.size() == 1);
  CHECK(letters[0]["plugin"] == "exec");
  CHECK(letters[0]["attempts"] == 3);
  CHECK_THAT(letters[0]["last_error"].get<std::string>(),
             Catch::Contains(script.string() + " for channel.created #") &&
                 Catch::Contains("exited with status 3; its stderr: "
                                 "starting disk full"));
}

TEST_CASE("exec retries a failed run and the next success delivers") {
  CliSandbox sandbox;
  const fs::path log = sandbox.root() / "runs.txt";
  const fs::path script = sandbox.root() / "flaky.sh";
  // Fails on the first attempt only.
  write_script(script,
               "#!/bin/sh\necho \"$EVENTHOST_EVENT_ID $EVENTHOST_ATTEMPT\" >> "
               "\"$1\"\n[ \"$EVENTHOST_ATTEMPT\" -gt 1 ]\n");
  setup_exec(sandbox, {script.string(), log.string()});
  const CliRun run = sandbox.run(
      {"emit", "channel.created", R"({"channel_id": 1})", "--json"});
  INFO(run.err);
  CHECK(run.status == 0);
  const std::string id = std::to_string(json_of(run)["id"].get<int>());
  CHECK(lines_of(read_text(log)) ==
        std::vector<std::string>{id + " 1", id + " 2"});
  CHECK(dead_letters(sandbox).empty());
}

TEST_CASE(
    "exec kills a run past its time budget, with what it started, and the "
    "delivery fails") {
  CliSandbox sandbox;
  const fs::path pids = sandbox.root() / "pids.txt";
  const fs::path script = sandbox.root() / "hang.sh";
  // The script and a child of its own both outlive any budget.
  write_script(script,
               "#!/bin/sh\nsleep 600 &\necho \"$$ $!\" >> \"$1\"\n"
               "echo 'still working' >&2\nwait\n");
  setup_exec(sandbox, {script.string(), pids.string()}, {"timeout_ms=300"});
  const CliRun run =
      sandbox.run({"emit", "channel.created", R"({"channel_id": 1})"});
  CHECK(run.status == 6);
  const json letters = dead_letters(sandbox);
  REQUIRE(letters.size() == 1);
  CHECK(letters[0]["attempts"] == 3);
  CHECK_THAT(letters[0]["last_error"].get<std::string>(),
             Catch::Contains("ran past its 300 ms budget (timeout_ms) and was "
                             "killed with its process group; its stderr: "
                             "still working"));
  const auto runs = lines_of(read_text(pids));
  CHECK(runs.size() == 3);
  for (const std::string& line : runs) {
    std::istringstream in(line);
    long shell = 0, sleeper = 0;
    in >> shell >> sleeper;
    INFO(line);
    CHECK_FALSE(eventhost::test::process_alive(shell));
    CHECK_FALSE(eventhost::test::process_alive(sleeper));
  }
}

TEST_CASE(
    "exec runs at most max_concurrent programs at once in the thread "
    "tier") {
  CliSandbox sandbox;
  const fs::path running = sandbox.root() / "running";
  fs::create_directory(running);
  const fs::path log = sandbox.root() / "seen.txt";
  const fs::path script = sandbox.root() / "count.sh";
  // Each run marks itself in `running`, notes how many marks it sees, and
  // stays a while, so runs the host starts together overlap.
  write_script(script,
               "#!/bin/sh\ntouch \"$1/$$\"\nls \"$1\" | wc -l >> \"$2\"\n"
               "sleep 0.3\nrm \"$1/$$\"\n");
  setup_exec(sandbox, {script.string(), running.string(), log.string()},
             {"max_concurrent=2", "--isolation", "thread"});
  std::string lines;
  for (int i = 0; i < 8; ++i) {
    lines += R"({"event": "channel.created", "data": {"channel_id": )" +
             std::to_string(i) + "}}\n";
  }
  // Four dispatch threads, so the host itself would run four at once.
  const CliRun run =
      sandbox.run({"--threads", "4", "emit", "--ndjson", "-"}, lines);
  INFO(run.err);
  REQUIRE(run.status == 0);
  const auto seen = lines_of(read_text(log));
  REQUIRE(seen.size() == 8);
  for (const std::string& count : seen) {
    INFO(read_text(log));
    CHECK(std::stoi(count) <= 2);
  }
}

TEST_CASE("exec with a command it cannot use does not start, and says why") {
  CliSandbox sandbox;
  sandbox.add_plugin("exec.so");
  REQUIRE(sandbox
              .run({"plugins", "configure", "exec",
                    "command=/usr/bin/logger event"})
              .status == 0);
  const CliRun enabled = sandbox.run({"plugins", "enable", "exec"});
  CHECK(enabled.status != 0);
  CHECK_THAT(enabled.err,
             Catch::Contains("exec: command: expects a JSON array of the "
                             "program and its arguments"));
}

TEST_CASE("the exec file passes plugins validate --strict") {
  CliSandbox sandbox;
  const CliRun run =
      sandbox.run({"plugins", "validate",
                   eventhost::test::shipped_plugin("exec.so"), "--strict"});
  INFO(run.out << run.err);
  CHECK(run.status == 0);
}
