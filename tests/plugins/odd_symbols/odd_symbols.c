/*
 * odd_symbols -- exports functions that look like handlers but are not
 * handler names (on_, On_x, on_Test), a valid name for no known event
 * (on_chanel_created, misspelt) and one real handler (on_channel_created).
 * The host must call only the last one and warn about the others.
 */
#include <eventhost/plugin.h>

static int32_t ok(const eh_event* ev, eh_context* ctx) {
  (void)ev;
  (void)ctx;
  return EH_OK;
}

EH_EXPORT int32_t on_(const eh_event* ev, eh_context* ctx) {
  return ok(ev, ctx);
}
EH_EXPORT int32_t On_x(const eh_event* ev, eh_context* ctx) {
  return ok(ev, ctx);
}
EH_EXPORT int32_t on_Test(const eh_event* ev, eh_context* ctx) {
  return ok(ev, ctx);
}
EH_EXPORT int32_t on_chanel_created(const eh_event* ev, eh_context* ctx) {
  return ok(ev, ctx);
}
EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  return ok(ev, ctx);
}
