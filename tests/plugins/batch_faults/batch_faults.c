/*
 * batch_faults -- a test plugin for the process tier's batches: each event
 * name ends its call in its own way, so that one batch can hold calls that
 * end in every way a call can.
 *   channel.created         returns EH_OK
 *   channel.updated         fails: "refused event <id>"
 *   channel.buffering       fails with a message of 3000 'x'
 *   channel.deleted         dereferences a null pointer (SIGSEGV)
 *   channel.stream_added    never returns (the host kills the worker)
 *   channel.stream_removed  creates `wait_entered`, waits for `wait_release`
 * The action "hold" creates `hold_entered` and waits for `hold_release`:
 * a test runs it on one thread and emits on another, and the events it
 * queues meanwhile reach the worker as one batch once it is released.
 */
#define _POSIX_C_SOURCE 200809L
#include <eventhost/plugin.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const eh_host_api* g_host;

EH_EXPORT int32_t eh_plugin_init(const eh_host_api* host, eh_context* ctx) {
  (void)ctx;
  g_host = host;
  return EH_OK;
}

/* The string setting `id` without its quotes, in `path`; "" if unset. */
static void path_setting(eh_context* ctx, const char* id, char* path,
                         size_t size) {
  char text[4096];
  path[0] = '\0';
  if (g_host->get_setting(ctx, id, text, sizeof text, NULL) != EH_OK) return;
  const size_t n = strlen(text);
  if (n < 3 || text[0] != '"' || text[n - 1] != '"' || n - 2 >= size) return;
  if (memchr(text, '\\', n) != NULL) return;
  memcpy(path, text + 1, n - 2);
  path[n - 2] = '\0';
}

/* Creates the file named by setting `entered`, then waits (polling every
 * millisecond) until the one named by `release` exists. */
static int32_t wait_for(eh_context* ctx, const char* entered,
                        const char* release) {
  char path[4096];
  path_setting(ctx, entered, path, sizeof path);
  if (path[0] != '\0') {
    FILE* f = fopen(path, "w");
    if (f == NULL || fclose(f) != 0) return EH_ERR_FAILED;
  }
  path_setting(ctx, release, path, sizeof path);
  const struct timespec pause = {0, 1000000L};
  while (path[0] != '\0' && access(path, F_OK) != 0) nanosleep(&pause, NULL);
  return EH_OK;
}

EH_EXPORT int32_t eh_plugin_action(eh_context* ctx, const char* action_id,
                                   const char* params_json) {
  (void)params_json;
  if (strcmp(action_id, "hold") != 0) return EH_ERR_NOT_FOUND;
  return wait_for(ctx, "hold_entered", "hold_release");
}

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  (void)ev;
  (void)ctx;
  return EH_OK;
}

EH_EXPORT int32_t on_channel_updated(const eh_event* ev, eh_context* ctx) {
  char message[64];
  snprintf(message, sizeof message, "refused event %llu",
           (unsigned long long)ev->id);
  ev->host->set_error(ctx, message);
  return EH_ERR_FAILED;
}

EH_EXPORT int32_t on_channel_buffering(const eh_event* ev, eh_context* ctx) {
  char message[3001];
  memset(message, 'x', sizeof message - 1);
  message[sizeof message - 1] = '\0';
  ev->host->set_error(ctx, message);
  return EH_ERR_FAILED;
}

EH_EXPORT int32_t on_channel_deleted(const eh_event* ev, eh_context* ctx) {
  (void)ev;
  (void)ctx;
  volatile int* nowhere = NULL;
  *nowhere = 1;
  return EH_OK;
}

EH_EXPORT int32_t on_channel_stream_added(const eh_event* ev,
                                          eh_context* ctx) {
  (void)ev;
  (void)ctx;
  for (volatile unsigned long i = 0;; ++i) {
  }
}

EH_EXPORT int32_t on_channel_stream_removed(const eh_event* ev,
                                            eh_context* ctx) {
  (void)ev;
  return wait_for(ctx, "wait_entered", "wait_release");
}
