// /api/plugins/... and /api/level: the management routes, the same
// operations as the CLI's `plugins` and `level` commands.
#include "api/api_response.h"
#include "api/api_router.h"

namespace eventhost {
namespace {

std::vector<std::string> path_parts(const std::string& rest) {
  std::vector<std::string> parts;
  std::size_t pos = 0;
  while (pos < rest.size()) {
    std::size_t end = rest.find('/', pos);
    if (end == std::string::npos) end = rest.size();
    if (end > pos) parts.push_back(url_decode(rest.substr(pos, end - pos)));
    pos = end + 1;
  }
  return parts;
}

// The delivery figures of a loaded plugin since the daemon started
// ("counters" in plugin_json are those saved by earlier runs).
nlohmann::json live_json(const Host& host, const std::string& key) {
  for (const auto& [runner_key, r] : host.runner_stats()) {
    if (runner_key != key) continue;
    nlohmann::json live = runner_json(r);
    live["loaded"] = true;
    return live;
  }
  return {{"loaded", false}};
}

nlohmann::json describe(const Host& host, const PluginView& view) {
  nlohmann::json j = plugin_json(host.catalogue(), view);
  j["live"] = live_json(host, view.key);
  return j;
}

}  // namespace

HttpResponse ApiRouter::plugins(const HttpRequest& req,
                                const std::string& rest) {
  const std::vector<std::string> parts = path_parts(rest);
  const std::string& m = req.method;
  const std::string path = req.path();
  if (parts.empty()) {
    if (m != "GET") return method_not_allowed(req, "GET");
    // An empty list would hide why: the folder is refused, not empty.
    if (host_.folder_refused()) {
      throw Error(ErrorKind::kRefused, host_.folder_problem());
    }
    nlohmann::json all = nlohmann::json::array();
    for (const PluginView& view : host_.plugins()) {
      all.push_back(describe(host_, view));
    }
    return json_response(200, all);
  }
  const std::string& key = parts[0];
  const std::string what = parts.size() > 1 ? parts[1] : "";
  if (parts.size() == 1) {
    if (m != "GET") return method_not_allowed(req, "GET");
    return json_response(200, describe(host_, host_.plugin(key)));
  }
  if ((what == "enable" || what == "disable") && parts.size() == 2) {
    if (m != "POST") return method_not_allowed(req, "POST");
    if (what == "disable") {
      const PluginView view = changing(key, [&] { return host_.disable(key); });
      return json_response(200, describe(host_, view));
    }
    const PluginView before = host_.plugin(key);
    std::optional<PluginView> view;
    std::string failure;
    try {
      view = host_.enable(key);
    } catch (const Error& e) {
      unshared(e);
      if (e.kind() != ErrorKind::kRefused || enable_refused_outright(before) ||
          before.status.rfind("missing on node ", 0) == 0)
        throw;
      // Enabled, but it did not start: a runtime failure, not a rule. It
      // is enabled all the same, for the other nodes too.
      failure = e.what();
    }
    share_config(key, true);
    if (!view) {
      return error_response(500, ErrorKind::kInternal, failure,
                            {{"enabled", true}});
    }
    return json_response(200, describe(host_, *view));
  }
  if (what == "settings" && parts.size() == 2) {
    if (m == "GET") return json_response(200, host_.plugin(key).settings);
    if (m != "PUT") return method_not_allowed(req, "GET, PUT");
    return put_settings(key, req.body);
  }
  if (what == "isolation" && parts.size() == 2) {
    const auto tier_of = [](const PluginView& v) {
      return nlohmann::json{
          {"plugin", v.key},
          {"isolation", to_string(v.isolation)},
          {"source", v.isolation_from_user ? "user" : "manifest"}};
    };
    if (m == "GET") return json_response(200, tier_of(host_.plugin(key)));
    if (m != "PUT") return method_not_allowed(req, "GET, PUT");
    const nlohmann::json doc = parse_json_body(req.body, "the isolation tier");
    if (!doc.is_object() || !doc.contains("isolation") ||
        !doc["isolation"].is_string()) {
      throw Error(
          ErrorKind::kUsage,
          "the body must be {\"isolation\": \"thread|process|manifest\"}"
          ", got " +
              req.body);
    }
    std::string tier = doc["isolation"].get<std::string>();
    if (tier == "manifest") tier.clear();
    const PluginView view =
        changing(key, [&] { return host_.set_isolation(key, tier); });
    return json_response(200, tier_of(view));
  }
  if (what == "actions" && parts.size() == 3) {
    if (m != "POST") return method_not_allowed(req, "POST");
    const std::string result = host_.run_action(
        key, parts[2], req.body.empty() ? std::string("{}") : req.body);
    return json_response(
        200, {{"plugin", key}, {"action", parts[2]}, {"result", result}});
  }
  return error_response(
      404, ErrorKind::kNotFound,
      "no route " + path +
          "; plugin routes are /api/plugins/KEY, /api/plugins/KEY/enable, "
          "/api/plugins/KEY/disable, /api/plugins/KEY/settings, "
          "/api/plugins/KEY/isolation and "
          "/api/plugins/KEY/actions/ID");
}

HttpResponse ApiRouter::level(const HttpRequest& req) {
  if (req.method == "PUT") {
    const nlohmann::json doc = parse_json_body(req.body, "the level");
    const std::string text =
        doc.is_object() && doc.contains("level") && doc["level"].is_string()
            ? doc["level"].get<std::string>()
            : std::string();
    const auto parsed = parse_level(text);
    if (!parsed) {
      throw Error(ErrorKind::kUsage,
                  "the body must be {\"level\": \"NONE|CRITICAL|SYSTEM|FULL\"}"
                  ", got " +
                      req.body);
    }
    host_.set_level(*parsed);
    share_config("");
    return json_response(200, {{"stored", to_string(*parsed)},
                               {"level", to_string(host_.level().level)},
                               {"source", host_.level().source}});
  }
  if (req.method != "GET") return method_not_allowed(req, "GET, PUT");
  const LevelResolution& level = host_.level();
  return json_response(200, {{"level", to_string(level.level)},
                             {"source", level.source},
                             {"warnings", level.warnings}});
}

}  // namespace eventhost
