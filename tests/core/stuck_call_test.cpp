// A plugin call still running when the host stops: the host reports it,
// leaves it running (it may never return) and can be destroyed at once;
// what the call does afterwards must not reach the destroyed Host.
#include <eventhost/plugin.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "host_fixture.h"

using namespace eventhost;
using namespace eventhost::testing;

namespace {

// Waits (polling) until `file` exists; false after `limit`. Only a broken
// host or plugin waits that long.
bool wait_for_file(const fs::path& file,
                   std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!fs::exists(file)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The scenario runs in a child process that ends with std::_Exit(), as the
// front ends end a process whose stop() left a call running (the CLI's
// session, the daemon): the call is never joined, so nothing orders it
// before the static destructors of a normal exit, and ThreadSanitizer
// rightly reports that. (TSan also checks for unjoined threads in _exit,
// not in _Exit.) The child's status says how far it got.
enum Step : int {
  kPassed = 0,
  kNotEntered = 10,
  kStoppedCleanly,
  kNotReportedBusy,
  kNoResult,
  kNotRefused,
};

int run_stuck_call(const Sandbox& box) {
  const fs::path entered = box.file("entered"), release = box.file("release"),
                 result = box.file("emit-result");
  HostOptions options = host_options(box, nullptr);
  options.shutdown_grace = std::chrono::milliseconds(50);
  // Heap-allocated and freed below, as a front end's local Host is
  // destroyed right after stop().
  auto host = std::make_unique<Host>(options);
  host->configure("blocker", {{"entered_file", entered.string()},
                              {"release_file", release.string()},
                              {"emit_result_file", result.string()}});
  host->enable("blocker");
  if (!host->start(false).empty() ||
      host->emit("channel.created", channel_payload(1)).queued != 1 ||
      !wait_for_file(entered)) {
    return kNotEntered;
  }
  const Host::StopReport report = host->stop();
  if (report.clean) return kStoppedCleanly;
  if (report.busy != std::vector<std::string>{"blocker"}) {
    return kNotReportedBusy;
  }
  host.reset();

  // Released, the call emits channel.updated and writes down the answer.
  std::ofstream(release).put('\n');
  if (!wait_for_file(result)) return kNoResult;
  if (read_text(result) != std::to_string(EH_ERR_REFUSED) + "\n") {
    return kNotRefused;
  }
  return kPassed;
}

}  // namespace

TEST_CASE(
    "a call that outlives its host's stop finds the host gone: its emit is "
    "refused and nothing reaches the destroyed host") {
  Sandbox box;
  box.add_test_plugin("blocker.so");
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    int status = 1;
    try {
      status = run_stuck_call(box);
    } catch (...) {
    }
    std::_Exit(status);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  INFO("child status " << status << " (exit " << WEXITSTATUS(status)
                       << ", signal "
                       << (WIFSIGNALED(status) ? WTERMSIG(status) : 0)
                       << "; see enum Step)");
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == kPassed);
}
