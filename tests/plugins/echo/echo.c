/*
 * echo -- a test plugin that tries to start an endless storm.
 *
 * Its channel.updated handler emits channel.updated again, with the same
 * payload: without a limit on the causal depth that is a loop with no end.
 * When the host refuses an emit the handler logs the code it saw ("echo
 * saw code N from emit") and still succeeds, so a test can tell that the
 * refusal reached the plugin.
 *
 * The action "burst" emits its own event echo.tick {"count": N} times (at
 * most 100000) in one tight loop, within that one call, and answers
 * {"accepted": A, "refused": R, "other": O}: how many emits returned
 * EH_OK, EH_ERR_REFUSED and anything else. The manifest caps echo at 50
 * emits a second, so a burst of many more shows the per-second cap.
 */
#include <eventhost/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const eh_host_api* g_host;

EH_EXPORT int32_t eh_plugin_init(const eh_host_api* host, eh_context* ctx) {
  (void)ctx;
  g_host = host;
  return EH_OK;
}

EH_EXPORT int32_t on_channel_updated(const eh_event* ev, eh_context* ctx) {
  const int32_t code = ev->host->emit(ctx, "channel.updated", ev->payload,
                                      (size_t)ev->payload_size);
  if (code != EH_OK) {
    char line[64];
    snprintf(line, sizeof line, "echo saw code %d from emit", (int)code);
    ev->host->log(ctx, EH_LOG_WARN, line);
  }
  return EH_OK;
}

/* The number after "count": in `params_json`, or -1. */
static long count_of(const char* params_json) {
  const char* at = strstr(params_json, "\"count\"");
  if (at == NULL) return -1;
  at = strchr(at, ':');
  if (at == NULL) return -1;
  char* end = NULL;
  const long n = strtol(at + 1, &end, 10);
  return end == at + 1 ? -1 : n;
}

EH_EXPORT int32_t eh_plugin_action(eh_context* ctx, const char* action_id,
                                   const char* params_json) {
  if (g_host == NULL || strcmp(action_id, "burst") != 0) {
    return EH_ERR_NOT_FOUND;
  }
  const long count = count_of(params_json);
  if (count < 1 || count > 100000) {
    g_host->set_error(ctx, "burst: params must be {\"count\": 1..100000}");
    return EH_ERR_INVALID_ARGUMENT;
  }
  long accepted = 0, refused = 0, other = 0;
  for (long i = 0; i < count; ++i) {
    char payload[48];
    const int size = snprintf(payload, sizeof payload, "{\"n\": %ld}", i);
    const int32_t code = g_host->emit(ctx, "echo.tick", payload, (size_t)size);
    if (code == EH_OK) {
      ++accepted;
    } else if (code == EH_ERR_REFUSED) {
      ++refused;
    } else {
      ++other;
    }
  }
  char result[128];
  snprintf(result, sizeof result,
           "{\"accepted\": %ld, \"refused\": %ld, \"other\": %ld}", accepted,
           refused, other);
  g_host->set_result(ctx, result);
  return EH_OK;
}
