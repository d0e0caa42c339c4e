// Host: plugins whose host_version excludes this host, two files with one
// key, and exported handler look-alikes -- with real plugin files.
#include <catch2/catch.hpp>

#include "../core/host_fixture.h"
#include "common/error.h"
#include "eventhost/version.h"
#include "loader/sha256.h"

using namespace eventhost;
using namespace eventhost::testing;

namespace {

bool has_prefix(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

// The Error enable(key) throws; fails the test if it does not throw.
Error enable_error(Host& host, const std::string& key) {
  try {
    host.enable(key);
  } catch (const Error& e) {
    return e;
  }
  FAIL("enable(" + key + ") did not throw");
  return Error(ErrorKind::kInternal, "unreachable");
}

// A second copy of a test plugin under another file name: same key.
fs::path add_copy(Sandbox& box, const std::string& file,
                  const std::string& as) {
  const fs::path target = box.plugins() / as;
  fs::copy_file(fs::path(EH_TEST_PLUGINS_DIR) / file, target);
  fs::permissions(target, fs::perms(0644));
  return target;
}

}  // namespace

TEST_CASE("a plugin needing another host is listed incompatible and refused") {
  Sandbox box;
  box.add_test_plugin("needs_future_host.so");
  box.add_test_plugin("fits_host.so");
  Host host(host_options(box, nullptr));
  const PluginView future = host.plugin("needs_future_host");
  CHECK(future.status ==
        std::string("incompatible: requires host >=99.0, running ") +
            kHostVersion);
  CHECK_FALSE(future.loadable);
  const Error refused = enable_error(host, "needs_future_host");
  CHECK(refused.kind() == ErrorKind::kRefused);
  CHECK_THAT(refused.what(), Catch::Contains(future.status));
  CHECK_FALSE(host.plugin("needs_future_host").enabled);

  CHECK(host.plugin("fits_host").status == "disabled");
  CHECK(host.enable("fits_host").status == "ok");
}

TEST_CASE("an unparsable host_version makes the plugin invalid") {
  Sandbox box;
  box.add_test_plugin("bad_host_range.so");
  Host host(host_options(box, nullptr));
  const PluginView view = host.plugins().at(0);
  CHECK_THAT(view.status, Catch::StartsWith("invalid: "));
  CHECK_THAT(view.status,
             Catch::Contains("host_version clause \"about 0.2\" does not "
                             "start with an operator"));
  CHECK(enable_error(host, "bad_host_range.so").kind() == ErrorKind::kRefused);
}

TEST_CASE("an enabled plugin the host no longer fits is incompatible, not ok") {
  Sandbox box;
  box.add_test_plugin("fits_host.so");
  {
    Host host(host_options(box, nullptr));
    host.enable("fits_host");
  }
  StateStore state(box.state());
  Host host(host_options(box, nullptr));
  const PluginFile& file = host.plugin("fits_host").file;
  // The same file and pin, seen by this host and by an upgraded one.
  const PluginView now = make_plugin_view(file, state, "", {}, kHostVersion);
  CHECK(now.status == "ok");
  CHECK(now.loadable);
  const PluginView upgraded = make_plugin_view(file, state, "", {}, "0.2.0");
  CHECK(upgraded.status ==
        "incompatible: requires host ~=0.1.0, running 0.2.0");
  CHECK(upgraded.enabled);
  CHECK_FALSE(upgraded.loadable);
  // invalid wins over incompatible.
  CHECK(has_prefix(make_plugin_view(file, state, "clash", {}, "0.2.0").status,
                   "invalid: clash"));
}

TEST_CASE("start() does not load an enabled plugin that became incompatible") {
  Sandbox box;
  const fs::path file = box.add_test_plugin("needs_future_host.so");
  {
    // As if an older host that fitted its range had enabled it.
    StateStore state(box.state());
    state.set_enabled("needs_future_host", sha256_file(file), file.string());
  }
  Host host(host_options(box, nullptr));
  CHECK(host.plugin("needs_future_host").enabled);
  const std::vector<std::string> problems = host.start(false);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] ==
        "needs_future_host: not loaded: incompatible: requires host >=99.0, "
        "running " +
            std::string(kHostVersion));
  CHECK(host.runner_stats().empty());
  host.stop();
}

TEST_CASE("two files with one key are both listed, each warning of the other") {
  Sandbox box;
  const fs::path first = box.add_test_plugin("marker.so");
  const fs::path second = add_copy(box, "marker.so", "marker_copy.so");
  Host host(host_options(box, nullptr));
  const std::vector<PluginView> views = host.plugins();
  REQUIRE(views.size() == 2);
  for (const PluginView& view : views) {
    const fs::path& other = view.file.path == first ? second : first;
    CHECK(view.key == "marker");
    CHECK(view.same_key == std::vector<fs::path>{other});
    REQUIRE(view.warnings.size() == 1);
    CHECK_THAT(view.warnings[0], Catch::Contains(other.string()));
    CHECK(view.status == "disabled");
  }
  const Error refused = enable_error(host, "marker");
  CHECK(refused.kind() == ErrorKind::kRefused);
  CHECK_THAT(refused.what(), Catch::Contains(first.string()) &&
                                 Catch::Contains(second.string()) &&
                                 Catch::Contains("remove one"));
  CHECK_FALSE(host.plugin("marker").enabled);
}

TEST_CASE("a duplicate of an enabled plugin blocks it and enable names it") {
  Sandbox box;
  ScopedEnv env("EH_MARKER_FILE", box.file("marker-ran").c_str());
  const fs::path first = box.add_test_plugin("marker.so");
  {
    Host host(host_options(box, nullptr));
    host.enable("marker");
  }
  const fs::path second = add_copy(box, "marker.so", "marker_copy.so");
  Host host(host_options(box, nullptr));
  const PluginView view = host.plugin("marker");
  CHECK(view.file.path == first);  // the file it was enabled from
  CHECK(has_prefix(view.status, "duplicate: key 'marker' is also declared by " +
                                    second.string()));
  CHECK_FALSE(view.loadable);
  const Error refused = enable_error(host, "marker");
  CHECK(refused.kind() == ErrorKind::kRefused);
  CHECK_THAT(refused.what(),
             Catch::Contains("enabled from " + first.string()) &&
                 Catch::Contains(second.string()) &&
                 Catch::Contains("'marker'"));
  const std::vector<std::string> problems = host.start(false);
  CHECK(problems.size() == 2);  // neither copy is loaded
  CHECK(host.runner_stats().empty());
  CHECK_FALSE(fs::exists(box.file("marker-ran")));
  host.stop();
}

TEST_CASE("handler look-alikes are ignored and unknown handlers warned about") {
  Sandbox box;
  box.add_test_plugin("odd_symbols.so");
  Host host(host_options(box, nullptr));
  const PluginView view = host.plugin("odd_symbols");
  CHECK(view.file.handler_symbols ==
        std::vector<std::string>{"on_chanel_created", "on_channel_created"});
  CHECK(view.file.ignored_symbols ==
        std::vector<std::string>{"On_x", "on_", "on_Test"});
  REQUIRE(view.warnings.size() == 4);
  CHECK(has_prefix(view.warnings[0], "ignored export On_x: not a handler"));
  CHECK(has_prefix(view.warnings[1], "ignored export on_: not a handler"));
  CHECK(has_prefix(view.warnings[2], "ignored export on_Test: not a handler"));
  CHECK(view.warnings[3] ==
        "handler on_chanel_created matches no known event; did you mean "
        "channel.created?");
  CHECK(view.status == "disabled");
}
