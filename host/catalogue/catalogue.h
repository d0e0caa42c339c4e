// Catalogue -- the events the host knows: name, level set, payload fields
// and their types (catalogue/field_type.h).
//
// The built-in catalogue (the Dispatcharr events) is data, compiled into the
// host from dispatcharr_events.json; plugins add the events their manifests
// declare. validate() checks the whole: valid names
// ([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*), each event in exactly one level set,
// no two events mapping to one handler symbol.
//
// Thread-safety: build and validate on one thread; afterwards a const
// Catalogue may be read from any number of threads.
// Errors: throws eventhost::Error (kInvalidInput) with every problem found.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "catalogue/field_type.h"
#include "catalogue/level.h"

namespace eventhost {

struct EventSpec {
  std::string name;  // "channel.created"
  LevelSet level = LevelSet::kFull;
  std::vector<std::string> fields;  // payload field names, in doc order
  std::string description;
  std::string origin;  // "host" for built-ins, else the declaring plugin key
  // The declared type of each field, by index into `fields`; an index past
  // the end (a spec built with names only) is untyped, kAny.
  std::vector<FieldType> field_types{};

  FieldType type_of(std::size_t field_index) const {
    return field_index < field_types.size() ? field_types[field_index]
                                            : FieldType::kAny;
  }
};

class Catalogue {
 public:
  // The shipped Dispatcharr catalogue, parsed and validated once; lives
  // for the whole process. Copy it to extend it.
  static const Catalogue& builtin();

  // Parses a catalogue document (the format of dispatcharr_events.json).
  // Does not validate: call validate() once everything is added.
  static Catalogue from_json(std::string_view json_text,
                             const std::string& origin);

  // Adds events a plugin declares. Does not validate.
  void add(const std::vector<EventSpec>& events);

  // Throws Error(kInvalidInput) listing every problem, e.g.
  // "events 'recording_rule.created' (host) and 'recording.rule_created'
  // (plugin foo) both map to handler symbol on_recording_rule_created".
  void validate() const;

  // nullptr if unknown.
  const EventSpec* find(std::string_view name) const;

  // The known event closest to `name` (edit distance), "" if none is close.
  std::string nearest(std::string_view name) const;

  // The known event whose handler symbol is `symbol`, nullptr if none.
  const EventSpec* find_by_symbol(std::string_view symbol) const;

  // All events sorted by name.
  std::vector<const EventSpec*> events() const;

  std::size_t size() const { return events_.size(); }

 private:
  // Several entries may share a name until validate() rejects them.
  std::multimap<std::string, EventSpec, std::less<>> events_;
};

// "on_" + name with every '.' replaced by '_'.
std::string handler_symbol(std::string_view event_name);

// True if `name` matches [a-z][a-z0-9_]*\.[a-z][a-z0-9_]*.
bool is_valid_event_name(std::string_view name);

// Glob match of an event name against a pattern with '*' wildcards
// ("channel.*", "*.created", "*").
bool event_matches(std::string_view pattern, std::string_view name);

}  // namespace eventhost
