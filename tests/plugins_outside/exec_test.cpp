// The exec plugin loaded as built through eventhost/testing.hpp: the
// commands its configure refuses, and a run of a program found on PATH.
#include <catch2/catch.hpp>
#include <eventhost/testing.hpp>
#include <map>

#include "outside_support.h"

using eventhost::test::quoted;
using eventhost::test::shipped_plugin;
using eventhost::testing::Plugin;

namespace {
const std::string kExec = shipped_plugin("exec.so");
}  // namespace

TEST_CASE("exec's configure refuses a command that is not an argument list") {
  Plugin plugin(kExec, {{"command", quoted(R"(["/bin/true"])")}});
  struct Bad {
    std::string setting, value, says;
  };
  const Bad bad[] = {
      {"command", quoted("/usr/bin/logger hello"),
       "expects a JSON array of the program and its arguments"},
      {"command", quoted(R"({"program": "/bin/true"})"),
       "expects a JSON array"},
      {"command", quoted("[]"), "the array is empty"},
      {"command", quoted(R"(["/bin/true", 1])"), "must be a string"},
      {"command", quoted(R"([""])"), "the program name is empty"},
      {"command", quoted(R"(["bin/true"])"), "is a relative path"},
      {"command", quoted(R"(["/nonexistent/notify"])"),
       "is not an executable file"},
      {"command", quoted(R"(["no-such-program-eh"])"),
       "no program 'no-such-program-eh' on PATH"},
      {"timeout_ms", "0", "from 1 to 60000"},
      {"timeout_ms", "60001", "from 1 to 60000"},
      {"max_concurrent", "5", "from 1 to 4"},
      {"events", quoted("recording.*,"), ""},
      {"events", quoted("Recording.*"), "not an event pattern"},
  };
  const std::map<std::string, std::string> good = {
      {"command", quoted(R"(["/bin/true"])")},
      {"timeout_ms", "10000"},
      {"max_concurrent", "4"},
      {"events", quoted("*")}};
  for (const Bad& b : bad) {
    const auto call = plugin.set(b.setting, b.value);
    INFO(b.setting << "=" << b.value << " -> " << call.error);
    if (b.says.empty()) {  // a trailing comma is fine
      CHECK(call.ok());
    } else {
      CHECK(call.code == EH_ERR_INVALID_ARGUMENT);
      CHECK_THAT(call.error, Catch::Contains(b.says));
      CHECK_THAT(call.error, Catch::StartsWith("exec: " + b.setting));
    }
    REQUIRE(plugin.set(b.setting, good.at(b.setting)).ok());
  }
}

TEST_CASE("exec finds a program named without a path on PATH") {
  Plugin plugin(kExec, {{"command", quoted(R"(["true"])")}});
  const auto call = plugin.feed("channel.created", "{}");
  INFO(call.error);
  CHECK(call.ok());
  REQUIRE(plugin.set("command", quoted(R"(["false"])")).ok());
  const auto failed = plugin.feed("channel.created", "{}");
  CHECK_FALSE(failed.ok());
  CHECK_THAT(failed.error, Catch::Contains("false for channel.created #2 "
                                           "exited with status 1"));
}

TEST_CASE("exec without a command fails each delivery with how to set it") {
  Plugin plugin(kExec);
  CHECK(plugin.logged("set the 'command' setting"));
  const auto call = plugin.feed("channel.created", "{}");
  CHECK_FALSE(call.ok());
  CHECK_THAT(call.error, Catch::Contains("eventhost plugins configure exec"));
}

TEST_CASE("exec reports a program killed by a signal by the signal's name") {
  Plugin plugin(kExec,
                {{"command", quoted(R"(["/bin/sh", "-c", "kill -SEGV $$"])")}});
  const auto call = plugin.feed("channel.created", "{}");
  CHECK_FALSE(call.ok());
  CHECK_THAT(call.error, Catch::Contains("was killed by SIGSEGV"));
}
