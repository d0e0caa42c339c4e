// `eventhost journal`, `deadletters` and `replay` end to end, without a
// daemon: what the journal shows after emits, dead letters made by a
// failing plugin and their retry or drop, and replaying a range.
#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>

#include "cli_sandbox.h"

using eventhost::test::CliRun;
using eventhost::test::CliSandbox;
using eventhost::test::json_of;
using eventhost::test::read_text;
namespace fs = std::filesystem;

namespace {

// Emits channel.created with this channel id; returns the event's id.
std::uint64_t emit_channel(const CliSandbox& sandbox, int channel_id,
                           int expected_status = 0) {
  const CliRun run = sandbox.run(
      {"emit", "channel.created",
       "{\"channel_id\": " + std::to_string(channel_id) + "}", "--json"});
  INFO(run.err);
  REQUIRE(run.status == expected_status);
  return json_of(run)["id"].get<std::uint64_t>();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string recorded(std::uint64_t id, int attempt) {
  return "on_channel_created " + std::to_string(id) +
         " channel.created attempt=" + std::to_string(attempt);
}

// The recorder, recording attempts, failing its first `fail_first` calls.
fs::path recorder_failing(CliSandbox& sandbox, int fail_first) {
  sandbox.add_plugin("recorder.so");
  const fs::path record = sandbox.root() / "recorded.txt";
  const CliRun configured = sandbox.run(
      {"plugins", "configure", "recorder", "path=" + record.string(),
       "attempts=true", "fail_first=" + std::to_string(fail_first)});
  INFO(configured.err);
  REQUIRE(configured.status == 0);
  const CliRun enabled = sandbox.run({"plugins", "enable", "recorder"});
  INFO(enabled.err);
  REQUIRE(enabled.status == 0);
  return record;
}

}  // namespace

TEST_CASE("journal list shows emitted events in order, filtered and paged") {
  CliSandbox sandbox;
  const std::uint64_t a = emit_channel(sandbox, 1);
  const std::uint64_t b = emit_channel(sandbox, 2);
  const CliRun rec = sandbox.run(
      {"emit", "recording.completed", R"({"recording_id": 5})", "--json"});
  REQUIRE(rec.status == 0);
  const std::uint64_t c = json_of(rec)["id"].get<std::uint64_t>();
  REQUIRE(a < b);
  REQUIRE(b < c);

  const auto all = json_of(sandbox.run({"journal", "list", "--json"}));
  REQUIRE(all.is_array());
  std::vector<std::uint64_t> ids;
  for (const auto& e : all) ids.push_back(e["id"].get<std::uint64_t>());
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  const auto entry_a = std::find_if(
      all.begin(), all.end(), [&](const auto& e) { return e["id"] == a; });
  REQUIRE(entry_a != all.end());
  CHECK((*entry_a)["event"] == "channel.created");
  CHECK((*entry_a)["level"] == "FULL");
  CHECK((*entry_a)["payload"] == nlohmann::json{{"channel_id", 1}});
  CHECK_THAT((*entry_a)["time"].get<std::string>(),
             Catch::Matches(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)"));
  CHECK((*entry_a)["emitted_at_us"].get<std::int64_t>() > 0);

  const auto channels = json_of(
      sandbox.run({"journal", "list", "--event", "channel.*", "--json"}));
  REQUIRE(channels.size() == 2);
  CHECK(channels[0]["id"] == a);
  CHECK(channels[1]["id"] == b);

  const auto after_a = json_of(
      sandbox.run({"journal", "list", "--since", std::to_string(a), "--json"}));
  REQUIRE_FALSE(after_a.empty());
  CHECK(after_a[0]["id"].get<std::uint64_t>() > a);
  const auto named = [](const nlohmann::json& list, std::uint64_t id) {
    return std::any_of(list.begin(), list.end(),
                       [&](const auto& e) { return e["id"] == id; });
  };
  CHECK_FALSE(named(after_a, a));
  CHECK(named(after_a, b));
  CHECK(named(after_a, c));

  const CliRun limited =
      sandbox.run({"journal", "list", "--limit", "2", "--json"});
  CHECK(limited.status == 0);
  const auto two = json_of(limited);
  REQUIRE(two.size() == 2);
  CHECK(two[0] == all[0]);
  CHECK(two[1] == all[1]);
  CHECK_THAT(limited.err,
             Catch::Contains("showing the first 2") &&
                 Catch::Contains("--since " + two[1]["id"].dump()));

  const auto by_age =
      json_of(sandbox.run({"journal", "list", "--since", "1h", "--event",
                           "recording.*", "--json"}));
  REQUIRE(by_age.size() == 1);
  CHECK(by_age[0]["id"] == c);
  CHECK(json_of(sandbox.run({"journal", "list", "--since",
                             "2000-01-01T00:00:00Z", "--json"})) == all);
  const CliRun future =
      sandbox.run({"journal", "list", "--since", "2999-01-01T00:00:00Z"});
  CHECK(future.status == 0);
  CHECK_THAT(future.out, Catch::Contains("no events in the journal match"));

  const CliRun table = sandbox.run({"journal", "list", "--event", "channel.*"});
  CHECK(table.status == 0);
  const auto rows = lines_of(table.out);
  REQUIRE(rows.size() == 3);
  CHECK_THAT(rows[0], Catch::Matches(R"(ID +TIME +EVENT +LEVEL +PAYLOAD)"));
  CHECK_THAT(rows[1], Catch::StartsWith(std::to_string(a) + " ") &&
                          Catch::Contains("Z  channel.created  FULL") &&
                          Catch::EndsWith(R"({"channel_id":1})"));

  for (const char* bad : {"Channel.*", "channel created", "a;b"}) {
    const CliRun refused = sandbox.run({"journal", "list", "--event", bad});
    CHECK(refused.status == 2);
    CHECK_THAT(refused.err, Catch::Contains("invalid event pattern"));
  }
  for (const char* bad : {"yesterday", "2026-12-01T09:00:00", "5y"}) {
    const CliRun refused = sandbox.run({"journal", "list", "--since", bad});
    CHECK(refused.status == 2);
    CHECK_THAT(refused.err, Catch::Contains("--since takes an event id"));
  }
  CHECK(sandbox.run({"journal", "list", "--limit", "0"}).status == 2);
}

TEST_CASE("journal show prints one entry whole and an unknown id exits 3") {
  CliSandbox sandbox;
  const CliRun emitted = sandbox.run({"emit", "channel.created",
                                      R"({"channel_id": 9, "channel_name": ")" +
                                          std::string(200, 'x') + R"("})",
                                      "--json"});
  REQUIRE(emitted.status == 0);
  const std::uint64_t id = json_of(emitted)["id"].get<std::uint64_t>();

  const auto entry =
      json_of(sandbox.run({"journal", "show", std::to_string(id), "--json"}));
  CHECK(entry["id"] == id);
  CHECK(entry["event"] == "channel.created");
  CHECK(entry["payload"]["channel_name"] == std::string(200, 'x'));

  const CliRun text = sandbox.run({"journal", "show", std::to_string(id)});
  CHECK(text.status == 0);
  CHECK_THAT(text.out, Catch::Contains("channel.created") &&
                           Catch::Contains(std::string(200, 'x')));
  // The table cuts the payload; show does not.
  const CliRun listed =
      sandbox.run({"journal", "list", "--event", "channel.*"});
  CHECK_THAT(listed.out,
             !Catch::Contains(std::string(200, 'x')) && Catch::Contains("…"));

  const CliRun unknown = sandbox.run({"journal", "show", "999999"});
  CHECK(unknown.status == 3);
  CHECK_THAT(unknown.err, Catch::Contains("no event 999999 in the journal"));
  const CliRun bad = sandbox.run({"journal", "show", "abc"});
  CHECK(bad.status == 2);
}

