// Catalogue lookups and the naming rules: find, nearest, symbols, globs.
#include <catch2/catch.hpp>

#include "catalogue/catalogue.h"

namespace eventhost {
namespace {

TEST_CASE("a misspelt event name suggests the nearest known event") {
  Catalogue catalogue = Catalogue::builtin();
  CHECK(catalogue.nearest("chanel.created") == "channel.created");
  CHECK(catalogue.nearest("channel.create") == "channel.created");
  CHECK(catalogue.nearest("auth.login_faild") == "auth.login_failed");
  CHECK(catalogue.nearest("channel.created") == "channel.created");
}

TEST_CASE("a name close to nothing gets no suggestion") {
  Catalogue catalogue = Catalogue::builtin();
  CHECK(catalogue.nearest("weather.forecast") == "");
  CHECK(catalogue.nearest("x") == "");
  CHECK(catalogue.nearest("") == "");
}

TEST_CASE("suggestions stop at max(2, a third of the name) edits") {
  Catalogue catalogue;
  catalogue.add({{"abcdef.ghijkl", LevelSet::kFull, {}, "", "host"}});
  // 13 characters: up to 4 edits are close enough, 5 are not.
  CHECK(catalogue.nearest("abcdef.ghiXXXX") == "abcdef.ghijkl");
  CHECK(catalogue.nearest("abcdef.gXXXXX") == "");
  // Short names still tolerate two edits.
  catalogue.add({{"a.b", LevelSet::kFull, {}, "", "host"}});
  CHECK(catalogue.nearest("x.y") == "a.b");
}

TEST_CASE("find returns known events and nullptr for unknown ones") {
  Catalogue catalogue = Catalogue::builtin();
  const EventSpec* spec = catalogue.find("recording.completed");
  REQUIRE(spec != nullptr);
  CHECK(spec->name == "recording.completed");
  CHECK(spec->level == LevelSet::kFull);
  CHECK(catalogue.find("recording.complete") == nullptr);
  CHECK(catalogue.find("") == nullptr);
}

TEST_CASE("find_by_symbol maps a handler symbol to its event") {
  Catalogue catalogue = Catalogue::builtin();
  const EventSpec* spec = catalogue.find_by_symbol("on_recording_rule_created");
  REQUIRE(spec != nullptr);
  CHECK(spec->name == "recording_rule.created");
  CHECK(catalogue.find_by_symbol("on_nothing_here") == nullptr);
  CHECK(catalogue.find_by_symbol("channel_created") == nullptr);
}

TEST_CASE("events are listed sorted by name, plugin events included") {
  Catalogue catalogue = Catalogue::builtin();
  std::size_t builtin_size = catalogue.size();
  catalogue.add({{"aaa.first", LevelSet::kFull, {}, "", "aaa"},
                 {"zzz.last", LevelSet::kCritical, {}, "", "zzz"}});
  std::vector<const EventSpec*> events = catalogue.events();
  REQUIRE(events.size() == builtin_size + 2);
  CHECK(events.front()->name == "aaa.first");
  CHECK(events.back()->name == "zzz.last");
  for (std::size_t i = 1; i < events.size(); ++i) {
    CHECK(events[i - 1]->name < events[i]->name);
  }
}

TEST_CASE("the handler symbol is on_ plus the name with dots as underscores") {
  CHECK(handler_symbol("channel.created") == "on_channel_created");
  CHECK(handler_symbol("recording_rule.created") ==
        "on_recording_rule_created");
  CHECK(handler_symbol("recording.rule_created") ==
        "on_recording_rule_created");
}

TEST_CASE("event names must be lower-case namespace.action") {
  for (const char* good : {"channel.created", "a.b", "m3u.refresh_failed",
                           "recording_rule.x9", "x_.y_"}) {
    INFO(good);
    CHECK(is_valid_event_name(good));
  }
  for (const char* bad :
       {"", ".", "channel", "channel.", ".created", "Channel.created",
        "channel.Created", "channel.created.again", "1channel.created",
        "channel._created", "channel-x.created", "channel .created",
        "_channel.created", "channel.créé"}) {
    INFO(bad);
    CHECK_FALSE(is_valid_event_name(bad));
  }
}

TEST_CASE("event patterns match with * wildcards") {
  struct Row {
    const char* pattern;
    const char* name;
    bool matches;
  };
  const Row table[] = {
      {"*", "channel.created", true},
      {"channel.*", "channel.created", true},
      {"channel.*", "channel_group.created", false},
      {"*.created", "channel_group.created", true},
      {"*.created", "channel.updated", false},
      {"channel.created", "channel.created", true},
      {"channel.created", "channel.created2", false},
      {"channel.*_added", "channel.stream_added", true},
      {"*.*", "vod.movie_created", true},
      {"**", "vod.movie_created", true},
      {"*a*b*", "xaxxb.c", true},
      {"*a*b", "xaxxb.c", false},
      {"", "channel.created", false},
      {"*", "", true},
      {"recording*", "recording_rule.created", true},
  };
  for (const Row& row : table) {
    INFO(row.pattern << " vs " << row.name);
    CHECK(event_matches(row.pattern, row.name) == row.matches);
  }
}

}  // namespace
}  // namespace eventhost
