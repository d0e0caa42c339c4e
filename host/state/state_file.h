// Where the state file lives and how it is created: private to its owner.
//
// The state holds plugin pins and settings (which may include secrets), so
// folders this component creates are 0700 and the file 0600, whatever the
// umask. Existing folders and files are left as they are.
//
// Thread-safety: free functions; safe from any thread.
// Errors: Error(kIo) naming the path when a folder or the file cannot be
// created.
#pragma once

#include <filesystem>

namespace eventhost::state {

// Creates the missing parent folders of `file` (0700) and `file` itself
// (0600, empty) if it does not exist yet.
void create_private_state_file(const std::filesystem::path& file);

}  // namespace eventhost::state
