/*
 * slow -- a test plugin whose handler overruns its time budget: the
 * manifest allows 100 ms, on_channel_created sleeps `sleep_ms` (default
 * 300). Tests use it for timeouts and for a full queue that must not slow
 * the other plugins down.
 */
#define _POSIX_C_SOURCE 199309L
#include <eventhost/plugin.h>
#include <stdlib.h>
#include <time.h>

/* The current sleep_ms setting, read at call time so a test can change it
 * without reloading the plugin. */
static long sleep_ms(const eh_event* ev, eh_context* ctx) {
  char text[64];
  if (ev->host->get_setting(ctx, "sleep_ms", text, sizeof text, NULL) !=
      EH_OK) {
    return 300;
  }
  return (long)strtod(text, NULL);
}

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  long ms = sleep_ms(ev, ctx);
  if (ms < 0) ms = 0;
  struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&pause, &pause) != 0) {
  }
  return EH_OK;
}
