/* foreign_event -- a plugin whose manifest the host must refuse: it
 * declares channel.exploded, outside its own foreign_event.* namespace. */
#include <eventhost/plugin.h>

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  (void)ev;
  (void)ctx;
  return EH_OK;
}
