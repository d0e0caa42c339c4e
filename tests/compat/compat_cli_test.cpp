// `eventhost plugins list/info/enable` on incompatible plugins, duplicate
// keys and handler look-alikes, through the real executable.
#include <catch2/catch.hpp>

#include "cli_sandbox.h"

using namespace eventhost::test;

namespace {

const nlohmann::json* find_file(const nlohmann::json& list,
                                const std::string& file_name) {
  for (const auto& item : list) {
    if (fs::path(item["file"].get<std::string>()).filename() == file_name)
      return &item;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("plugins list and enable show why a plugin needs another host") {
  CliSandbox sandbox;
  sandbox.add_plugin("needs_future_host.so");
  const CliRun listed = sandbox.run({"plugins", "list"});
  CHECK(listed.status == 0);
  CHECK_THAT(listed.out,
             Catch::Contains("needs_future_host: incompatible: requires host "
                             ">=99.0, running "));
  const CliRun info = sandbox.run({"plugins", "info", "needs_future_host"});
  CHECK_THAT(info.out, Catch::Contains(">=99.0"));
  const CliRun enabled =
      sandbox.run({"plugins", "enable", "needs_future_host"});
  CHECK(enabled.status == 5);  // refused
  CHECK_THAT(enabled.err,
             Catch::Contains("cannot enable needs_future_host: incompatible: "
                             "requires host >=99.0"));
}

TEST_CASE("plugins list warns of two files with one key, naming the other") {
  CliSandbox sandbox;
  const fs::path first = sandbox.add_plugin("marker.so");
  const fs::path second = sandbox.plugins_dir() / "marker_copy.so";
  fs::copy_file(first, second);
  fs::permissions(second, fs::perms(0644));

  const CliRun listed = sandbox.run({"plugins", "list"});
  CHECK(listed.status == 0);
  CHECK_THAT(listed.out, Catch::Contains("marker: warning: another file "
                                         "declares the same key 'marker': " +
                                         second.string()));
  CHECK_THAT(listed.out, Catch::Contains("marker: warning: another file "
                                         "declares the same key 'marker': " +
                                         first.string()));
  const nlohmann::json json =
      json_of(sandbox.run({"plugins", "list", "--json"}));
  REQUIRE(json.size() == 2);
  const auto* copy = find_file(json, "marker_copy.so");
  REQUIRE(copy != nullptr);
  CHECK((*copy)["warnings"].dump().find(first.string()) != std::string::npos);

  const CliRun enabled = sandbox.run({"plugins", "enable", "marker"});
  CHECK(enabled.status == 5);
  CHECK_THAT(enabled.err, Catch::Contains("remove one of the files"));
}

TEST_CASE("plugins info shows ignored exports and handlers for no event") {
  CliSandbox sandbox;
  sandbox.add_plugin("odd_symbols.so");
  const CliRun info = sandbox.run({"plugins", "info", "odd_symbols"});
  CHECK(info.status == 0);
  CHECK_THAT(info.out, Catch::Contains("Warnings:"));
  CHECK_THAT(info.out, Catch::Contains("ignored export On_x"));
  CHECK_THAT(info.out, Catch::Contains("ignored export on_Test"));
  CHECK_THAT(info.out, Catch::Contains("handler on_chanel_created matches no "
                                       "known event; did you mean "
                                       "channel.created?"));
  const nlohmann::json json =
      json_of(sandbox.run({"plugins", "info", "odd_symbols", "--json"}));
  CHECK(json["ignored_symbols"] ==
        nlohmann::json::array({"On_x", "on_", "on_Test"}));
  CHECK(json["handlers"] ==
        nlohmann::json::array({"on_chanel_created", "on_channel_created"}));
}
