// The process tier's sandbox, probed: a worker that promised no_fs_write,
// no_network and no_spawn tries each known way round its seccomp filter
// (the escaper plugin), and each is refused with nothing done: no file
// created, no connection made, no process reached or started. The same
// attempts from a worker that promised nothing (escaper_bare) succeed,
// which shows each probe is real.
//
// socketcall does not exist on x86_64; what can be tried there is the
// i386 ABI (int 0x80) from the 64-bit worker, which the filter answers by
// killing the worker. A 32-bit build of the probe is not needed for that.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "common/error.h"
#include "worker_fixture.h"

using namespace eventhost;
using namespace eventhost::testing;
using nlohmann::json;

namespace {

// A host running escaper (every promise) and escaper_bare (none), both in
// the process tier.
struct EscapeHost {
  EscapeHost() {
    box.add_test_plugin("escaper.so");
    box.add_test_plugin("escaper_bare.so");
    host = std::make_unique<Host>(worker_host_options(box, &outcomes, 0));
    host->enable("escaper");
    host->enable("escaper_bare");
    REQUIRE(host->start(false).empty());
  }
  ~EscapeHost() { host->stop(); }

  json attempt(const std::string& key, json params) {
    const std::string answer = host->run_action(key, "try", params.dump());
    INFO(key << " " << params.dump() << " answered " << answer);
    const json j = json::parse(answer, nullptr, false);
    REQUIRE(j.is_object());
    return j;
  }

  Sandbox box;
  Outcomes outcomes;
  std::unique_ptr<Host> host;
};

bool refused(const json& answer) {
  INFO(answer.dump());
  return answer.at("ok") == false &&
         (answer.at("errno") == EPERM || answer.at("errno") == ENOSYS);
}

// A TCP listener on 127.0.0.1 that tells whether anyone connected.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), size) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
  }
  ~Listener() { ::close(fd_); }
  unsigned port() const { return port_; }
  // A connection that completed is queued here even if its client has
  // closed it since.
  bool connected() const {
    const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return false;
    ::close(c);
    return true;
  }

 private:
  int fd_ = -1;
  unsigned port_ = 0;
};

// What the victim process keeps: a buffer the probes try to overwrite.
char victim[64] = "untouched";
constexpr int kVictimFd = 100;

// A process of the same user for the probes to reach into: it lets any
// process trace it (as a debugger's target would), holds `file` open for
// writing on fd kVictimFd, and reports `victim` on request.
class Victim {
 public:
  explicit Victim(const fs::path& file) {
    int ask[2], tell[2];
    REQUIRE(::pipe2(ask, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(tell, O_CLOEXEC) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY);  // fails without Yama
      const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, kVictimFd);
      char command = 0;
      while (::read(ask[0], &command, 1) == 1) {
        if (::write(tell[1], victim, sizeof victim) != sizeof victim) break;
      }
      ::_exit(0);
    }
    ::close(ask[0]);
    ::close(tell[1]);
    ask_ = ask[1];
    tell_ = tell[0];
  }
  ~Victim() {
    ::close(ask_);
    ::close(tell_);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }
  std::string buffer() const {
    char copy[sizeof victim] = {};
    if (::write(ask_, "?", 1) != 1 ||
        ::read(tell_, copy, sizeof copy) != sizeof copy)
      return "(victim gone)";
    return copy;
  }

 private:
  pid_t pid_ = -1;
  int ask_ = -1, tell_ = -1;
};

std::string contents(const fs::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::uint64_t victim_address() {
  return reinterpret_cast<std::uintptr_t>(&victim[0]);
}

}  // namespace

TEST_CASE(
    "a no_fs_write worker cannot create a file through openat2 or io_uring") {
  EscapeHost h;
  for (const char* escape : {"openat2", "io_uring_open"}) {
    INFO(escape);
    const fs::path sandboxed = h.box.file(std::string(escape) + ".sandboxed");
    const fs::path bare = h.box.file(std::string(escape) + ".bare");
    CHECK(refused(h.attempt(
        "escaper", {{"escape", escape}, {"path", sandboxed.string()}})));
    CHECK_FALSE(fs::exists(sandboxed));
    CHECK(
        h.attempt("escaper_bare", {{"escape", escape}, {"path", bare.string()}})
            .at("ok") == true);
    CHECK(fs::exists(bare));
  }
  CHECK(stats_of(*h.host, "escaper").crashes == 0);
}

