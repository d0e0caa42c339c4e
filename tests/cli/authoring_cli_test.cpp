// `eventhost plugins validate` on broken plugin files (each diagnostic and
// the exit status scripts rely on), and `plugins new` refusing bad
// requests. Building a scaffolded project is tested end to end by
// tests/sdk/install_scaffold_e2e.sh.
#include <catch2/catch.hpp>

#include "cli_sandbox.h"

using eventhost::test::CliRun;
using eventhost::test::CliSandbox;
using eventhost::test::json_of;
namespace fs = std::filesystem;

namespace {

// Validates one test plugin copied into the sandbox.
CliRun validate(const CliSandbox& sandbox, const std::string& file,
                std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"plugins", "validate",
                                   (sandbox.plugins_dir() / file).string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return sandbox.run_bare(args);
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("validate accepts a good plugin and names its handlers") {
  CliSandbox sandbox;
  sandbox.add_plugin("recorder.so");
  const CliRun run = validate(sandbox, "recorder.so");
  CHECK(run.status == 0);
  CHECK(has(run.out, "recorder.so: valid"));
  CHECK(has(run.out, "ABI 1.0"));
  CHECK(has(run.out, "handler on_channel_created -> channel.created"));
}

TEST_CASE("validate warns about a typo'd handler with the nearest event") {
  CliSandbox sandbox;
  sandbox.add_plugin("odd_symbols.so");
  const CliRun run = validate(sandbox, "odd_symbols.so");
  CHECK(run.status == 0);
  CHECK(has(run.out,
            "handler on_chanel_created matches no known event; did you "
            "mean channel.created?"));
  CHECK(has(run.out, "ignored export On_x"));
  // --strict makes warnings fail the check, for CI scripts.
  CHECK(validate(sandbox, "odd_symbols.so", {"--strict"}).status == 4);
}

TEST_CASE("validate refuses bad manifests, naming the field") {
  CliSandbox sandbox;
  sandbox.add_plugin("bad_manifest.so");
  sandbox.add_plugin("foreign_event.so");
  const CliRun bad_default = validate(sandbox, "bad_manifest.so");
  CHECK(bad_default.status == 4);
  CHECK(has(bad_default.out, "INVALID"));
  CHECK(has(bad_default.out, "settings[0].default is invalid"));
  const CliRun foreign = validate(sandbox, "foreign_event.so");
  CHECK(foreign.status == 4);
  CHECK(has(foreign.out, "\"channel.exploded\" must be \"foreign_event."));
}

TEST_CASE("validate refuses another ABI, no manifest and non-libraries") {
  CliSandbox sandbox;
  for (const char* file : {"wrong_abi.so", "no_manifest.so", "garbage.so"}) {
    sandbox.add_plugin(file);
  }
  const CliRun wrong = validate(sandbox, "wrong_abi.so", {"--json"});
  CHECK(wrong.status == 4);
  const auto checked = json_of(wrong);
  REQUIRE(checked.size() == 1);
  CHECK(checked[0]["valid"] == false);
  CHECK(has(checked[0]["errors"][0].get<std::string>(),
            "built for plugin ABI 2.0"));
  CHECK(has(validate(sandbox, "no_manifest.so").out,
            "has no eventhost manifest"));
  CHECK(has(validate(sandbox, "garbage.so").out, "not a shared library"));
}

TEST_CASE("validate and plugins list warn about a subscribe nobody gets") {
  CliSandbox sandbox;
  sandbox.add_plugin("unhandled_subscribe.so");
  const CliRun run = validate(sandbox, "unhandled_subscribe.so");
  CHECK(run.status == 0);
  CHECK(has(run.out, "exports no eh_on_any_event"));
  const CliRun listed = sandbox.run({"plugins", "list"});
  CHECK(has(listed.out,
            "unhandled_subscribe: warning: the manifest "
            "subscribes to events"));
}

TEST_CASE(
    "validate accepts an update of a plugin whose older copy is in the "
    "plugins folder") {
  CliSandbox sandbox;
  sandbox.add_plugin("login_guard.so");  // the installed copy
  // The build's copy, same key and declared events: the new version.
  const std::string update =
      (fs::path(EH_PLUGINS_DIR) / "login_guard.so").string();
  const CliRun run = sandbox.run({"plugins", "validate", update});
  INFO(run.out << run.err);
  CHECK(run.status == 0);
  CHECK(has(run.out, update + ": valid"));
  CHECK_FALSE(has(run.out, "listed 2 times"));
}

TEST_CASE("validate says what to do with a missing file") {
  CliSandbox sandbox;
  const CliRun run = sandbox.run_bare({"plugins", "validate", "nope.so"});
  CHECK(run.status == 3);
  CHECK(has(run.err, "no such file nope.so"));
}

TEST_CASE("plugins new refuses bad names, unknown events, used folders") {
  CliSandbox sandbox;
  const std::string dir = (sandbox.root() / "project").string();
  CHECK(sandbox.run_bare({"plugins", "new", "Bad-Name", "--dir", dir}).status ==
        2);
  const CliRun typo = sandbox.run_bare(
      {"plugins", "new", "p", "--events", "chanel.created", "--dir", dir});
  CHECK(typo.status == 3);
  CHECK(has(typo.err, "did you mean 'channel.created'?"));
  const CliRun made = sandbox.run_bare(
      {"plugins", "new", "p", "--lang", "c", "--dir", dir, "--json"});
  REQUIRE(made.status == 0);
  CHECK(json_of(made)["files"].size() == 5);
  CHECK(fs::exists(fs::path(dir) / "p.c"));
  CHECK(fs::exists(fs::path(dir) / "test" / "p_test.cpp"));
  CHECK(sandbox.run_bare({"plugins", "new", "p", "--dir", dir}).status == 5);
}

TEST_CASE("plugins new --typed writes EH_ON_EVENT handlers and typed samples") {
  CliSandbox sandbox;
  const std::string dir = (sandbox.root() / "typed").string();
  const CliRun made =
      sandbox.run_bare({"plugins", "new", "t", "--typed", "--events",
                        "stream.created", "--dir", dir});
  INFO(made.err);
  REQUIRE(made.status == 0);
  CHECK(has(made.out, "created t (C++, typed handlers)"));
  const std::string source =
      eventhost::test::read_text(fs::path(dir) / "t.cpp");
  CHECK(has(source, "#include <eventhost/events.hpp>"));
  CHECK(has(source,
            "EH_ON_EVENT(StreamCreated)\n"
            "(const eventhost::events::StreamCreated& ev,"));
  CHECK(has(source, "line += field(\"is_custom\", ev.is_custom);"));
  // The unit test feeds every field with a value of its type.
  const std::string test =
      eventhost::test::read_text(fs::path(dir) / "test" / "t_test.cpp");
  CHECK(has(test, R"("is_custom":true)"));
  CHECK(has(test, R"("stream_id":1)"));
  CHECK(has(test, R"("stream_name":"sample")"));

  const CliRun c =
      sandbox.run_bare({"plugins", "new", "u", "--typed", "--lang", "c",
                        "--dir", (sandbox.root() / "c").string()});
  CHECK(c.status == 2);
  CHECK(has(c.err, "--typed writes C++ handlers"));
}
