// Host: enabling, pinning, configuring, the circuit breaker, actions, the
// host's own events, and what survives a restart.
#include <catch2/catch.hpp>
#include <fstream>

#include "common/error.h"
#include "host_fixture.h"

using namespace eventhost;
using namespace eventhost::testing;

namespace {

template <typename Fn>
ErrorKind kind_thrown(Fn&& fn, std::string* message = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (message != nullptr) *message = e.what();
    return e.kind();
  }
  FAIL("no eventhost::Error was thrown");
  return ErrorKind::kInternal;
}

}  // namespace

TEST_CASE(
    "a plugin failing breaker_threshold times in a row is switched off "
    "and plugin.disabled says why") {
  Sandbox box;
  box.add_test_plugin("failing.so");
  box.add_shipped_plugin("audit_log.so");
  const fs::path audit = box.file("audit.jsonl");
  Outcomes outcomes;
  Host host(host_options(box, &outcomes, /*breaker_threshold=*/3));
  host.configure("audit_log", {{"path", audit.string()}});
  host.enable("audit_log");
  host.enable("failing");
  REQUIRE(host.start(false).empty());

  for (int i = 0; i < 3; ++i) host.emit("channel.created", channel_payload(i));
  REQUIRE(host.wait_idle(kIdleTimeout));
  // Tripped: later events are not even queued for it.
  for (int i = 3; i < 6; ++i) {
    CHECK(host.emit("channel.created", channel_payload(i)).queued == 1);
  }
  REQUIRE(host.wait_idle(kIdleTimeout));

  CHECK(outcomes.count("failing", Outcome::kError) == 3);
  CHECK(outcomes.of("failing").size() == 3);
  const PluginView view = host.plugin("failing");
  CHECK_FALSE(view.enabled);
  REQUIRE(view.state);
  CHECK_THAT(view.state->disabled_reason,
             Catch::StartsWith("failed 3 times in a row"));
  CHECK_THAT(view.state->disabled_reason,
             Catch::Contains("database unreachable"));
  CHECK_THAT(view.status,
             Catch::StartsWith("disabled by breaker: failed 3 times"));

  const auto disabled = audited(audit, "plugin.disabled");
  REQUIRE(disabled.size() == 1);
  CHECK(disabled[0]["data"]["plugin_key"] == "failing");
  CHECK_THAT(disabled[0]["data"]["reason"].get<std::string>(),
             Catch::StartsWith("failed 3 times in a row"));

  // Enabling again clears the breaker's verdict and, in a running
  // session, the plugin gets events again.
  host.enable("failing");
  CHECK(host.plugin("failing").status == "ok");
  CHECK(host.emit("channel.created", channel_payload(6)).queued == 2);
  REQUIRE(host.wait_idle(kIdleTimeout));
  CHECK(outcomes.count("failing", Outcome::kError) == 4);
}

TEST_CASE(
    "settings are checked against the manifest and persist across "
    "hosts") {
  Sandbox box;
  box.add_test_plugin("recorder.so");
  const fs::path record = box.file("recorder.log");
  {
    Host host(host_options(box, nullptr));
    std::string message;
    CHECK(kind_thrown(
              [&] {
                host.configure("recorder", {{"colour", "red"}});
              },
              &message) == ErrorKind::kNotFound);
    CHECK_THAT(message, Catch::Contains("path"));  // lists the real settings
    CHECK(kind_thrown([&] {
            host.configure("recorder", {{"fail_first", "abc"}});
          }) == ErrorKind::kInvalidInput);
    CHECK(kind_thrown([&] {
            host.configure("nobody", {{"path", "x"}});
          }) == ErrorKind::kNotFound);
    // A refused assignment stores nothing, not even its valid neighbours.
    CHECK(kind_thrown([&] {
            host.configure("recorder",
                           {{"path", record.string()}, {"fail_first", "abc"}});
          }) == ErrorKind::kInvalidInput);
    CHECK(host.plugin("recorder").settings.at("path") == "");

    host.configure("recorder",
                   {{"path", record.string()}, {"fail_first", "2"}});
  }
  Host again(host_options(box, nullptr));
  const PluginView view = again.plugin("recorder");
  CHECK(view.settings.at("path") == record.string());
  CHECK(view.settings.at("fail_first") == 2);
}