TEST_CASE("a no_network worker cannot open a TCP connection through io_uring") {
  EscapeHost h;
  Listener listener;
  CHECK(refused(h.attempt(
      "escaper", {{"escape", "io_uring_socket"}, {"port", listener.port()}})));
  CHECK_FALSE(listener.connected());
  CHECK(h.attempt("escaper_bare",
                  {{"escape", "io_uring_socket"}, {"port", listener.port()}})
            .at("ok") == true);
  CHECK(listener.connected());
}

#if defined(__x86_64__)
TEST_CASE(
    "a no_network worker that calls socketcall through the i386 ABI is "
    "killed before it connects") {
  EscapeHost h;
  Listener listener;
  const json params = {{"escape", "i386_socketcall"},
                       {"port", listener.port()}};
  try {
    h.host->run_action("escaper", "try", params.dump());
    FAIL("the i386 socketcall came back instead of killing the worker");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("SIGSYS"));
  }
  CHECK_FALSE(listener.connected());
  // The x32 ABI: the filter kills it too, or the kernel has no x32.
  const json x32 = {{"escape", "x32_socket"}, {"port", listener.port()}};
  try {
    const json answer = h.attempt("escaper", x32);
    CHECK(answer.at("ok") == false);
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("SIGSYS"));
  }
  CHECK_FALSE(listener.connected());
  // Without a filter, the same i386 call makes a socket that connects
  // (where the kernel runs i386 code at all).
  const json bare = h.attempt("escaper_bare", params);
  if (bare.at("ok") == true) {
    CHECK(listener.connected());
  } else {
    WARN("this kernel refuses i386 system calls: " << bare.dump());
  }
}
#endif

TEST_CASE(
    "a sandboxed worker cannot reach into another process: ptrace, "
    "process_vm_writev, pidfd_getfd") {
  EscapeHost h;
  const fs::path file = h.box.file("victim.txt");
  Victim target(file);
  REQUIRE(target.buffer() == "untouched");
  const json ptrace = {{"escape", "ptrace"}, {"pid", target.pid()}};
  const json write = {{"escape", "process_vm_writev"},
                      {"pid", target.pid()},
                      {"address", victim_address()},
                      {"text", "overwritten"}};
  const json steal = {{"escape", "pidfd_getfd"},
                      {"pid", target.pid()},
                      {"fd", kVictimFd},
                      {"text", "stolen"}};
  for (const json& params : {ptrace, write, steal}) {
    const json answer = h.attempt("escaper", params);
    CHECK(answer.at("ok") == false);
    CHECK(answer.at("errno") == EPERM);
  }
  CHECK(target.buffer() == "untouched");
  CHECK(contents(file).empty());

  CHECK(h.attempt("escaper_bare", ptrace).at("ok") == true);
  CHECK(h.attempt("escaper_bare", write).at("ok") == true);
  CHECK(target.buffer() == "overwritten");
  CHECK(h.attempt("escaper_bare", steal).at("ok") == true);
  CHECK(contents(file) == "stolen");
}

TEST_CASE(
    "a no_spawn worker cannot run a program from a memfd (execveat, "
    "fexecve) nor clone3 a process") {
  EscapeHost h;
  for (const char* escape : {"memfd_execveat", "memfd_fexecve"}) {
    const json answer = h.attempt("escaper", {{"escape", escape}});
    CHECK(answer.at("ok") == false);
    CHECK(answer.at("errno") == EPERM);
  }
  CHECK(refused(h.attempt("escaper", {{"escape", "clone3"}})));
  // Still the same worker: no exec replaced it.
  CHECK(stats_of(*h.host, "escaper").crashes == 0);
  CHECK(h.attempt("escaper", {{"escape", "identity"}}).at("ok") == true);
  CHECK(h.attempt("escaper_bare", {{"escape", "clone3"}}).at("value") > 0);
}

TEST_CASE(
    "every worker runs with no_new_privs, and a promising one also under "
    "seccomp") {
  EscapeHost h;
  const json bare = h.attempt("escaper_bare", {{"escape", "identity"}});
  CHECK(bare.at("no_new_privs") == 1);
  CHECK(bare.at("seccomp") == 0);
  const json sandboxed = h.attempt("escaper", {{"escape", "identity"}});
  CHECK(sandboxed.at("no_new_privs") == 1);
  CHECK(sandboxed.at("seccomp") == 2);  // SECCOMP_MODE_FILTER
}
