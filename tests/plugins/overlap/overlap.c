/* overlap -- a test plugin that declares "concurrency": 3 and measures how
 * many of its calls really run at once: each on_channel_created call holds
 * for 30 ms while counting itself in, and the action "max" answers the
 * most calls seen inside at the same time. */
#include <eventhost/plugin.h>
#include <stdio.h>
#include <time.h>

static const eh_host_api* g_host;
static int g_inside;
static int g_max;

EH_EXPORT int32_t eh_plugin_init(const eh_host_api* host, eh_context* ctx) {
  (void)ctx;
  g_host = host;
  return EH_OK;
}

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  (void)ev;
  (void)ctx;
  const int now = __atomic_add_fetch(&g_inside, 1, __ATOMIC_SEQ_CST);
  int seen = __atomic_load_n(&g_max, __ATOMIC_SEQ_CST);
  while (now > seen &&
         !__atomic_compare_exchange_n(&g_max, &seen, now, 0, __ATOMIC_SEQ_CST,
                                      __ATOMIC_SEQ_CST)) {
  }
  const struct timespec hold = {0, 30 * 1000 * 1000};
  nanosleep(&hold, NULL);
  __atomic_sub_fetch(&g_inside, 1, __ATOMIC_SEQ_CST);
  return EH_OK;
}

EH_EXPORT int32_t eh_plugin_action(eh_context* ctx, const char* action_id,
                                   const char* params_json) {
  (void)params_json;
  if (action_id[0] != 'm') return EH_ERR_NOT_FOUND;
  char text[16];
  snprintf(text, sizeof text, "%d", __atomic_load_n(&g_max, __ATOMIC_SEQ_CST));
  g_host->set_result(ctx, text);
  return EH_OK;
}
