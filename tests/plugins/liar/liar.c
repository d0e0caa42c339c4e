/*
 * liar -- a test plugin that behaves like compromised code in a worker: it
 * writes straight to the worker's socket to the host (fd 3), forging what
 * the host reads.
 *   channel.created  a frame header claiming 4 GiB
 *   channel.updated  a result for an event id that is not being handled
 *   auth.login       nothing forged: returns EH_OK
 *   auth.logout      fills its worker's progress page (the memfd shared
 *                    with the host) with 0xff bytes, then dereferences a
 *                    null pointer, so that the host reads the page
 */
#include <eventhost/plugin.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void forge(const void* bytes, size_t size) {
  (void)!write(3, bytes, size);
}

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  (void)ev;
  (void)ctx;
  const unsigned char huge[] = {0xff, 0xff, 0xff, 0xff, 21};
  forge(huge, sizeof huge);
  return EH_OK;
}

EH_EXPORT int32_t on_channel_updated(const eh_event* ev, eh_context* ctx) {
  (void)ctx;
  /* kResult (21): u64 id, u8 outcome, i32 code, u32 len + text, u64 ns. */
  unsigned char frame[4 + 1 + 8 + 1 + 4 + 4 + 8];
  const uint32_t size = sizeof frame - 4;
  const uint64_t wrong_id = ev->id + 1000;
  const uint32_t no_text = 0;
  const int32_t code = 0;
  const uint64_t ns = 1;
  unsigned char* at = frame;
  memcpy(at, &size, 4), at += 4;
  *at++ = 21;
  memcpy(at, &wrong_id, 8), at += 8;
  *at++ = 0;
  memcpy(at, &code, 4), at += 4;
  memcpy(at, &no_text, 4), at += 4;
  memcpy(at, &ns, 8);
  forge(frame, sizeof frame);
  return EH_OK;
}

EH_EXPORT int32_t on_auth_login(const eh_event* ev, eh_context* ctx) {
  (void)ev;
  (void)ctx;
  return EH_OK;
}

EH_EXPORT int32_t on_auth_logout(const eh_event* ev, eh_context* ctx) {
  (void)ev;
  (void)ctx;
  FILE* maps = fopen("/proc/self/maps", "r");
  char line[512];
  while (maps != NULL && fgets(line, sizeof line, maps) != NULL) {
    unsigned long start = 0, end = 0;
    if (strstr(line, "eventhost-progress") != NULL &&
        sscanf(line, "%lx-%lx", &start, &end) == 2) {
      memset((void*)start, 0xff, end - start);
    }
  }
  if (maps != NULL) fclose(maps);
  volatile int* nowhere = NULL;
  *nowhere = 1;
  return EH_OK;
}
