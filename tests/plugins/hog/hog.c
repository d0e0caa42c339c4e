/* hog -- a test plugin that allocates 16 MiB blocks and fills them, never
 * checking malloc, until its process runs out of memory and dies. The
 * manifest caps its worker at 64 MiB so that happens quickly. */
#include <eventhost/plugin.h>
#include <stdlib.h>
#include <string.h>

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  (void)ev;
  (void)ctx;
  for (;;) {
    char* block = malloc(16u << 20);
    memset(block, 0x5a, 16u << 20);
  }
}
