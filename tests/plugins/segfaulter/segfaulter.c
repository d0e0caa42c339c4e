/*
 * segfaulter -- a test plugin that dereferences a null pointer on every
 * Nth channel.created its process handles (setting `crash_every`, default
 * 3), for the process tier: the worker dies with SIGSEGV, the host goes on.
 * The count is per process, so a restarted worker counts from zero again.
 */
#include <eventhost/plugin.h>
#include <stdlib.h>

static long g_calls;
static long g_crash_every = 3;

EH_EXPORT int32_t eh_plugin_configure(eh_context* ctx, const char* settings) {
  (void)ctx;
  const char* at = settings;
  /* settings is {"crash_every":N}: the number after the colon. */
  while (*at != '\0' && *at != ':') ++at;
  if (*at == ':') g_crash_every = strtol(at + 1, NULL, 10);
  if (g_crash_every < 1) g_crash_every = 1;
  return EH_OK;
}

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  (void)ev;
  (void)ctx;
  if (++g_calls % g_crash_every == 0) {
    volatile int* nowhere = NULL;
    *nowhere = 1;
  }
  return EH_OK;
}
