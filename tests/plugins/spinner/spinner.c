/* spinner -- a test plugin whose on_channel_created never returns: it
 * spins on the CPU, so only killing its process stops it. */
#include <eventhost/plugin.h>

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  (void)ev;
  (void)ctx;
  for (volatile unsigned long i = 0;; ++i) {
  }
}
