// PUT /api/plugins/KEY/settings: body {"name": value, ...}. All or
// nothing: a value the manifest's type refuses, an unknown setting, or
// settings the running plugin's configure hook rejects change nothing.
// Errors carry "fields": the settings they are about (the one refused, or
// those the plugin was offered when it rejected them), so a form can show
// each message next to its field.
#include "api/api_response.h"
#include "api/api_router.h"

namespace eventhost {
namespace {

// {"name": value, ...} -> the "name=value" text the CLI would pass.
std::map<std::string, std::string> assignments_from(const nlohmann::json& doc) {
  if (!doc.is_object()) {
    throw Error(ErrorKind::kInvalidInput,
                "settings must be a JSON object like {\"max_attempts\": 3}");
  }
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : doc.items()) {
    out[name] = value.is_string() ? value.get<std::string>() : value.dump();
  }
  return out;
}

}  // namespace

HttpResponse ApiRouter::put_settings(const std::string& key,
                                     const std::string& body) {
  const auto assignments =
      assignments_from(parse_json_body(body, "the settings"));
  const PluginView view = host_.plugin(key);
  nlohmann::json changed = nlohmann::json::array();
  if (view.file.manifest) {
    for (const auto& [id, text] : assignments) {
      const SettingField* field = view.file.manifest->find_setting(id);
      if (field == nullptr) continue;  // configure() names the known ones
      try {
        const nlohmann::json value = parse_setting_text(*field, text);
        const auto current = view.settings.find(id);
        if (current == view.settings.end() || current->second != value) {
          changed.push_back(id);
        }
      } catch (const Error& e) {
        return error_response(400, e.kind(), e.what(), {{"fields", {id}}});
      }
    }
  }
  try {
    const PluginView configured =
        changing(key, [&] { return host_.configure(key, assignments); });
    return json_response(200, configured.settings);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kUnavailable) throw;  // not the settings
    nlohmann::json fields = changed;
    if (e.kind() == ErrorKind::kNotFound) {
      fields = nlohmann::json::array();
      for (const auto& [id, text] : assignments) {
        if (!view.file.manifest || !view.file.manifest->find_setting(id))
          fields.push_back(id);
      }
    }
    return error_response(http_status_for(e.kind()), e.kind(), e.what(),
                          {{"fields", fields}});
  }
}

}  // namespace eventhost
