/* soak_recorder -- the soak's healthy plugin: writes the id of every event
 * it is handed to a file, as one little-endian uint64 per call, so the soak
 * can check at the end that every acknowledged event reached it.
 *
 * Not the tests' recorder (tests/plugins/recorder): that one opens and
 * closes its file and writes a text line per call, which at the soak's
 * 20 000 events/s for ten minutes costs a good share of a core and ~400 MB
 * per recorder. This one keeps the file open (O_APPEND) and makes one
 * write(2) of 8 bytes per call: the bytes are in the kernel once the call
 * returns, so a `kill -9` of the daemon (or of the worker) loses none.
 *
 * Settings: `path` (the file; configure reopens it when it changes) and
 * `generation` (a number the soak's configure churn changes; it only
 * proves that a configure reached a running plugin). Built twice, under
 * two keys: soak_recorder_thread (thread tier) and soak_recorder_process
 * (process tier), from the two manifests next to this file. */
#include <eventhost/plugin.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

static const eh_host_api* g_host;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_fd = -1;
static char g_path[4096];

EH_EXPORT int32_t eh_plugin_init(const eh_host_api* host, eh_context* ctx) {
  (void)ctx;
  g_host = host;
  return EH_OK;
}

/* The setting arrives as JSON text ("..."); the soak's paths need no
 * escapes. 0 on success. */
static int read_path(eh_context* ctx, char* out, size_t size) {
  char text[4200];
  if (g_host->get_setting(ctx, "path", text, sizeof text, NULL) != EH_OK)
    return -1;
  const size_t len = strlen(text);
  if (len < 3 || text[0] != '"' || text[len - 1] != '"' || len - 2 >= size)
    return -1;
  memcpy(out, text + 1, len - 2);
  out[len - 2] = '\0';
  return 0;
}

EH_EXPORT int32_t eh_plugin_configure(eh_context* ctx,
                                      const char* settings_json) {
  (void)settings_json;
  char path[sizeof g_path];
  if (read_path(ctx, path, sizeof path) != 0) return EH_OK; /* not set yet */
  pthread_mutex_lock(&g_lock);
  int32_t result = EH_OK;
  if (g_fd < 0 || strcmp(path, g_path) != 0) {
    const int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
      g_host->set_error(ctx, "soak_recorder: cannot open the path setting");
      result = EH_ERR_INVALID_ARGUMENT;
    } else {
      if (g_fd >= 0) close(g_fd);
      g_fd = fd;
      memcpy(g_path, path, sizeof path);
    }
  }
  pthread_mutex_unlock(&g_lock);
  return result;
}

EH_EXPORT void eh_plugin_shutdown(eh_context* ctx) {
  (void)ctx;
  pthread_mutex_lock(&g_lock);
  if (g_fd >= 0) close(g_fd);
  g_fd = -1;
  g_path[0] = '\0';
  pthread_mutex_unlock(&g_lock);
}

EH_EXPORT int32_t eh_on_any_event(const eh_event* ev, eh_context* ctx) {
  unsigned char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = (unsigned char)(ev->id >> (8 * i));
  pthread_mutex_lock(&g_lock);
  const ssize_t written = g_fd < 0 ? -1 : write(g_fd, bytes, sizeof bytes);
  pthread_mutex_unlock(&g_lock);
  if (written != (ssize_t)sizeof bytes) {
    ev->host->set_error(ctx, "soak_recorder: cannot write to the record file");
    return EH_ERR_FAILED;
  }
  return EH_OK;
}
