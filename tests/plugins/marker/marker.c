/*
 * marker -- a test plugin that proves whether its code ever ran. A library
 * constructor (run by the dynamic linker on load, before any eventhost
 * call) creates the file named by the environment variable EH_MARKER_FILE.
 * Discovery must never create it; loading an enabled plugin does.
 */
#include <eventhost/plugin.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((constructor)) static void leave_marker(void) {
  const char* path = getenv("EH_MARKER_FILE");
  if (path == NULL || path[0] == '\0') return;
  FILE* out = fopen(path, "w");
  if (out != NULL) {
    fputs("marker plugin code ran\n", out);
    fclose(out);
  }
}

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  (void)ev;
  (void)ctx;
  return EH_OK;
}
