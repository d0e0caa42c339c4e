// GET /api/cluster: the cluster as Redis sees it (cluster/cluster_status.h),
// on a daemon that is a node of one.
#include <nlohmann/json.hpp>

#include "api/api_response.h"
#include "api/api_router.h"

namespace eventhost {

HttpResponse ApiRouter::cluster(const HttpRequest& req) const {
  if (req.method != "GET") return method_not_allowed(req, "GET");
  if (!cluster_status_) {
    return error_response(
        404, ErrorKind::kNotFound,
        "this daemon is not a node of a cluster (start it with `eventhost "
        "run --cluster redis://HOST:PORT`)");
  }
  return json_response(200, cluster_status_());
}

}  // namespace eventhost
