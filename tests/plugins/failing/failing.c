/*
 * failing -- a test plugin whose handler always fails, the way a plugin
 * whose backing service is down would: it records why, then returns
 * EH_ERR_FAILED. Tests use it to see failures logged, counted and isolated.
 */
#include <eventhost/plugin.h>

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  ev->host->set_error(ctx, "database unreachable");
  return EH_ERR_FAILED;
}
