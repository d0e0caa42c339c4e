// /api/series, /api/failures and /api/host: what the dashboard's charts
// and overview read, as ordinary API routes.
//   GET /api/series[?plugin=KEY][&since=UNIX_SECOND]  one point a second,
//       the last 15 minutes (api/delivery_series.h)
//   GET /api/failures?plugin=KEY  the plugin's latest failed deliveries
//   GET /api/host  version, start time, safe mode, and the last unclean
//       shutdown the flight recorder saw
#include "api/api_response.h"
#include "api/api_router.h"
#include "api/delivery_series.h"
#include "eventhost/version.h"

namespace eventhost {
namespace {

std::int64_t since_of(const HttpRequest& req) {
  const std::string text = req.query("since");
  if (text.empty()) return 0;
  if (text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    throw Error(
        ErrorKind::kUsage,
        "since must be a Unix time in whole seconds, got '" + text + "'");
  }
  return std::stoll(text);
}

HttpResponse not_kept() {
  return error_response(404, ErrorKind::kNotFound,
                        "this daemon keeps no time series");
}

}  // namespace

HttpResponse ApiRouter::series(const HttpRequest& req) const {
  if (req.method != "GET") return method_not_allowed(req, "GET");
  if (series_ == nullptr) return not_kept();
  const std::int64_t since = since_of(req);
  const std::string key = req.query("plugin");
  if (key.empty()) return json_response(200, series_->daemon_json(since));
  (void)host_.plugin(key);  // 404 naming the known plugins
  return json_response(200, series_->plugin_json(key, since));
}

HttpResponse ApiRouter::failures(const HttpRequest& req) const {
  if (req.method != "GET") return method_not_allowed(req, "GET");
  if (series_ == nullptr) return not_kept();
  const std::string key = req.query("plugin");
  if (key.empty()) {
    throw Error(ErrorKind::kUsage,
                "say whose failures: /api/failures?plugin=KEY");
  }
  (void)host_.plugin(key);
  return json_response(200, series_->failures_json(key));
}

HttpResponse ApiRouter::host_info(const HttpRequest& req) const {
  if (req.method != "GET") return method_not_allowed(req, "GET");
  const auto& unclean = host_.unclean_previous_run();
  return json_response(
      200, {{"version", kHostVersion},
            {"started_at_us", started_at_us_},
            {"safe_mode", host_.options().safe_mode},
            {"state_file", host_.options().state_path.string()},
            {"plugins_dir", host_.options().plugins_dir.string()},
            {"unclean_shutdown",
             unclean ? nlohmann::json(*unclean) : nlohmann::json()}});
}

}  // namespace eventhost
