/*
 * sandboxed -- a test plugin that promises "no_spawn", "no_fs_write" and
 * "no_network" in its manifest and then tries each anyway:
 *   channel.created  fork()
 *   channel.updated  open(<payload's file_path>, O_WRONLY | O_CREAT)
 *   channel.deleted  socket(AF_INET, SOCK_STREAM)
 * Each handler returns EH_OK if the call succeeded (the sandbox let it
 * through) and EH_ERR_REFUSED with the errno text if it was refused.
 * auth.login reads /etc/hostname, which the promises allow.
 */
#include <errno.h>
#include <eventhost/plugin.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int32_t refused(const eh_event* ev, eh_context* ctx, const char* what) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(errno));
  ev->host->set_error(ctx, message);
  return EH_ERR_REFUSED;
}

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  const pid_t pid = fork();
  if (pid < 0) return refused(ev, ctx, "fork");
  if (pid == 0) _exit(0);
  waitpid(pid, NULL, 0);
  return EH_OK;
}

/* The path is the payload's "file_path" string value, which the test gives
 * without escapes. */
static int file_path_of(const eh_event* ev, char* out, size_t size) {
  const char* key = strstr(ev->payload, "\"file_path\"");
  if (key == NULL) return -1;
  const char* start = strchr(key + 11, '"');
  if (start == NULL) return -1;
  const char* end = strchr(start + 1, '"');
  if (end == NULL || (size_t)(end - start) >= size) return -1;
  memcpy(out, start + 1, (size_t)(end - start - 1));
  out[end - start - 1] = '\0';
  return 0;
}

EH_EXPORT int32_t on_channel_updated(const eh_event* ev, eh_context* ctx) {
  char path[1024];
  if (file_path_of(ev, path, sizeof path) != 0) return EH_ERR_INVALID_ARGUMENT;
  const int fd = open(path, O_WRONLY | O_CREAT, 0600);
  if (fd < 0) return refused(ev, ctx, "open for writing");
  close(fd);
  return EH_OK;
}

EH_EXPORT int32_t on_channel_deleted(const eh_event* ev, eh_context* ctx) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return refused(ev, ctx, "socket(AF_INET)");
  close(fd);
  return EH_OK;
}

EH_EXPORT int32_t on_auth_login(const eh_event* ev, eh_context* ctx) {
  const int fd = open("/etc/hostname", O_RDONLY);
  if (fd < 0) return refused(ev, ctx, "open for reading");
  close(fd);
  return EH_OK;
}
