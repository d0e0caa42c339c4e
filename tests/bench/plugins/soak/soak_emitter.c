/* soak_emitter -- the soak's plugin that emits events of its own: every
 * 20th channel.updated it handles, it emits soak_emitter.echoed with the
 * id of the event that caused it (depth 1, through host->emit, so at the
 * soak's 20 000 events/s that is 1 000 emits a second, a tenth of the
 * default cap). What emit answers is counted, never a failure of the call:
 * a refusal (the daemon stopping, say) is the host's to report. */
#include <eventhost/plugin.h>
#include <inttypes.h>
#include <stdio.h>

static long g_calls;

EH_EXPORT int32_t on_channel_updated(const eh_event* ev, eh_context* ctx) {
  if (++g_calls % 20 != 0) return EH_OK; /* calls are serialized */
  char payload[64];
  const int n = snprintf(payload, sizeof payload, "{\"of\":%" PRIu64 "}",
                         (uint64_t)ev->id);
  (void)ev->host->emit(ctx, "soak_emitter.echoed", payload, (size_t)n);
  return EH_OK;
}
