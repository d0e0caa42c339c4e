// The API token: a random secret that mutating HTTP requests must present
// as "Authorization: Bearer <token>".
//
// Thread-safety: free functions; call from one thread.
// Errors: throws Error(kRefused) if an existing token file is readable by
// group or others (say how to fix it), Error(kIo) if it cannot be read or
// created, Error(kInvalidInput) if it is empty.
#pragma once

#include <filesystem>
#include <string>

namespace eventhost {

// Reads the token from `path`, creating the file (mode 0600, 32 random
// bytes as 64 hex digits) if it does not exist. Surrounding white space in
// the file is ignored.
std::string load_or_create_token(const std::filesystem::path& path);

}  // namespace eventhost
