/*
 * recorder -- a test plugin that writes down every handler call it gets.
 *
 * Each call appends "<symbol> <event id> <event name>\n" to the file named
 * by the string setting `path`, so a test can read exactly which handler
 * saw which event, in which order. The numeric setting `fail_first` makes
 * the first N handler calls return EH_ERR_FAILED (they are still recorded),
 * for retry and circuit-breaker tests; `sleep_us` makes each call take that
 * long after recording it (a plugin that lags); `attempts` ends each
 * line with " attempt=N" (the delivery's attempt, for redelivery tests).
 * The action "ping" answers "pong".
 *
 * Settings are read with host->get_setting in eh_plugin_configure, which is
 * how a real plugin would do it, and kept in the user data. Handlers take a
 * mutex so the plugin stays correct even if a host runs it concurrently.
 */
#include <eventhost/plugin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct recorder_state {
  const eh_host_api* host;
  pthread_mutex_t lock;
  char path[4096];
  long fail_first;
  long sleep_us;
  int record_attempt;
  long calls;
} recorder_state;

/* Turns the JSON string text `"..."` into plain text (the escapes a path
 * may contain); 0 on success. */
static int unquote_json_string(const char* json, char* out, size_t size) {
  size_t len = strlen(json), n = 0;
  if (len < 2 || json[0] != '"' || json[len - 1] != '"') return -1;
  for (size_t i = 1; i + 1 < len; ++i) {
    char c = json[i];
    if (c == '\\' && i + 2 < len) {
      c = json[++i];
      if (c == 'n') c = '\n';
      if (c == 't') c = '\t';
    }
    if (n + 1 >= size) return -1;
    out[n++] = c;
  }
  out[n] = '\0';
  return 0;
}

/* The host table is the same for every call of one loaded plugin; the
 * configure and action entry points get only the context, so init keeps
 * it where they can find it. */
static const eh_host_api* g_host;

static recorder_state* state_of(eh_context* ctx) {
  return g_host ? (recorder_state*)g_host->get_user_data(ctx) : NULL;
}

EH_EXPORT int32_t eh_plugin_init(const eh_host_api* host, eh_context* ctx) {
  recorder_state* st = calloc(1, sizeof *st);
  if (st == NULL) return EH_ERR_FAILED;
  st->host = host;
  pthread_mutex_init(&st->lock, NULL);
  g_host = host;
  host->set_user_data(ctx, st);
  return EH_OK;
}

EH_EXPORT int32_t eh_plugin_configure(eh_context* ctx,
                                      const char* settings_json) {
  (void)settings_json; /* read through get_setting, as plugins usually do */
  recorder_state* st = state_of(ctx);
  if (st == NULL) return EH_ERR_FAILED;
  char text[4200], path[sizeof st->path];
  if (st->host->get_setting(ctx, "path", text, sizeof text, NULL) != EH_OK ||
      unquote_json_string(text, path, sizeof path) != 0) {
    st->host->set_error(ctx, "recorder: setting path is not a usable string");
    return EH_ERR_INVALID_ARGUMENT;
  }
  long fail_first = 0;
  if (st->host->get_setting(ctx, "fail_first", text, sizeof text, NULL) ==
      EH_OK) {
    fail_first = (long)strtod(text, NULL);
  }
  long sleep_us = 0;
  if (st->host->get_setting(ctx, "sleep_us", text, sizeof text, NULL) ==
      EH_OK) {
    sleep_us = (long)strtod(text, NULL);
  }
  int record_attempt = 0;
  if (st->host->get_setting(ctx, "attempts", text, sizeof text, NULL) ==
      EH_OK) {
    record_attempt = strcmp(text, "true") == 0;
  }
  pthread_mutex_lock(&st->lock);
  memcpy(st->path, path, sizeof path);
  st->fail_first = fail_first;
  st->sleep_us = sleep_us;
  st->record_attempt = record_attempt;
  pthread_mutex_unlock(&st->lock);
  return EH_OK;
}

EH_EXPORT void eh_plugin_shutdown(eh_context* ctx) {
  recorder_state* st = state_of(ctx);
  if (st == NULL) return;
  g_host->set_user_data(ctx, NULL);
  pthread_mutex_destroy(&st->lock);
  free(st);
}

/* Records one call; returns what the handler should return. */
static int32_t record(const char* symbol, const eh_event* ev, eh_context* ctx) {
  recorder_state* st = (recorder_state*)ev->host->get_user_data(ctx);
  if (st == NULL || st->path[0] == '\0') {
    ev->host->set_error(ctx, "recorder: setting path is not set");
    return EH_ERR_INVALID_ARGUMENT;
  }
  pthread_mutex_lock(&st->lock);
  FILE* out = fopen(st->path, "a");
  int written =
      out != NULL && fprintf(out, "%s %llu %s", symbol,
                             (unsigned long long)ev->id, ev->name) > 0;
  if (written && st->record_attempt) {
    written = fprintf(out, " attempt=%u", (unsigned)ev->attempt) > 0;
  }
  if (written) written = fputc('\n', out) != EOF;
  if (out != NULL && fclose(out) != 0) written = 0;
  const long call = ++st->calls;
  const long fail_first = st->fail_first;
  const long sleep_us = st->sleep_us;
  pthread_mutex_unlock(&st->lock);
  if (sleep_us > 0) usleep((useconds_t)sleep_us);
  if (!written) {
    ev->host->set_error(ctx, "recorder: cannot append to the record file");
    return EH_ERR_FAILED;
  }
  if (call <= fail_first) {
    ev->host->set_error(ctx, "recorder: failing as fail_first asks");
    return EH_ERR_FAILED;
  }
  return EH_OK;
}

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  return record("on_channel_created", ev, ctx);
}

EH_EXPORT int32_t on_recording_completed(const eh_event* ev, eh_context* ctx) {
  return record("on_recording_completed", ev, ctx);
}

EH_EXPORT int32_t eh_on_any_event(const eh_event* ev, eh_context* ctx) {
  return record("eh_on_any_event", ev, ctx);
}

EH_EXPORT int32_t eh_plugin_action(eh_context* ctx, const char* action_id,
                                   const char* params_json) {
  (void)params_json;
  if (g_host == NULL || strcmp(action_id, "ping") != 0) {
    return EH_ERR_NOT_FOUND;
  }
  g_host->set_result(ctx, "pong");
  return EH_OK;
}