TEST_CASE(
    "configuring a running plugin applies at once through its "
    "configure hook") {
  Sandbox box;
  box.add_test_plugin("recorder.so");
  const fs::path first = box.file("first.log");
  const fs::path second = box.file("second.log");
  Host host(host_options(box, nullptr));
  host.configure("recorder", {{"path", first.string()}});
  host.enable("recorder");
  REQUIRE(host.start(false).empty());

  const auto before = host.emit("channel.created", channel_payload(1));
  host.configure("recorder", {{"path", second.string()}});
  const auto after = host.emit("channel.created", channel_payload(2));
  REQUIRE(host.wait_idle(kIdleTimeout));

  const auto in_first = recorded(first);
  const auto in_second = recorded(second);
  REQUIRE(in_first.size() == 1);
  REQUIRE(in_second.size() == 1);
  CHECK(in_first[0].id == before.event_id);
  CHECK(in_second[0].id == after.event_id);
}

TEST_CASE(
    "a plugin file changed after it was enabled is not loaded until "
    "enabled again") {
  Sandbox box;
  const fs::path file = box.add_test_plugin("recorder.so");
  const fs::path record = box.file("recorder.log");
  Outcomes outcomes;
  Host host(host_options(box, &outcomes));
  host.configure("recorder", {{"path", record.string()}});
  host.enable("recorder");
  REQUIRE(host.plugin("recorder").status == "ok");
  {
    std::ofstream out(file, std::ios::binary | std::ios::app);
    out << "appended by someone else";
  }

  const PluginView changed = host.plugin("recorder");
  CHECK_THAT(changed.status, Catch::StartsWith("changed:"));
  CHECK(changed.enabled);
  CHECK_FALSE(changed.loadable);
  const auto problems = host.start(false);
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0], Catch::StartsWith("recorder: not loaded: changed:"));
  CHECK(host.emit("channel.created", channel_payload(1)).queued == 0);
  REQUIRE(host.wait_idle(kIdleTimeout));
  CHECK_FALSE(fs::exists(record));

  // The user trusts the new file: it is pinned again and loaded at once.
  CHECK(host.enable("recorder").status == "ok");
  const auto out = host.emit("channel.created", channel_payload(2));
  CHECK(out.queued == 1);
  REQUIRE(host.wait_idle(kIdleTimeout));
  const auto lines = recorded(record);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].id == out.event_id);
}

TEST_CASE("enabled plugins and their settings and counters survive a restart") {
  Sandbox box;
  box.add_test_plugin("recorder.so");
  const fs::path record = box.file("recorder.log");
  std::uint64_t last_id_first_session = 0;
  {
    Host host(host_options(box, nullptr));
    host.configure("recorder", {{"path", record.string()}});
    host.enable("recorder");
    REQUIRE(host.start(false).empty());
    for (int i = 0; i < 3; ++i) {
      last_id_first_session =
          host.emit("channel.created", channel_payload(i)).event_id;
    }
    REQUIRE(host.wait_idle(kIdleTimeout));
    CHECK(host.stop().clean);
  }
  Host host(host_options(box, nullptr));
  PluginView view = host.plugin("recorder");
  CHECK(view.enabled);
  CHECK(view.status == "ok");
  CHECK(view.settings.at("path") == record.string());
  CHECK(view.counters.delivered == 3);

  REQUIRE(host.start(false).empty());
  const auto out = host.emit("channel.created", channel_payload(9));
  CHECK(out.event_id > last_id_first_session);  // ids are never reused
  CHECK(host.emit("channel.created", channel_payload(10)).queued == 1);
  REQUIRE(host.wait_idle(kIdleTimeout));
  host.stop();
  CHECK(host.plugin("recorder").counters.delivered == 5);
  CHECK(recorded(record).size() == 5);
}

