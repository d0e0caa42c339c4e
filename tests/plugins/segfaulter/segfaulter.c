/*
 * segfaulter -- a test plugin that dereferences a null pointer on every
 * Nth channel.created its process handles (setting `crash_every`, default
 * 3), for the process tier: the worker dies with SIGSEGV, the host goes on.
 * The count is per process, so a restarted worker counts from zero again.
 *
 * `delay_ms` (default 0) waits that long before the crash, so the tests of
 * a crash in the thread tier can count on the event being in the journal
 * by then (the journal's writer commits within a few milliseconds).
 * `signal` (default 11) other than 11 raises that signal instead of the
 * null dereference: 9 (SIGKILL) looks to the host like a kill from outside.
 */
#include <eventhost/plugin.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long g_calls;
static long g_crash_every = 3;
static long g_delay_ms;
static long g_signal = SIGSEGV;

/* The number after "name": in the minified settings object, or fallback. */
static long setting(const char* settings, const char* name, long fallback) {
  const char* at = strstr(settings, name);
  if (at == NULL) return fallback;
  at += strlen(name);
  if (*at != ':') return fallback;
  return strtol(at + 1, NULL, 10);
}

EH_EXPORT int32_t eh_plugin_configure(eh_context* ctx, const char* settings) {
  (void)ctx;
  g_crash_every = setting(settings, "\"crash_every\"", 3);
  if (g_crash_every < 1) g_crash_every = 1;
  g_delay_ms = setting(settings, "\"delay_ms\"", 0);
  g_signal = setting(settings, "\"signal\"", SIGSEGV);
  return EH_OK;
}

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  (void)ev;
  (void)ctx;
  if (++g_calls % g_crash_every == 0) {
    if (g_delay_ms > 0) {
      struct timespec pause;
      pause.tv_sec = g_delay_ms / 1000;
      pause.tv_nsec = (g_delay_ms % 1000) * 1000000L;
      nanosleep(&pause, NULL);
    }
    if (g_signal != SIGSEGV) raise((int)g_signal);
    volatile int* nowhere = NULL;
    *nowhere = 1;
  }
  return EH_OK;
}
