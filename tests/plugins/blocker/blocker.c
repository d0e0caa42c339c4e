/*
 * blocker -- a test plugin whose on_channel_created waits until the test
 * releases it, so a test decides when a call ends instead of guessing how
 * long it takes.
 *
 * Settings (paths; "" = skip that step), read at each call:
 *   entered_file      created as the call begins: the test knows the call
 *                     is running.
 *   release_file      the call waits (polling every millisecond) until
 *                     this file exists.
 *   emit_result_file  once released, the call emits channel.updated and
 *                     writes the code the host returned ("5\n" for
 *                     EH_ERR_REFUSED) to this file, whole (written aside,
 *                     then renamed).
 * Its queue holds 16 deliveries, so a test fills it with a few emits.
 *
 * Actions, for what must not wait on a slow plugin action:
 *   "wait"   creates entered_file, then waits until release_file exists
 *            (the same settings as the handler); answers {"waited": true}.
 *   "sleep"  params {"ms": N}: sleeps N ms (0..600000); answers
 *            {"slept_ms": N}.
 */
#define _POSIX_C_SOURCE 200809L
#include <eventhost/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const eh_host_api* g_host;

EH_EXPORT int32_t eh_plugin_init(const eh_host_api* host, eh_context* ctx) {
  (void)ctx;
  g_host = host;
  return EH_OK;
}

/* The string setting `id` (JSON text such as "\"/tmp/x\"") without its
 * quotes, in `path`; "" if unset or if it holds an escape. */
static void host_path_setting(const eh_host_api* host, eh_context* ctx,
                              const char* id, char* path, size_t size) {
  char text[4096];
  path[0] = '\0';
  if (host->get_setting(ctx, id, text, sizeof text, NULL) != EH_OK) return;
  const size_t n = strlen(text);
  if (n < 3 || text[0] != '"' || text[n - 1] != '"' || n - 2 >= size) return;
  if (memchr(text, '\\', n) != NULL) return;
  memcpy(path, text + 1, n - 2);
  path[n - 2] = '\0';
}

static void path_setting(const eh_event* ev, eh_context* ctx, const char* id,
                         char* path, size_t size) {
  host_path_setting(ev->host, ctx, id, path, size);
}

static void wait_for_file(const char* path) {
  const struct timespec pause = {0, 1000000L};
  while (access(path, F_OK) != 0) nanosleep(&pause, NULL);
}

static int write_file(const char* path, const char* text) {
  char temp[4200];
  snprintf(temp, sizeof temp, "%s.tmp", path);
  FILE* f = fopen(temp, "w");
  if (f == NULL) return -1;
  fputs(text, f);
  if (fclose(f) != 0) return -1;
  return rename(temp, path);
}

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  char path[4096];
  path_setting(ev, ctx, "entered_file", path, sizeof path);
  if (path[0] != '\0' && write_file(path, "entered\n") != 0) {
    ev->host->set_error(ctx, "cannot write entered_file");
    return EH_ERR_FAILED;
  }
  path_setting(ev, ctx, "release_file", path, sizeof path);
  if (path[0] != '\0') wait_for_file(path);
  path_setting(ev, ctx, "emit_result_file", path, sizeof path);
  if (path[0] != '\0') {
    const char payload[] = "{\"channel_id\": 1}";
    const int32_t code =
        ev->host->emit(ctx, "channel.updated", payload, sizeof payload - 1);
    char line[32];
    snprintf(line, sizeof line, "%d\n", (int)code);
    if (write_file(path, line) != 0) return EH_ERR_FAILED;
  }
  return EH_OK;
}

/* The whole number after "ms": in `params_json`, or -1. */
static long ms_of(const char* params_json) {
  const char* at = strstr(params_json, "\"ms\"");
  if (at == NULL) return -1;
  at = strchr(at, ':');
  if (at == NULL) return -1;
  char* end = NULL;
  const long n = strtol(at + 1, &end, 10);
  return end == at + 1 ? -1 : n;
}

EH_EXPORT int32_t eh_plugin_action(eh_context* ctx, const char* action_id,
                                   const char* params_json) {
  char text[64];
  if (g_host == NULL) return EH_ERR_FAILED;
  if (strcmp(action_id, "sleep") == 0) {
    const long ms = ms_of(params_json);
    if (ms < 0 || ms > 600000) {
      g_host->set_error(ctx, "sleep: params must be {\"ms\": 0..600000}");
      return EH_ERR_INVALID_ARGUMENT;
    }
    const struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
    snprintf(text, sizeof text, "{\"slept_ms\": %ld}", ms);
    g_host->set_result(ctx, text);
    return EH_OK;
  }
  if (strcmp(action_id, "wait") != 0) return EH_ERR_NOT_FOUND;
  char path[4096];
  host_path_setting(g_host, ctx, "entered_file", path, sizeof path);
  if (path[0] != '\0' && write_file(path, "entered\n") != 0) {
    g_host->set_error(ctx, "cannot write entered_file");
    return EH_ERR_FAILED;
  }
  host_path_setting(g_host, ctx, "release_file", path, sizeof path);
  if (path[0] != '\0') wait_for_file(path);
  g_host->set_result(ctx, "{\"waited\": true}");
  return EH_OK;
}
