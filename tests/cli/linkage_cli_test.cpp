// Plugin entry points and C++ linkage, through the real executable: the
// host looks up C names, so a handler exported from C++ without extern "C"
// is never called and validate, plugins list and plugins info all say so;
// the SDK's C example copied into a .cpp file is called as it is.
#include <catch2/catch.hpp>

#include "cli_sandbox.h"

using eventhost::test::CliRun;
using eventhost::test::CliSandbox;
using eventhost::test::json_of;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const std::string kLinkage =
    " is exported with C++ linkage, so the host never calls it: declare it "
    "extern \"C\" (or use EH_EXPORT / EH_ON)";

}  // namespace

TEST_CASE(
    "validate, plugins list and plugins info warn about handlers exported "
    "with C++ linkage") {
  CliSandbox sandbox;
  sandbox.add_plugin("cxx_linkage.so");
  const std::string handler =
      "on_channel_created(eh_event const*, eh_context*)" + kLinkage;

  const CliRun validated =
      sandbox.run({"plugins", "validate",
                   (sandbox.plugins_dir() / "cxx_linkage.so").string()});
  INFO(validated.out << validated.err);
  CHECK(validated.status == 0);  // a warning: the plugin still loads
  CHECK(has(validated.out, "cxx_linkage.so: valid"));
  CHECK(has(validated.out, "warning: " + handler));
  CHECK(has(validated.out,
            "warning: alerts::on_channel_deleted(eh_event const*, "
            "eh_context*)" +
                kLinkage));
  CHECK(has(validated.out,
            "warning: eh_plugin_shutdown(eh_context*)" + kLinkage));
  CHECK(has(validated.out, "warning: exports no handler"));
  // Widget::on_click(int) is a method, not a mistaken entry point.
  CHECK_FALSE(has(validated.out, "on_click"));

  const CliRun listed = sandbox.run({"plugins", "list"});
  INFO(listed.out);
  CHECK(listed.status == 0);
  CHECK(has(listed.out, "cxx_linkage: warning: " + handler));
  CHECK(has(listed.out, "cxx_linkage: warning: exports no handler"));

  const CliRun info = sandbox.run({"plugins", "info", "cxx_linkage"});
  INFO(info.out);
  CHECK(info.status == 0);
  CHECK(has(info.out, handler));
  CHECK(has(info.out, "exports no handler"));
  CHECK_FALSE(has(info.out, "on_click"));
}

TEST_CASE(
    "the SDK's C example compiled as C++ exports a C handler that is "
    "called") {
  CliSandbox sandbox;
  sandbox.add_plugin("c_example_cpp.so");
  const CliRun validated = sandbox.run(
      {"plugins", "validate",
       (sandbox.plugins_dir() / "c_example_cpp.so").string(), "--strict"});
  INFO(validated.out);
  CHECK(validated.status == 0);
  CHECK(has(validated.out, "handler on_channel_created -> channel.created"));

  REQUIRE(sandbox.run({"plugins", "enable", "c_example_cpp"}).status == 0);
  const CliRun run = sandbox.run(
      {"emit", "channel.created", R"({"channel_name":"News"})", "--json"});
  INFO(run.out << run.err);
  REQUIRE(run.status == 0);
  const auto out = json_of(run);
  REQUIRE(out["deliveries"].size() == 1);
  CHECK(out["deliveries"][0]["plugin"] == "c_example_cpp");
  CHECK(out["deliveries"][0]["symbol"] == "on_channel_created");
  CHECK(out["deliveries"][0]["outcome"] == "ok");
  // What the handler logged: its code ran.
  CHECK(has(run.err, R"([c_example_cpp] {"channel_name":"News"})"));
}
