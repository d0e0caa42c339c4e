/* latency_probe -- a benchmark plugin that writes down when each handler
 * call began, so the benchmark can measure emit -> handler-entry latency
 * without the plugin's own cost in it.
 *
 * The string setting `path` names a file of `slots` little-endian uint64
 * values that the benchmark created; configure maps it shared, and each
 * on_channel_created call stores CLOCK_MONOTONIC nanoseconds (the clock of
 * std::chrono::steady_clock) at slot `event id % slots`. The benchmark
 * reads the same file after the run. Nothing else is done in the call. */
#include <eventhost/plugin.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const eh_host_api* g_host;
static uint64_t* g_slots;
static size_t g_count;

EH_EXPORT int32_t eh_plugin_init(const eh_host_api* host, eh_context* ctx) {
  (void)ctx;
  g_host = host;
  return EH_OK;
}

/* The setting arrives as JSON text ("..."); paths here need no escapes. */
static int read_path(eh_context* ctx, char* out, size_t size) {
  char text[4200];
  if (g_host->get_setting(ctx, "path", text, sizeof text, NULL) != EH_OK)
    return -1;
  size_t len = strlen(text);
  if (len < 3 || text[0] != '"' || text[len - 1] != '"' || len - 2 >= size)
    return -1;
  memcpy(out, text + 1, len - 2);
  out[len - 2] = '\0';
  return 0;
}

EH_EXPORT int32_t eh_plugin_configure(eh_context* ctx,
                                      const char* settings_json) {
  (void)settings_json;
  char path[4096];
  if (read_path(ctx, path, sizeof path) != 0) return EH_OK; /* not set yet */
  int fd = open(path, O_RDWR);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 8) {
    if (fd >= 0) close(fd);
    g_host->set_error(ctx, "latency_probe: cannot open the slots file");
    return EH_ERR_INVALID_ARGUMENT;
  }
  /* Populated now, so no call pays a page fault the host did not cause. */
  void* map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_POPULATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED) {
    g_host->set_error(ctx, "latency_probe: cannot map the slots file");
    return EH_ERR_FAILED;
  }
  g_slots = (uint64_t*)map;
  g_count = (size_t)st.st_size / 8;
  return EH_OK;
}

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  (void)ctx;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (g_slots != NULL) {
    g_slots[ev->id % g_count] =
        (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
  }
  return EH_OK;
}
