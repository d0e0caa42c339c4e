/* noop -- a test plugin whose handler does nothing, for the benchmarks:
 * what it costs is what the host costs. */
#include <eventhost/plugin.h>

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  (void)ev;
  (void)ctx;
  return EH_OK;
}
