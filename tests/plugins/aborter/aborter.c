/* aborter -- a test plugin that calls abort() in on_channel_created. */
#include <eventhost/plugin.h>
#include <stdlib.h>

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  (void)ev;
  (void)ctx;
  abort();
}
