/* unhandled_subscribe -- loads, but its manifest subscribes to channel.*
 * while it exports no eh_on_any_event, so nothing receives those events:
 * the validator must warn. */
#include <eventhost/plugin.h>

EH_EXPORT int32_t on_auth_login(const eh_event* ev, eh_context* ctx) {
  (void)ev;
  (void)ctx;
  return EH_OK;
}
