// The daemon against a plugin that tries to start an endless storm (echo
// re-emits every channel.updated it handles): the chain stops at the
// config file's max-emit-depth, and every refused emit, by depth or by the
// manifest's max_emits_per_second, is counted in /metrics and the stats.
#include <fstream>

#include "daemon_test_support.h"

namespace eventhost::test {
namespace {

// eventhost_emits_refused_total for echo and `reason`; 0 if not there yet.
double refused_metric(const DaemonProcess& daemon, const std::string& reason) {
  const std::string text = daemon.get("/metrics").body;
  const std::regex line(
      "eventhost_emits_refused_total\\{plugin=\"echo\",reason=\"" + reason +
      "\"\\} ([0-9.e+]+)");
  std::smatch m;
  return std::regex_search(text, m, line) ? std::stod(m[1]) : 0.0;
}

}  // namespace

TEST_CASE(
    "the daemon stops a storm at the config file's max-emit-depth and counts "
    "refused emits in /metrics") {
  CliSandbox sandbox;
  sandbox.add_plugin("echo.so");
  REQUIRE(sandbox.run({"plugins", "enable", "echo"}).status == 0);
  const fs::path config = sandbox.root() / "eventhost.conf";
  {
    std::ofstream out(config);
    out << "max-emit-depth = 2\n";
  }
  DaemonProcess daemon(sandbox, {"--config", config.string()});
  REQUIRE(daemon.ready());

  REQUIRE(daemon
              .send("POST", "/api/events",
                    R"({"event": "channel.updated", "data": {}})")
              .status == 200);
  REQUIRE(wait_until([&] { return refused_metric(daemon, "depth") == 1; }));
  const CliRun listed =
      sandbox.run({"journal", "list", "--event", "channel.updated", "--json"});
  INFO(listed.err);
  CHECK(json_of(listed).size() == 1 + 2);
  CHECK_THAT(daemon.log(),
             Catch::Contains(
                 "plugin echo emitted channel.updated at depth 3 (limit 2"));

  // One call emitting far past echo's 50 a second.
  const json burst = parse(daemon.send(
      "POST", "/api/plugins/echo/actions/burst", R"({"count": 300})"));
  const json answer = json::parse(burst["result"].get<std::string>());
  const auto refused = answer["refused"].get<long>();
  CHECK(refused >= 250);
  CHECK(refused_metric(daemon, "rate") == static_cast<double>(refused));
  const json stats = parse(daemon.get("/api/events/stats"));
  CHECK(stats["emits_refused"]["depth"] == 1);
  CHECK(stats["emits_refused"]["rate"] == refused);
  CHECK(daemon.stop() == 0);
}

}  // namespace eventhost::test
