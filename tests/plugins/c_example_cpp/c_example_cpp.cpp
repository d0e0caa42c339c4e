// c_example_cpp -- the C example of plugin_sdk/README.md copied as it is
// into a .cpp file, with no extern "C": EH_EXPORT must give the handler C
// linkage so the host finds on_channel_created and calls it. It logs the
// payload, which a test sees in the host's output.
#include <eventhost/plugin.h>

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  ev->host->log(ctx, EH_LOG_INFO, ev->payload); /* payload: JSON text */
  return EH_OK;                                 /* anything else: failure */
}
