/* bad_manifest -- a plugin whose manifest the host must refuse: the
 * default of its number setting is a string. */
#include <eventhost/plugin.h>

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  (void)ev;
  (void)ctx;
  return EH_OK;
}
