/*
 * escaper -- a test plugin that tries, on request, each known way round a
 * process-tier sandbox. It is built twice from this file: `escaper` promises
 * "no_spawn", "no_fs_write" and "no_network"; `escaper_bare` promises
 * nothing, so the same attempts show that each one really works when no
 * filter stands in the way.
 *
 * The action "try" takes {"escape": NAME, ...} and answers
 * {"escape": NAME, "ok": true|false, "errno": N, "error": TEXT, "value": N}:
 * whether the escape's system call succeeded and, if not, its errno.
 *   openat2           openat2(path, O_WRONLY|O_CREAT): creates "path"
 *   io_uring_open     an io_uring IORING_OP_OPENAT creating "path"
 *   io_uring_socket   an io_uring IORING_OP_SOCKET (AF_INET), then connect()
 *                     to 127.0.0.1:"port"
 *   ptrace            PTRACE_SEIZE of "pid" (then detaches)
 *   process_vm_writev writes "text" at "address" in "pid"
 *   pidfd_getfd       takes fd "fd" of "pid" and writes "text" to it
 *   memfd_execveat    copies /bin/true into a memfd, execveat()s it
 *   memfd_fexecve     the same through fexecve()
 *   clone3            clone3() of a new process (which exits at once)
 *   i386_socketcall   socketcall(SYS_SOCKET, AF_INET) through int 0x80 (the
 *                     i386 ABI), then connect() to 127.0.0.1:"port"
 *   x32_socket        socket(AF_INET) through the x32 ABI, then connect()
 *   identity          nothing; "value" is the effective uid, and the answer
 *                     adds "gid", "no_new_privs" and "seccomp" as read from
 *                     /proc/self/status
 * "value" is the call's result (a byte count, an fd, a pid) when it worked.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <eventhost/plugin.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

static const eh_host_api* g_host;

EH_EXPORT int32_t eh_plugin_init(const eh_host_api* host, eh_context* ctx) {
  (void)ctx;
  g_host = host;
  return EH_OK;
}

/* ---- params: the value after "name": in flat JSON the test writes ---- */

static const char* value_of(const char* json, const char* name) {
  char key[64];
  snprintf(key, sizeof key, "\"%s\"", name);
  const char* at = strstr(json, key);
  if (at == NULL) return NULL;
  at = strchr(at + strlen(key), ':');
  if (at == NULL) return NULL;
  ++at;
  while (*at == ' ') ++at;
  return at;
}

/* A string value without escapes, copied into `out`; "" if absent. */
static void text_of(const char* json, const char* name, char* out,
                    size_t size) {
  out[0] = '\0';
  const char* at = value_of(json, name);
  if (at == NULL || *at != '"') return;
  const char* end = strchr(at + 1, '"');
  if (end == NULL || (size_t)(end - at) > size) return;
  memcpy(out, at + 1, (size_t)(end - at - 1));
  out[end - at - 1] = '\0';
}

static unsigned long long number_of(const char* json, const char* name) {
  const char* at = value_of(json, name);
  return at == NULL ? 0 : strtoull(at, NULL, 10);
}

/* ---- the answer ---- */

struct outcome {
  int ok;
  int error;  /* errno when !ok */
  long value; /* the call's result when ok */
};

static struct outcome worked(long value) {
  struct outcome o = {1, 0, value};
  return o;
}

static struct outcome failed(int error) {
  struct outcome o = {0, error, -1};
  return o;
}

/* A raw system call's result: -errno on failure. */
static struct outcome from_result(long result) {
  return result < 0 ? failed((int)-result) : worked(result);
}

static struct outcome connect_to(int fd, unsigned port) {
  struct sockaddr_in to;
  memset(&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_port = htons((uint16_t)port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int rc = connect(fd, (struct sockaddr*)&to, sizeof to);
  const int error = errno;
  close(fd);
  return rc == 0 ? worked(fd) : failed(error);
}

/* ---- io_uring, by hand (no liburing): one submission, one completion ---- */

struct ring {
  int fd;
  unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_mask;
  struct io_uring_sqe* sqes;
  struct io_uring_cqe* cqes;
};

/* 0, or -errno of the call that failed. */
static long ring_setup(struct ring* r) {
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  r->fd = (int)syscall(__NR_io_uring_setup, 4, &p);
  if (r->fd < 0) return -errno;
  const size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  const size_t cq_len =
      p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  char* sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
  char* cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
  r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
                 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
                 IORING_OFF_SQES);
  if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqes == MAP_FAILED)
    return -errno;
  r->sq_tail = (unsigned*)(sq + p.sq_off.tail);
  r->sq_mask = (unsigned*)(sq + p.sq_off.ring_mask);
  r->sq_array = (unsigned*)(sq + p.sq_off.array);
  r->cq_head = (unsigned*)(cq + p.cq_off.head);
  r->cq_mask = (unsigned*)(cq + p.cq_off.ring_mask);
  r->cqes = (struct io_uring_cqe*)(cq + p.cq_off.cqes);
  return 0;
}

