// Host::configure when the running plugin's configure hook refuses the new
// settings: nothing is saved, and the plugin gets its old settings back.
#include <catch2/catch.hpp>

#include "common/error.h"
#include "host_fixture.h"

using namespace eventhost;
using namespace eventhost::testing;

TEST_CASE(
    "settings a running plugin rejects are not saved and the plugin keeps "
    "its old ones") {
  Sandbox box;
  box.add_shipped_plugin("audit_log.so");
  const fs::path audit = box.file("audit.jsonl");
  const std::string unopenable =
      box.file("no-such-folder/audit.jsonl").string();
  {
    Host host(host_options(box, nullptr));
    host.configure("audit_log", {{"path", audit.string()}});
    host.enable("audit_log");
    REQUIRE(host.start(false).empty());

    std::string message;
    try {
      host.configure("audit_log", {{"path", unopenable}});
      FAIL("the plugin's refusal was not reported");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::kInvalidInput);
      message = e.what();
    }
    CHECK_THAT(message, Catch::Contains("audit_log rejected the settings"));
    CHECK_THAT(message, Catch::Contains("cannot open"));
    CHECK_THAT(message, Catch::Contains("nothing was saved"));
    CHECK(host.plugin("audit_log").settings.at("path") == audit.string());

    // It writes where it wrote before: its old settings were given back.
    host.emit("channel.created", channel_payload(7));
    REQUIRE(host.wait_idle(kIdleTimeout));
    CHECK(audited(audit, "channel.created").size() == 1);
    host.stop();
  }
  Host again(host_options(box, nullptr));
  CHECK(again.plugin("audit_log").settings.at("path") == audit.string());
}
