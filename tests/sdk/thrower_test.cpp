// The thrower test plugin, built like any C++ plugin: its exception must
// come back as EH_ERR_EXCEPTION with the message, never cross dlopen's
// boundary into the caller.
#include <catch2/catch.hpp>
#include <eventhost/testing.hpp>

#include "shipped_plugin.h"

TEST_CASE("a built C++ plugin's throw arrives as EH_ERR_EXCEPTION + message") {
  eventhost::testing::Plugin plugin(test_plugin("thrower"));
  const auto call = plugin.feed("channel.created",
                                R"({"channel_id":5,"channel_name":"News"})");
  CHECK(call.called);
  CHECK(call.outcome == "exception");
  CHECK(call.code == EH_ERR_EXCEPTION);
  CHECK(call.error == "boom: channel 5");
}
