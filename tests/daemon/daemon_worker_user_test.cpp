// `eventhost run --worker-user USER`: a daemon running as root starts its
// process-tier workers as USER, with no_new_privs; one not running as root
// refuses the option.
#include <pwd.h>

#include "daemon_test_support.h"

using namespace eventhost::test;

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