/* Runs one operation; its result (>= 0), or -errno. */
static long ring_run(const struct io_uring_sqe* sqe) {
  struct ring r;
  memset(&r, 0, sizeof r);
  const long setup = ring_setup(&r);
  if (setup != 0) return setup;
  const unsigned tail = *r.sq_tail;
  const unsigned index = tail & *r.sq_mask;
  r.sqes[index] = *sqe;
  r.sq_array[index] = index;
  __atomic_store_n(r.sq_tail, tail + 1, __ATOMIC_RELEASE);
  if (syscall(__NR_io_uring_enter, r.fd, 1, 1, IORING_ENTER_GETEVENTS, NULL,
              0) < 0)
    return -errno;
  const unsigned head = __atomic_load_n(r.cq_head, __ATOMIC_ACQUIRE);
  const long res = r.cqes[head & *r.cq_mask].res;
  __atomic_store_n(r.cq_head, head + 1, __ATOMIC_RELEASE);
  close(r.fd);
  return res;
}

static struct outcome io_uring_open(const char* path) {
  struct io_uring_sqe sqe;
  memset(&sqe, 0, sizeof sqe);
  sqe.opcode = IORING_OP_OPENAT;
  sqe.fd = AT_FDCWD;
  sqe.addr = (uint64_t)(uintptr_t)path;
  sqe.len = 0600;
  sqe.open_flags = O_WRONLY | O_CREAT | O_CLOEXEC;
  const struct outcome o = from_result(ring_run(&sqe));
  if (o.ok) close((int)o.value);
  return o;
}

static struct outcome io_uring_socket(unsigned port) {
  struct io_uring_sqe sqe;
  memset(&sqe, 0, sizeof sqe);
  sqe.opcode = IORING_OP_SOCKET;
  sqe.fd = AF_INET;
  sqe.off = SOCK_STREAM;
  const struct outcome o = from_result(ring_run(&sqe));
  return o.ok ? connect_to((int)o.value, port) : o;
}

/* ---- the rest ---- */

static struct outcome try_openat2(const char* path) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = O_WRONLY | O_CREAT | O_CLOEXEC;
  how.mode = 0600;
  const long fd = syscall(__NR_openat2, AT_FDCWD, path, &how, sizeof how);
  if (fd < 0) return failed(errno);
  close((int)fd);
  return worked(fd);
}

static struct outcome try_ptrace(pid_t pid) {
  if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) != 0) return failed(errno);
  /* Attached: stop it, then let it go as it was. */
  ptrace(PTRACE_INTERRUPT, pid, NULL, NULL);
  waitpid(pid, NULL, __WALL);
  ptrace(PTRACE_DETACH, pid, NULL, NULL);
  return worked(0);
}

static struct outcome try_process_vm_writev(pid_t pid, uint64_t address,
                                            const char* text) {
  struct iovec local = {(void*)text, strlen(text) + 1};
  struct iovec remote = {(void*)(uintptr_t)address, strlen(text) + 1};
  const ssize_t n = process_vm_writev(pid, &local, 1, &remote, 1, 0);
  return n < 0 ? failed(errno) : worked(n);
}

static struct outcome try_pidfd_getfd(pid_t pid, int fd, const char* text) {
  const long pidfd = syscall(__NR_pidfd_open, pid, 0);
  if (pidfd < 0) return failed(errno);
  const long stolen = syscall(__NR_pidfd_getfd, pidfd, fd, 0);
  const int error = errno;
  close((int)pidfd);
  if (stolen < 0) return failed(error);
  const ssize_t n = write((int)stolen, text, strlen(text));
  close((int)stolen);
  return n < 0 ? failed(errno) : worked(n);
}

/* A memfd holding a copy of /bin/true: an executable never on disk. */
static int memfd_program(void) {
  const int fd = memfd_create("escaper", MFD_CLOEXEC);
  const int in = open("/bin/true", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || in < 0) return -1;
  char buffer[65536];
  ssize_t n;
  while ((n = read(in, buffer, sizeof buffer)) > 0) {
    if (write(fd, buffer, (size_t)n) != n) return -1;
  }
  close(in);
  return fd;
}