TEST_CASE(
    "a plugin that keeps failing leaves dead letters that retry delivers "
    "after the fix") {
  CliSandbox sandbox;
  sandbox.set_env("EVENTHOST_RETRY_ATTEMPTS", "2");
  const fs::path record = recorder_failing(sandbox, 100);
  const std::uint64_t a = emit_channel(sandbox, 1, 6);
  const std::uint64_t b = emit_channel(sandbox, 2, 6);

  const auto letters = json_of(sandbox.run({"deadletters", "list", "--json"}));
  REQUIRE(letters.size() == 2);
  for (const auto& letter : letters) {
    CHECK(letter["plugin"] == "recorder");
    CHECK(letter["attempts"] == 2);
    CHECK(letter["outcome"] == "error");
    CHECK(letter["event"] == "channel.created");
    CHECK(letter["last_error"] == "recorder: failing as fail_first asks");
  }
  CHECK(letters[0]["event_id"] == a);
  CHECK(letters[1]["event_id"] == b);
  CHECK(json_of(sandbox.run({"deadletters", "list", "--plugin", "recorder",
                             "--json"})) == letters);
  const CliRun table = sandbox.run({"deadletters", "list"});
  CHECK_THAT(lines_of(table.out).at(0),
             Catch::Matches("ID +PLUGIN +EVENT ID +EVENT NAME +ATTEMPTS +"
                            "OUTCOME +LAST ERROR +WHEN"));
  CHECK(sandbox.run({"deadletters", "list", "--plugin", "nosuch"}).status == 3);

  const CliRun no_selector = sandbox.run({"deadletters", "retry"});
  CHECK(no_selector.status == 2);
  CHECK_THAT(no_selector.err, Catch::Contains("--plugin KEY, or --all"));
  CHECK(sandbox.run({"deadletters", "retry", "1", "--all"}).status == 2);
  const CliRun unknown = sandbox.run({"deadletters", "retry", "424242"});
  CHECK(unknown.status == 3);
  CHECK_THAT(unknown.err, Catch::Contains("no dead letter 424242"));

  REQUIRE(sandbox.run({"plugins", "configure", "recorder", "fail_first=0"})
              .status == 0);
  const CliRun retried = sandbox.run({"deadletters", "retry", "--all"});
  INFO(retried.err);
  CHECK(retried.status == 0);
  CHECK_THAT(retried.out, Catch::Contains("queued 2 dead letters"));
  const auto lines = lines_of(read_text(record));
  CHECK(std::count(lines.begin(), lines.end(), recorded(a, 3)) == 1);
  CHECK(std::count(lines.begin(), lines.end(), recorded(b, 3)) == 1);
  CHECK(json_of(sandbox.run({"deadletters", "list", "--json"})).empty());
  CHECK_THAT(sandbox.run({"deadletters", "list"}).out,
             Catch::Contains("no dead letters"));
}

