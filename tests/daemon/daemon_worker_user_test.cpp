// `eventhost run --worker-user USER`: a daemon running as root starts its
// process-tier workers as USER, with no_new_privs; one not running as root
// refuses the option.
#include <grp.h>
#include <pwd.h>

#include <cstdlib>

#include "daemon_test_support.h"

using namespace eventhost::test;

namespace {

// Runs `eventhost run --worker-user nobody` as the user `nobody`: from a
// copy of the binary in a folder nobody can reach (the build tree may be
// private), with its stderr through a pipe. Returns the exit status and
// what it wrote.
CliRun run_as_nobody(const passwd& nobody) {
  const fs::path folder =
      fs::temp_directory_path() / ("eh-nobody-" + std::to_string(::getpid()));
  fs::create_directories(folder);
  fs::permissions(folder, fs::perms(0755));
  const fs::path binary = folder / "eventhost";
  fs::copy_file(EH_EVENTHOST_BIN, binary, fs::copy_options::overwrite_existing);
  fs::permissions(binary, fs::perms(0755));
  int err[2];
  REQUIRE(::pipe(err) == 0);
  const std::string state = (folder / "state.db").string();
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(err[1], 2);
    ::close(err[0]);
    ::close(err[1]);
    if (::setgroups(0, nullptr) != 0 || ::setgid(nobody.pw_gid) != 0 ||
        ::setuid(nobody.pw_uid) != 0) {
      std::_Exit(126);
    }
    const char* argv[] = {binary.c_str(),  "--state",  state.c_str(),
                          "run",           "--listen", "127.0.0.1:0",
                          "--worker-user", "nobody",   nullptr};
    ::execv(argv[0], const_cast<char* const*>(argv));
    std::_Exit(127);
  }
  ::close(err[1]);
  CliRun run;
  char buffer[4096];
  for (ssize_t n; (n = ::read(err[0], buffer, sizeof buffer)) > 0;)
    run.err.append(buffer, static_cast<std::size_t>(n));
  ::close(err[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  fs::remove_all(folder);
  return run;
}

}  // namespace

TEST_CASE(
    "a daemon not running as root refuses --worker-user and says to drop "
    "it") {
  const passwd* nobody = ::getpwnam("nobody");
  REQUIRE(nobody != nullptr);
  CliRun run;
  uid_t runs_as = ::geteuid();
  if (runs_as == 0) {
    run = run_as_nobody(*nobody);
    runs_as = nobody->pw_uid;
  } else {
    CliSandbox sandbox;
    run = sandbox.run(
        {"run", "--listen", "127.0.0.1:0", "--worker-user", "nobody"});
  }
  CHECK(run.status == 2);
  CHECK_THAT(run.err, Catch::Contains("needs eventhost to run as root (it "
                                      "runs as uid " +
                                      std::to_string(runs_as)));
  CHECK_THAT(run.err, Catch::Contains("drop the option"));
}

TEST_CASE(
    "a root daemon with --worker-user nobody runs its workers as nobody, "
    "without root the option is refused") {
  CliSandbox sandbox;
  const passwd* nobody = ::getpwnam("nobody");
  REQUIRE(nobody != nullptr);
  if (::geteuid() != 0) {
    const CliRun run = sandbox.run(
        {"run", "--listen", "127.0.0.1:0", "--worker-user", "nobody"});
    CHECK(run.status == 2);
    CHECK_THAT(run.err, Catch::Contains("needs eventhost to run as root"));
    return;
  }
  sandbox.add_plugin("escaper_bare.so");
  REQUIRE(sandbox.run({"plugins", "enable", "escaper_bare"}).status == 0);
  const uid_t uid = nobody->pw_uid;
  const gid_t gid = nobody->pw_gid;
  {
    // The sandbox's own folder is private (0700): nobody cannot reach the
    // plugin file, and the log says so.
    DaemonProcess daemon(sandbox, {"--worker-user", "nobody"});
    REQUIRE(daemon.ready());
    REQUIRE(daemon.stop() == 0);
    CHECK_THAT(daemon.log(),
               Catch::Contains("running as uid " + std::to_string(uid) +
                               ", cannot read"));
  }
  fs::permissions(sandbox.root(), fs::perms(0711));

  DaemonProcess daemon(sandbox, {"--worker-user", "nobody"});
  REQUIRE(daemon.ready());
  const HttpReply reply =
      daemon.send("POST", "/api/plugins/escaper_bare/actions/try",
                  R"({"escape": "identity"})");
  REQUIRE(reply.status == 200);
  const json identity =
      json::parse(parse(reply).at("result").get<std::string>());
  CHECK(identity.at("value") == uid);  // the effective uid
  CHECK(identity.at("gid") == gid);
  CHECK(identity.at("no_new_privs") == 1);

  // Without the option the worker runs as the daemon's user, root.
  REQUIRE(daemon.stop() == 0);
  DaemonProcess as_root(sandbox);
  REQUIRE(as_root.ready());
  const HttpReply root_reply =
      as_root.send("POST", "/api/plugins/escaper_bare/actions/try",
                   R"({"escape": "identity"})");
  REQUIRE(root_reply.status == 200);
  CHECK(json::parse(parse(root_reply).at("result").get<std::string>())
            .at("value") == 0);
}

TEST_CASE("an unknown --worker-user is a usage error") {
  CliSandbox sandbox;
  const CliRun run = sandbox.run(
      {"run", "--listen", "127.0.0.1:0", "--worker-user", "no-such-user-here"});
  CHECK(run.status == 2);
  CHECK_THAT(run.err, Catch::Contains("no-such-user-here"));
}
