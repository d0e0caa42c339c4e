// Catalogue::from_json -- reads a catalogue document:
//   {"version": 1, "events": [{"name": "...", "level": "CRITICAL",
//     "fields": ["...", {"name": "...", "type": "integer"}],
//     "description": "..."}, ...]}
// (a field is its name alone, untyped, or a name with a type; see
// catalogue/field_type.h). Other top-level members, such as "notes", are
// for people and are ignored.
// Every error names the origin, the entry and the field, so a typo in a
// 60-entry file is found without bisecting it.
#include <nlohmann/json.hpp>
#include <utility>

#include "catalogue/catalogue.h"
#include "common/error.h"

namespace eventhost {
namespace {

constexpr int kSupportedVersion = 1;

using Json = nlohmann::json;

class DocumentReader {
 public:
  explicit DocumentReader(std::string origin) : origin_(std::move(origin)) {}

  std::vector<EventSpec> read(std::string_view text) const {
    Json document = parse(text);
    if (!document.is_object()) fail("the document must be a JSON object");
    check_version(document);
    auto events = document.find("events");
    if (events == document.end() || !events->is_array()) {
      fail("\"events\" must be an array of event entries");
    }
    std::vector<EventSpec> specs;
    specs.reserve(events->size());
    for (std::size_t i = 0; i < events->size(); ++i) {
      specs.push_back(read_entry(i, (*events)[i]));
    }
    return specs;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorKind::kInvalidInput,
                "event catalogue '" + origin_ + "': " + what);
  }

  [[noreturn]] void fail_entry(std::size_t index, const Json& entry,
                               const std::string& what) const {
    std::string where = "events[" + std::to_string(index) + "]";
    auto name = entry.is_object() ? entry.find("name") : entry.end();
    if (entry.is_object() && name != entry.end() && name->is_string()) {
      where += " (\"" + name->get<std::string>() + "\")";
    }
    fail(where + ": " + what);
  }

  Json parse(std::string_view text) const {
    try {
      return Json::parse(text);
    } catch (const Json::parse_error& e) {
      fail("not valid JSON: " + std::string(e.what()));
    }
  }

  void check_version(const Json& document) const {
    auto version = document.find("version");
    if (version == document.end() || !version->is_number_integer()) {
      fail("\"version\" must be the integer " +
           std::to_string(kSupportedVersion));
    }
    if (version->get<long long>() != kSupportedVersion) {
      fail("version " + version->dump() +
           " is not supported; this host reads "
           "version " +
           std::to_string(kSupportedVersion));
    }
  }

  EventSpec read_entry(std::size_t index, const Json& entry) const {
    if (!entry.is_object()) fail_entry(index, entry, "must be a JSON object");
    reject_unknown_keys(index, entry);
    EventSpec spec;
    spec.origin = origin_;
    spec.name = required_string(index, entry, "name");
    spec.level = read_level(index, entry);
    read_fields(index, entry, spec);
    spec.description = optional_string(index, entry, "description");
    return spec;
  }

  // A misspelt key ("feilds") would otherwise silently drop what it holds.
  void reject_unknown_keys(std::size_t index, const Json& entry) const {
    for (const auto& item : entry.items()) {
      const std::string& key = item.key();
      if (key != "name" && key != "level" && key != "fields" &&
          key != "description") {
        fail_entry(index, entry,
                   "unknown field \"" + key +
                       "\" (expected name, level, fields, description)");
      }
    }
  }

  std::string required_string(std::size_t index, const Json& entry,
                              const char* key) const {
    auto value = entry.find(key);
    if (value == entry.end()) {
      fail_entry(index, entry, std::string("field \"") + key + "\" is missing");
    }
    if (!value->is_string()) {
      fail_entry(index, entry,
                 std::string("field \"") + key + "\" must be a string, not " +
                     value->dump());
    }
    return value->get<std::string>();
  }

  std::string optional_string(std::size_t index, const Json& entry,
                              const char* key) const {
    if (!entry.contains(key)) return std::string();
    return required_string(index, entry, key);
  }

  LevelSet read_level(std::size_t index, const Json& entry) const {
    std::string text = required_string(index, entry, "level");
    std::optional<LevelSet> level = parse_level_set(text);
    if (!level) {
      fail_entry(index, entry,
                 "field \"level\" is \"" + text +
                     "\", not one of CRITICAL, SYSTEM, FULL, DISABLED");
    }
    return *level;
  }

  void read_fields(std::size_t index, const Json& entry,
                   EventSpec& spec) const {
    auto fields = entry.find("fields");
    if (fields == entry.end()) return;
    if (auto problem = read_field_list(*fields, spec)) {
      fail_entry(index, entry, *problem);
    }
  }

  std::string origin_;
};

}  // namespace

Catalogue Catalogue::from_json(std::string_view json_text,
                               const std::string& origin) {
  Catalogue catalogue;
  catalogue.add(DocumentReader(origin).read(json_text));
  return catalogue;
}

}  // namespace eventhost