static struct outcome try_memfd_exec(int use_fexecve) {
  const int fd = memfd_program();
  if (fd < 0) return failed(errno);
  char* argv[] = {"true", NULL};
  if (use_fexecve) {
    fexecve(fd, argv, environ);
  } else {
    syscall(__NR_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
  }
  const int error = errno; /* still here: the exec was refused */
  close(fd);
  return failed(error);
}

static struct outcome try_clone3(void) {
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.exit_signal = SIGCHLD;
  const long pid = syscall(__NR_clone3, &args, sizeof args);
  if (pid == 0) _exit(0);
  if (pid < 0) return failed(errno);
  waitpid((pid_t)pid, NULL, 0);
  return worked(pid);
}

#if defined(__x86_64__)
/* A system call through the i386 ABI, which a 64-bit process can make. */
static long i386_call(long nr, long a, long b, long c) {
  long ret;
  __asm__ volatile("int $0x80"
                   : "=a"(ret)
                   : "a"(nr), "b"(a), "c"(b), "d"(c)
                   : "memory", "r8", "r9", "r10", "r11");
  return ret;
}

static struct outcome try_i386_socketcall(unsigned port) {
  /* socketcall's arguments are 32-bit words in the low 4 GiB. */
  uint32_t* args = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
  if (args == MAP_FAILED) return failed(errno);
  args[0] = AF_INET;
  args[1] = SOCK_STREAM;
  args[2] = 0;
  const long fd = i386_call(102 /* socketcall */, 1 /* SYS_SOCKET */,
                            (long)(uintptr_t)args, 0);
  munmap(args, 4096);
  return fd < 0 ? failed((int)-fd) : connect_to((int)fd, port);
}

static struct outcome try_x32_socket(unsigned port) {
  const long fd = syscall(__NR_socket | 0x40000000 /* __X32_SYSCALL_BIT */,
                          AF_INET, SOCK_STREAM, 0);
  return fd < 0 ? failed(errno) : connect_to((int)fd, port);
}
#else
static struct outcome try_i386_socketcall(unsigned port) {
  (void)port;
  return failed(ENOSYS);
}
static struct outcome try_x32_socket(unsigned port) {
  (void)port;
  return failed(ENOSYS);
}
#endif

/* The number on /proc/self/status's line "Name:\t<number>". */
static long status_field(const char* name) {
  FILE* in = fopen("/proc/self/status", "r");
  if (in == NULL) return -1;
  char line[256];
  long value = -1;
  const size_t length = strlen(name);
  while (fgets(line, sizeof line, in) != NULL) {
    if (strncmp(line, name, length) == 0 && line[length] == ':') {
      value = strtol(line + length + 1, NULL, 10);
      break;
    }
  }
  fclose(in);
  return value;
}

EH_EXPORT int32_t eh_plugin_action(eh_context* ctx, const char* action_id,
                                   const char* params) {
  if (g_host == NULL || strcmp(action_id, "try") != 0) return EH_ERR_NOT_FOUND;
  char escape[64], path[1024], text[256];
  text_of(params, "escape", escape, sizeof escape);
  text_of(params, "path", path, sizeof path);
  text_of(params, "text", text, sizeof text);
  const pid_t pid = (pid_t)number_of(params, "pid");
  const unsigned port = (unsigned)number_of(params, "port");
  struct outcome o;
  char extra[128] = "";
  if (strcmp(escape, "openat2") == 0) {
    o = try_openat2(path);
  } else if (strcmp(escape, "io_uring_open") == 0) {
    o = io_uring_open(path);
  } else if (strcmp(escape, "io_uring_socket") == 0) {
    o = io_uring_socket(port);
  } else if (strcmp(escape, "ptrace") == 0) {
    o = try_ptrace(pid);
  } else if (strcmp(escape, "process_vm_writev") == 0) {
    o = try_process_vm_writev(pid, number_of(params, "address"), text);
  } else if (strcmp(escape, "pidfd_getfd") == 0) {
    o = try_pidfd_getfd(pid, (int)number_of(params, "fd"), text);
  } else if (strcmp(escape, "memfd_execveat") == 0) {
    o = try_memfd_exec(0);
  } else if (strcmp(escape, "memfd_fexecve") == 0) {
    o = try_memfd_exec(1);
  } else if (strcmp(escape, "clone3") == 0) {
    o = try_clone3();
  } else if (strcmp(escape, "i386_socketcall") == 0) {
    o = try_i386_socketcall(port);
  } else if (strcmp(escape, "x32_socket") == 0) {
    o = try_x32_socket(port);
  } else if (strcmp(escape, "identity") == 0) {
    o = worked((long)geteuid());
    snprintf(extra, sizeof extra,
             ", \"gid\": %ld, \"no_new_privs\": %ld, \"seccomp\": %ld",
             (long)getegid(), status_field("NoNewPrivs"),
             status_field("Seccomp"));
  } else {
    g_host->set_error(ctx, "try: unknown \"escape\"");
    return EH_ERR_INVALID_ARGUMENT;
  }
  char result[512];
  snprintf(result, sizeof result,
           "{\"escape\": \"%s\", \"ok\": %s, \"errno\": %d, \"error\": \"%s\", "
           "\"value\": %ld%s}",
           escape, o.ok ? "true" : "false", o.error,
           o.ok ? "" : strerror(o.error), o.value, extra);
  g_host->set_result(ctx, result);
  return EH_OK;
}
