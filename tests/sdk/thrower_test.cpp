// The thrower test plugin, built like any C++ plugin: its exception must
// come back as EH_ERR_EXCEPTION with the message, never cross dlopen's
// boundary into the caller.
#include <catch2/catch.hpp>
#include <string>

#include "loaded_plugin.h"

TEST_CASE("a built C++ plugin's throw arrives as EH_ERR_EXCEPTION + message") {
  LoadedPlugin plugin("thrower", EH_TEST_PLUGINS_DIR);
  REQUIRE(plugin.init_rc == EH_OK);
  std::string payload = R"({"channel_id":5,"channel_name":"News"})";
  eh_event ev = recording_host::make_event("channel.created", payload);
  CHECK(plugin.deliver("on_channel_created", ev) == EH_ERR_EXCEPTION);
  REQUIRE(plugin.ctx.errors.size() == 1);
  CHECK(plugin.ctx.errors[0] == "boom: channel 5");
}
