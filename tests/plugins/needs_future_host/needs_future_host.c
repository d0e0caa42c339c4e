/* needs_future_host: a minimal plugin; only its manifest's host_version matters. */
#include <eventhost/plugin.h>

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  (void)ev;
  (void)ctx;
  return EH_OK;
}
