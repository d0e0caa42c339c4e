#include "worker/worker_user.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace eventhost::worker {

WorkerUser resolve_worker_user(const std::string& name) {
  if (::geteuid() != 0) {
    throw Error(ErrorKind::kUsage,
                "--worker-user " + name +
                    " needs eventhost to run as root (it runs as uid " +
                    std::to_string(::geteuid()) +
                    "): only root can start workers as another user; drop "
                    "the option, since the workers already run as this "
                    "process's user");
  }
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  const int rc =
      ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (found == nullptr) {
    throw Error(ErrorKind::kUsage,
                "--worker-user: no user '" + name + "'" +
                    (rc != 0 ? std::string(" (") + std::strerror(rc) + ")"
                             : std::string()) +
                    "; name an existing account, e.g. `useradd --system "
                    "--no-create-home eventhost-worker`");
  }
  WorkerUser user;
  user.name = name;
  user.uid = found->pw_uid;
  user.gid = found->pw_gid;
  int count = 32;
  for (;;) {
    user.groups.resize(static_cast<std::size_t>(count));
    const int had = count;
    if (::getgrouplist(name.c_str(), user.gid, user.groups.data(), &count) >=
        0) {
      user.groups.resize(static_cast<std::size_t>(count));
      break;
    }
    if (count <= had) count = had * 2;  // some libcs do not say how many
  }
  return user;
}

}  // namespace eventhost::worker
