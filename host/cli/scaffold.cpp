#include "cli/scaffold.h"

#include <map>
#include <nlohmann/json.hpp>

#include "cli/output.h"

namespace eventhost::detail {
// Defined by the sources generated from scaffold/*.in (see CMakeLists.txt).
extern const char kScaffold_CMakeLists_txt[];
extern const char kScaffold_README_md[];
extern const char kScaffold_manifest_json[];
extern const char kScaffold_plugin_c[];
extern const char kScaffold_handler_c[];
extern const char kScaffold_plugin_cpp[];
extern const char kScaffold_handler_cpp[];
extern const char kScaffold_plugin_typed_cpp[];
extern const char kScaffold_handler_typed_cpp[];
extern const char kScaffold_test_cpp[];
extern const char kScaffold_test_event_cpp[];
}  // namespace eventhost::detail

namespace eventhost::cli {
namespace {

using Values = std::map<std::string, std::string>;

// Replaces every @NAME@ of `values` in `text`.
std::string fill(std::string text, const Values& values) {
  for (const auto& [name, value] : values) {
    const std::string token = "@" + name + "@";
    for (std::size_t at = text.find(token); at != std::string::npos;
         at = text.find(token, at + value.size())) {
      text.replace(at, token.size(), value);
    }
  }
  return text;
}

// A value of `type`, for the generated test's payload.
nlohmann::json sample_value(FieldType type) {
  switch (type) {
    case FieldType::kInteger:
      return 1;
    case FieldType::kNumber:
      return 1.5;
    case FieldType::kBoolean:
      return true;
    case FieldType::kTimestamp:
      return "2024-05-01T20:00:00Z";
    case FieldType::kIntegerArray:
      return {1, 2};
    case FieldType::kStringArray:
      return {"sample"};
    case FieldType::kString:
    case FieldType::kAny:
      break;
  }
  return "sample";
}

// A payload with every catalogue field set to a value of its type, for
// the generated test.
std::string sample_payload(const EventSpec& spec) {
  nlohmann::json payload = nlohmann::json::object();
  for (std::size_t i = 0; i < spec.fields.size(); ++i) {
    payload[spec.fields[i]] = sample_value(spec.type_of(i));
  }
  return payload.dump();
}

// The payload fields as a comma-separated list, continued on new comment
// lines (starting with `prefix`) so no generated line passes 80 columns.
// The template puts the list after a 40-column lead-in.
std::string field_list(const std::vector<std::string>& fields,
                       const std::string& prefix) {
  if (fields.empty()) return "none";
  std::string out;
  std::size_t column = 40;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    std::string item = fields[i] + (i + 1 < fields.size() ? "," : "");
    if (i > 0 && column + 1 + item.size() > 78) {
      out += "\n" + prefix;
      column = prefix.size();
    } else if (i > 0) {
      out += " ";
      ++column;
    }
    out += item;
    column += item.size();
  }
  return out;
}

// The event's struct in eventhost/events.hpp, as cmake/EventhostEvents.cmake
// names it: channel.created -> ChannelCreated.
std::string struct_name(const std::string& event) {
  std::string name;
  bool upper = true;
  for (char c : event) {
    if (c == '.' || c == '_') {
      upper = true;
    } else {
      name +=
          upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
      upper = false;
    }
  }
  return name;
}

// `line += field("channel_id", ev.channel_id);` for each field, one a
// line, building the typed handler's log line.
std::string field_reads(const EventSpec& spec) {
  std::string out;
  for (const std::string& field : spec.fields) {
    out += "\n  line += field(\"" + field + "\", ev." + field + ");";
  }
  return out;
}

Values event_values(const ScaffoldRequest& request, const EventSpec& spec) {
  std::string suffix = spec.name;
  for (char& c : suffix) {
    if (c == '.') c = '_';
  }
  return {
      {"KEY", request.key},
      {"EVENT", spec.name},
      {"SUFFIX", suffix},
      {"DESCRIPTION", spec.description},
      {"FIELDS", field_list(spec.fields, request.c_language ? " * " : "// ")},
      {"STRUCT", struct_name(spec.name)},
      {"EV", spec.fields.empty() ? "" : " ev"},
      {"FIELD_READS", field_reads(spec)},
      {"SAMPLE", sample_payload(spec)}};
}

}  // namespace

std::vector<ScaffoldFile> scaffold_files(const ScaffoldRequest& request) {
  const std::string source = request.key + (request.c_language ? ".c" : ".cpp");
  std::string handlers, test_events;
  std::vector<std::string> names;
  for (const EventSpec* spec : request.events) {
    const Values values = event_values(request, *spec);
    handlers += fill(request.c_language ? detail::kScaffold_handler_c
                     : request.typed    ? detail::kScaffold_handler_typed_cpp
                                        : detail::kScaffold_handler_cpp,
                     values);
    test_events += fill(detail::kScaffold_test_event_cpp, values);
    names.push_back(spec->name);
  }
  const Values values = {{"KEY", request.key},
                         {"SOURCE", source},
                         {"LANGUAGE", request.c_language ? "C"
                                      : request.typed ? "C++ (typed handlers)"
                                                      : "C++"},
                         {"EVENT_LIST", join(names)},
                         {"FIRST_EVENT", names.front()},
                         {"HANDLERS", handlers},
                         {"TEST_EVENTS", test_events}};
  const char* plugin = request.c_language ? detail::kScaffold_plugin_c
                       : request.typed    ? detail::kScaffold_plugin_typed_cpp
                                          : detail::kScaffold_plugin_cpp;
  return {
      {"CMakeLists.txt", fill(detail::kScaffold_CMakeLists_txt, values)},
      {"README.md", fill(detail::kScaffold_README_md, values)},
      {"manifest.json", fill(detail::kScaffold_manifest_json, values)},
      {source, fill(plugin, values)},
      {"test/" + request.key + "_test.cpp",
       fill(detail::kScaffold_test_cpp, values)},
  };
}

}  // namespace eventhost::cli
