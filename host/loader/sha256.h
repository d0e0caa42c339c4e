// SHA-256 of a file, used to pin an enabled plugin's exact bytes.
//
// Thread-safety: free function. Errors: throws Error(kIo) if unreadable.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace eventhost {

// Lower-case hex digest of the file's contents.
std::string sha256_file(const std::filesystem::path& file);

// Lower-case hex digest of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace eventhost