TEST_CASE("retry refuses with 5 when the plugin is not running") {
  CliSandbox sandbox;
  recorder_failing(sandbox, 100);
  emit_channel(sandbox, 1, 6);
  REQUIRE(sandbox.run({"plugins", "disable", "recorder"}).status == 0);
  const CliRun refused =
      sandbox.run({"deadletters", "retry", "--plugin", "recorder", "--json"});
  CHECK(refused.status == 5);
  const auto answer = json_of(refused);
  CHECK(answer["queued"] == 0);
  REQUIRE(answer["problems"].size() == 1);
  CHECK_THAT(answer["problems"][0].get<std::string>(),
             Catch::Contains("recorder is not running"));
  CHECK_THAT(refused.err, Catch::Contains("recorder is not running"));
  CHECK(json_of(sandbox.run({"deadletters", "list", "--json"})).size() == 1);
}

TEST_CASE("deadletters drop removes a letter and leaves the others") {
  CliSandbox sandbox;
  recorder_failing(sandbox, 100);
  emit_channel(sandbox, 1, 6);
  const std::uint64_t b = emit_channel(sandbox, 2, 6);
  const auto letters = json_of(sandbox.run({"deadletters", "list", "--json"}));
  REQUIRE(letters.size() == 2);

  const CliRun dropped =
      sandbox.run({"deadletters", "drop", letters[0]["id"].dump()});
  CHECK(dropped.status == 0);
  CHECK(dropped.out == "dropped 1 dead letter\n");
  const auto left = json_of(sandbox.run({"deadletters", "list", "--json"}));
  REQUIRE(left.size() == 1);
  CHECK(left[0]["event_id"] == b);

  CHECK(sandbox.run({"deadletters", "drop"}).status == 2);
  CHECK(sandbox.run({"deadletters", "drop", letters[0]["id"].dump()}).status ==
        3);
  const auto all =
      json_of(sandbox.run({"deadletters", "drop", "--all", "--json"}));
  CHECK(all["dropped"] == 1);
  CHECK(json_of(sandbox.run({"deadletters", "list", "--json"})).empty());
}

