// Catalogue::validate -- the start-up check of the whole catalogue.
//
// It collects every problem before throwing, because whoever fixes a broken
// catalogue (often a plugin author) should see all of them at once.
#include <map>
#include <set>

#include "catalogue/catalogue.h"
#include "common/error.h"

namespace eventhost {
namespace {

std::string describe_origin(const std::string& origin) {
  if (origin == "host") return "host";
  if (origin.empty()) return "unknown origin";
  return "plugin " + origin;
}

std::string quoted(const EventSpec& spec) {
  return "'" + spec.name + "' (" + describe_origin(spec.origin) + ")";
}

void check_name(const EventSpec& spec, std::vector<std::string>& problems) {
  if (is_valid_event_name(spec.name)) return;
  problems.push_back("event " + quoted(spec) +
                     " has an invalid name: use <namespace>.<action> in "
                     "lower case, matching [a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*");
}

void check_fields(const EventSpec& spec, std::vector<std::string>& problems) {
  std::set<std::string_view> seen;
  for (const std::string& field : spec.fields) {
    if (!seen.insert(field).second) {
      problems.push_back("event " + quoted(spec) + " lists field '" + field +
                         "' twice");
    }
  }
}

// Entries sharing one name: either a plain duplicate or, worse, one event
// claimed by two level sets.
void check_duplicates(const std::vector<const EventSpec*>& same_name,
                      std::vector<std::string>& problems) {
  if (same_name.size() < 2) return;
  std::set<LevelSet> sets;
  std::string where;
  for (const EventSpec* spec : same_name) {
    sets.insert(spec->level);
    if (!where.empty()) where += ", ";
    where += std::string(to_string(spec->level)) + " (" +
             describe_origin(spec->origin) + ")";
  }
  const std::string& name = same_name.front()->name;
  if (sets.size() > 1) {
    problems.push_back("event '" + name + "' is in more than one level set: " +
                       where + "; an event belongs to exactly one");
  } else {
    problems.push_back("event '" + name + "' is listed " +
                       std::to_string(same_name.size()) + " times: " + where +
                       "; keep one entry");
  }
}

// Distinct names whose handler symbols coincide: a plugin's on_x_y would
// receive both events, so the host refuses the catalogue instead.
void check_symbol(const std::string& symbol,
                  const std::vector<const EventSpec*>& names,
                  std::vector<std::string>& problems) {
  if (names.size() < 2) return;
  std::string list;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) list += (i + 1 == names.size()) ? " and " : ", ";
    list += quoted(*names[i]);
  }
  std::string both = names.size() == 2 ? "both" : "all";
  problems.push_back("events " + list + " " + both + " map to handler symbol " +
                     symbol + "; rename one of them");
}

}  // namespace

void Catalogue::validate() const {
  std::vector<std::string> problems;
  std::map<std::string_view, std::vector<const EventSpec*>> by_name;
  for (const auto& [name, spec] : events_) {
    check_name(spec, problems);
    check_fields(spec, problems);
    by_name[name].push_back(&spec);
  }

  std::map<std::string, std::vector<const EventSpec*>> by_symbol;
  for (const auto& [name, specs] : by_name) {
    check_duplicates(specs, problems);
    // One representative a name, so a duplicate is not also a collision.
    by_symbol[handler_symbol(name)].push_back(specs.front());
  }
  for (const auto& [symbol, specs] : by_symbol) {
    check_symbol(symbol, specs, problems);
  }

  if (problems.empty()) return;
  std::string message = "the event catalogue is invalid (" +
                        std::to_string(problems.size()) + " problem" +
                        (problems.size() == 1 ? "" : "s") + "):";
  for (const std::string& problem : problems) message += "\n  " + problem;
  throw Error(ErrorKind::kInvalidInput, message);
}

}  // namespace eventhost
