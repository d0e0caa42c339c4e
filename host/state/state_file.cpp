#include "state/state_file.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include "common/error.h"
#include "state/state_store.h"

#ifndef _WIN32
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace eventhost {
namespace state {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void throw_io(const fs::path& path, const std::string& doing,
                           const std::string& why) {
  throw Error(ErrorKind::kIo, path.string() + ": " + doing + ": " + why);
}

// Outermost first, so each folder is created inside an existing one.
std::vector<fs::path> missing_folders(const fs::path& folder) {
  std::vector<fs::path> missing;
  std::error_code ec;
  for (fs::path p = folder; !p.empty() && !fs::exists(p, ec);
       p = p.parent_path()) {
    if (p == p.parent_path()) break;  // a root that does not exist
    missing.insert(missing.begin(), p);
  }
  return missing;
}

void create_private_folder(const fs::path& folder) {
  std::error_code ec;
  // false without an error: another process created it meanwhile, and its
  // mode is then that process's business.
  if (!fs::create_directory(folder, ec)) {
    if (ec) throw_io(folder, "creating the state folder", ec.message());
    return;
  }
  fs::permissions(folder, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) throw_io(folder, "making the state folder private", ec.message());
}

#ifndef _WIN32
// O_EXCL + fchmod: the mode does not depend on the umask, and an existing
// file is never touched.
void create_private_file(const fs::path& file) {
  const int fd =
      ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return;
    throw_io(file, "creating the state file", std::strerror(errno));
  }
  const int chmod_result = ::fchmod(fd, 0600);
  const int saved_errno = errno;
  ::close(fd);
  if (chmod_result != 0) {
    throw_io(file, "making the state file private", std::strerror(saved_errno));
  }
}
#else
// Windows has no POSIX modes; the file inherits the folder's ACL and SQLite
// creates it on open.
void create_private_file(const fs::path&) {}
#endif

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

}  // namespace

void create_private_state_file(const fs::path& file) {
  for (const fs::path& folder : missing_folders(file.parent_path())) {
    create_private_folder(folder);
  }
  create_private_file(file);
}

}  // namespace state

std::filesystem::path default_state_path() {
  const std::string explicit_path = state::env_or_empty("EVENTHOST_STATE");
  if (!explicit_path.empty()) return explicit_path;

  // The XDG spec says relative values are invalid and must be ignored.
  const std::filesystem::path xdg = state::env_or_empty("XDG_STATE_HOME");
  if (xdg.is_absolute()) return xdg / "eventhost" / "state.db";

  const std::string home = state::env_or_empty("HOME");
  if (home.empty()) {
    throw Error(ErrorKind::kUsage,
                "cannot choose a state file: HOME is not set; set "
                "EVENTHOST_STATE or pass --state");
  }
  return std::filesystem::path(home) / ".local" / "state" / "eventhost" /
         "state.db";
}

}  // namespace eventhost
