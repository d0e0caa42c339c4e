// Host: what discovery shows and refuses, and that it never runs plugin
// code; that only enabled, usable plugins are ever called.
#include <catch2/catch.hpp>

#include "common/error.h"
#include "host_fixture.h"

using namespace eventhost;
using namespace eventhost::testing;

namespace {

const PluginView* find_by_file(const std::vector<PluginView>& views,
                               const std::string& file_name) {
  for (const PluginView& v : views) {
    if (v.file.path.filename() == file_name) return &v;
  }
  return nullptr;
}

}  // namespace

TEST_CASE(
    "discovery listing and enabling run no plugin code but starting does") {
  Sandbox box;
  box.add_test_plugin("marker.so");
  box.add_test_plugin("recorder.so");
  const fs::path marker_file = box.file("marker-ran");
  // marker.so creates this file from a library constructor, i.e. the moment
  // it is dlopen()ed, before any eventhost call.
  ScopedEnv env("EH_MARKER_FILE", marker_file.c_str());

  Outcomes outcomes;
  Host host(host_options(box, &outcomes));
  REQUIRE(host.plugins().size() == 2);
  const PluginView marker = host.plugin("marker");
  CHECK(marker.file.handler_symbols ==
        std::vector<std::string>{"on_channel_created"});
  CHECK(marker.status == "disabled");
  host.enable("marker");  // pins the SHA-256: reads the file as data only
  CHECK(host.plugin("marker").status == "ok");
  CHECK_FALSE(fs::exists(marker_file));

  REQUIRE(host.start(false).empty());
  CHECK(fs::exists(marker_file));
  const EmitOutcome out = host.emit("channel.created", channel_payload(1));
  CHECK(out.queued == 1);
  REQUIRE(host.wait_idle(kIdleTimeout));
  CHECK(outcomes.count("marker", Outcome::kOk) == 1);
}

TEST_CASE("a plugin that is present but not enabled is never called") {
  Sandbox box;
  box.add_test_plugin("recorder.so");
  box.add_shipped_plugin("audit_log.so");
  const fs::path record = box.file("recorder.log");
  const fs::path audit = box.file("audit.jsonl");

  Host host(host_options(box, nullptr));
  // Configured (so it could write) but never enabled.
  host.configure("recorder", {{"path", record.string()}});
  // audit_log takes every event: the witness that events did flow.
  host.configure("audit_log", {{"path", audit.string()}});
  host.enable("audit_log");
  REQUIRE(host.start(false).empty());

  for (int i = 0; i < 3; ++i) {
    CHECK(host.emit("channel.created", channel_payload(i)).queued == 1);
  }
  CHECK(host.emit("auth.login_failed", R"({"username":"bob"})").queued == 1);
  REQUIRE(host.wait_idle(kIdleTimeout));

  CHECK(read_lines(audit).size() == 4);
  CHECK_FALSE(fs::exists(record));
  CHECK(host.plugin("recorder").counters.delivered == 0);
}

TEST_CASE(
    "a plugin file writable by its group is invalid and cannot be enabled") {
  Sandbox box;
  const fs::path file = box.add_test_plugin("recorder.so");
  fs::permissions(file, fs::perms(0664));

  Host host(host_options(box, nullptr));
  const auto views = host.plugins();
  const PluginView* view = find_by_file(views, "recorder.so");
  REQUIRE(view != nullptr);
  CHECK(view->status.rfind("invalid: ", 0) == 0);
  CHECK(view->status.find("chmod") != std::string::npos);
  CHECK_FALSE(view->loadable);
  try {
    host.enable(view->key);
    FAIL("enabling a group-writable plugin succeeded");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kRefused);
    CHECK(std::string(e.what()).find("chmod") != std::string::npos);
  }
  CHECK_FALSE(host.plugin(view->key).enabled);
}

TEST_CASE(
    "damaged and foreign plugin files are listed with their problem and "
    "refused without stopping a good plugin beside them") {
  Sandbox box;
  for (const char* name : {"wrong_abi.so", "garbage.so", "no_manifest.so",
                           "truncated.so", "recorder.so"}) {
    box.add_test_plugin(name);
  }
  const fs::path record = box.file("recorder.log");

  Outcomes outcomes;
  Host host(host_options(box, &outcomes));
  const auto views = host.plugins();
  REQUIRE(views.size() == 5);
  for (const char* name :
       {"wrong_abi.so", "garbage.so", "no_manifest.so", "truncated.so"}) {
    INFO(name);
    const PluginView* view = find_by_file(views, name);
    REQUIRE(view != nullptr);
    CHECK(view->status.rfind("invalid: ", 0) == 0);
    CHECK_FALSE(view->loadable);
    CHECK_THROWS_MATCHES(
        host.enable(view->key), Error,
        Catch::Predicate<Error>(
            [](const Error& e) { return e.kind() == ErrorKind::kRefused; },
            "kind is kRefused"));
  }
  // Each problem says what is wrong in words a user can act on.
  CHECK_THAT(find_by_file(views, "wrong_abi.so")->status,
             Catch::Contains("ABI", Catch::CaseSensitive::No));
  CHECK_THAT(find_by_file(views, "no_manifest.so")->status,
             Catch::Contains("manifest"));

  host.configure("recorder", {{"path", record.string()}});
  host.enable("recorder");
  REQUIRE(host.start(false).empty());
  const EmitOutcome out = host.emit("channel.created", channel_payload(7));
  REQUIRE(host.wait_idle(kIdleTimeout));
  const auto lines = recorded(record);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].id == out.event_id);
}