TEST_CASE("replay delivers exactly the events after --since again") {
  CliSandbox sandbox;
  const fs::path record = recorder_failing(sandbox, 0);
  std::vector<std::uint64_t> ids;
  for (int i = 1; i <= 5; ++i) ids.push_back(emit_channel(sandbox, i));
  std::vector<std::string> expected;
  for (const std::uint64_t id : ids) expected.push_back(recorded(id, 1));
  REQUIRE(lines_of(read_text(record)) == expected);

  const CliRun replayed = sandbox.run(
      {"replay", "--plugin", "recorder", "--since", std::to_string(ids[1])});
  INFO(replayed.err);
  CHECK(replayed.status == 0);
  CHECK(replayed.out == "replayed 3 events to recorder\n");
  for (std::size_t i = 2; i < ids.size(); ++i) {
    expected.push_back(recorded(ids[i], 2));
  }
  CHECK(lines_of(read_text(record)) == expected);

  const auto json = json_of(
      sandbox.run({"replay", "--plugin", "recorder", "--since",
                   std::to_string(ids[3]), "--event", "channel.*", "--json"}));
  CHECK(json["replayed"] == 1);
  CHECK(json["plugin"] == "recorder");

  const CliRun no_plugin = sandbox.run({"replay"});
  CHECK(no_plugin.status == 2);
  CHECK_THAT(no_plugin.err, Catch::Contains("--plugin KEY"));
  CHECK(sandbox.run({"replay", "--plugin", "nosuch"}).status == 3);
  REQUIRE(sandbox.run({"plugins", "disable", "recorder"}).status == 0);
  const CliRun stopped = sandbox.run({"replay", "--plugin", "recorder"});
  CHECK(stopped.status == 5);
  CHECK_THAT(stopped.err, Catch::Contains("recorder is not running"));
}

TEST_CASE("a retried dead letter that fails again is a dead letter again") {
  CliSandbox sandbox;
  const fs::path record = recorder_failing(sandbox, 1000000);
  std::string batch;
  for (int i = 0; i < 200; ++i) {
    batch += R"({"event": "channel.created", "data": {"channel_id": )" +
             std::to_string(i) + "}}\n";
  }
  const CliRun emitted =
      sandbox.run({"--breaker-threshold", "0", "emit", "--ndjson", "-"}, batch);
  REQUIRE(emitted.status == 6);
  REQUIRE(json_of(sandbox.run({"deadletters", "list", "--json"})).size() ==
          200);

  // Still failing: every letter is delivered (and fails) once more.
  const CliRun retried = sandbox.run(
      {"--breaker-threshold", "0", "deadletters", "retry", "--all"});
  INFO(retried.err);
  CHECK(retried.status == 0);
  CHECK(lines_of(read_text(record)).size() == 400);
  const auto again = json_of(sandbox.run({"deadletters", "list", "--json"}));
  CHECK(again.size() == 200);
  for (const auto& letter : again) CHECK(letter["attempts"] == 2);
}
