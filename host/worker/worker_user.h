// WorkerUser -- the user process-tier workers run as when the host runs as
// root (`eventhost run --worker-user USER`): a plugin's worker then holds
// none of root's powers, and the sandbox promises stand on top of that.
//
// The switch happens in the child between fork and exec (worker_process.cpp:
// supplementary groups, then the group, then the user, real, effective and
// saved alike), so the worker never runs a line as root and cannot switch
// back. The worker only needs to read the plugin file (it loads the pinned
// bytes itself) and its socket, which it inherits: the plugins folder and
// file must be readable by USER; the state file is not touched.
//
// Thread-safety: resolve_worker_user() reads the user and group databases;
// call it at start-up, from one thread.
// Errors: throws Error(kUsage) for an unknown user, or when this process is
// not root (only root can start processes as another user).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace eventhost::worker {

struct WorkerUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups, the primary included
};

WorkerUser resolve_worker_user(const std::string& name);

}  // namespace eventhost::worker