TEST_CASE(
    "actions run in a session and answer while unknown ones are refused") {
  Sandbox box;
  box.add_test_plugin("recorder.so");
  Host host(host_options(box, nullptr));
  host.configure("recorder", {{"path", box.file("recorder.log").string()}});
  host.enable("recorder");
  // Not running yet: there is no code to ask.
  CHECK(kind_thrown([&] { host.run_action("recorder", "ping", "{}"); }) ==
        ErrorKind::kRefused);
  REQUIRE(host.start(false).empty());

  CHECK(host.run_action("recorder", "ping", "{}") == "pong");
  std::string message;
  CHECK(kind_thrown([&] { host.run_action("recorder", "pang", "{}"); },
                    &message) == ErrorKind::kNotFound);
  CHECK_THAT(message, Catch::Contains("ping"));
  CHECK(kind_thrown([&] { host.run_action("recorder", "ping", "[1]"); }) ==
        ErrorKind::kInvalidInput);
}

TEST_CASE(
    "login_guard suggests a lockout after 5 failed logins and reset "
    "forgets them") {
  Sandbox box;
  box.add_shipped_plugin("login_guard.so");
  box.add_shipped_plugin("audit_log.so");
  const fs::path audit = box.file("audit.jsonl");
  Outcomes outcomes;
  Host host(host_options(box, &outcomes));
  host.configure("audit_log", {{"path", audit.string()}});
  host.enable("audit_log");
  host.enable("login_guard");
  REQUIRE(host.start(false).empty());
  const auto fail_login = [&](int times) {
    for (int i = 0; i < times; ++i) {
      host.emit("auth.login_failed", R"({"username":"bob","reason":"bad"})");
    }
    REQUIRE(host.wait_idle(kIdleTimeout));
  };

  fail_login(4);
  CHECK(audited(audit, "login_guard.lockout_suggested").empty());
  fail_login(1);
  auto suggested = audited(audit, "login_guard.lockout_suggested");
  REQUIRE(suggested.size() == 1);
  CHECK(suggested[0]["data"]["username"] == "bob");
  CHECK(suggested[0]["data"]["attempts"] == 5);
  CHECK(suggested[0]["level"] == "CRITICAL");

  CHECK(host.run_action("login_guard", "reset", R"({"username":"bob"})") ==
        "cleared the failed-login counters of 1 user");
  // Without the reset, bob stays suggested for the whole window and five
  // more failures would say nothing; after it, they count from zero.
  fail_login(4);
  CHECK(audited(audit, "login_guard.lockout_suggested").size() == 1);
  fail_login(1);
  CHECK(audited(audit, "login_guard.lockout_suggested").size() == 2);
  CHECK(outcomes.count("login_guard", Outcome::kOk) == 10);
}

TEST_CASE(
    "plugin.enabled and plugin.configured and plugin.disabled reach the "
    "other enabled plugins") {
  Sandbox box;
  box.add_test_plugin("recorder.so");
  box.add_shipped_plugin("audit_log.so");
  const fs::path audit = box.file("audit.jsonl");
  Host host(host_options(box, nullptr));
  host.configure("audit_log", {{"path", audit.string()}});
  host.enable("audit_log");
  REQUIRE(host.start(false).empty());

  host.enable("recorder");
  host.configure("recorder", {{"path", box.file("recorder.log").string()}});
  host.disable("recorder");
  REQUIRE(host.wait_idle(kIdleTimeout));

  for (const char* event :
       {"plugin.enabled", "plugin.configured", "plugin.disabled"}) {
    INFO(event);
    const auto lines = audited(audit, event);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["data"]["plugin_key"] == "recorder");
    CHECK(lines[0]["data"]["plugin_name"] == "Recorder");
  }
}
