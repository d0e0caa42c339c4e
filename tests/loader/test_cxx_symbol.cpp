// Recognising plugin entry points that were exported with C++ linkage:
// the mangled-name parser on real and on hostile names, and the loader
// sorting a C++ plugin's mangled exports.
#include <catch2/catch.hpp>

#include "loader/cxx_symbol.h"
#include "loader/plugin_file.h"
#include "plugin_dir.h"

namespace eventhost {
namespace {

TEST_CASE("a mangled handler at global scope parses to its name") {
  const auto f =
      parse_mangled_function("_Z18on_channel_createdPK8eh_eventP10eh_context");
  REQUIRE(f.has_value());
  CHECK(f->name == "on_channel_created");
  CHECK_FALSE(f->nested);
  CHECK(f->takes_abi_types);
  CHECK(demangle_symbol("_Z18on_channel_createdPK8eh_eventP10eh_context") ==
        "on_channel_created(eh_event const*, eh_context*)");
}

TEST_CASE(
    "a mangled function in a namespace or class parses to its last "
    "name") {
  const auto handler = parse_mangled_function(
      "_ZN6alerts18on_channel_deletedEPK8eh_eventP10eh_context");
  REQUIRE(handler.has_value());
  CHECK(handler->name == "on_channel_deleted");
  CHECK(handler->nested);
  CHECK(handler->takes_abi_types);
  const auto method = parse_mangled_function("_ZNK6Widget8on_clickEi");
  REQUIRE(method.has_value());
  CHECK(method->name == "on_click");
  CHECK(method->nested);
  CHECK_FALSE(method->takes_abi_types);
  // A longer type name ending in "10eh_context" is not eh_context.
  CHECK_FALSE(
      parse_mangled_function("_Z4on_xP110eh_context_and_some_more_stuff_x")
          ->takes_abi_types);
}

TEST_CASE("C names, templates and damaged mangled names are not parsed") {
  for (const char* symbol :
       {"on_channel_created", "eh_plugin_init", "", "_Z", "_Z0", "_Z9on_x",
        "_Z99999999999999999999999on_x", "_ZN6alerts4on_x", "_ZN",
        "_Z4on_xIiEvT_", "_ZN2ns4on_xIiEEvv", "_ZNS_4on_xEv", "_ZZ3fooE1x"}) {
    INFO(symbol);
    CHECK_FALSE(parse_mangled_function(symbol).has_value());
  }
  // Nothing to demangle: shown as it is.
  CHECK(demangle_symbol("_Z9on_x") == "_Z9on_x");
}

TEST_CASE(
    "a C++ plugin's entry points without extern \"C\" are reported, "
    "not taken for handlers") {
  test::PluginDir dir;
  const PluginFile file = inspect_plugin_file(dir.add("cxx_linkage.so"));
  INFO(file.problem);
  REQUIRE(file.usable());
  CHECK(file.handler_symbols.empty());
  CHECK(file.ignored_symbols.empty());
  CHECK_FALSE(file.has_shutdown);
  CHECK(file.cxx_linkage_exports ==
        std::vector<std::string>{
            "alerts::on_channel_deleted(eh_event const*, eh_context*)",
            "eh_plugin_shutdown(eh_context*)",
            "on_channel_created(eh_event const*, eh_context*)"});
}

TEST_CASE("a C++ plugin built on plugin.hpp has no C++ linkage exports") {
  test::PluginDir dir;
  const PluginFile file = inspect_plugin_file(dir.add("thrower.so"));
  INFO(file.problem);
  REQUIRE(file.usable());
  CHECK(file.handler_symbols == std::vector<std::string>{"on_channel_created"});
  CHECK(file.has_init);
  CHECK(file.cxx_linkage_exports.empty());
}

}  // namespace
}  // namespace eventhost
