#include "daemon/token.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/error.h"

namespace eventhost {
namespace {

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  std::size_t got = 0;
  while (got < bytes) {
    const ssize_t n = ::getrandom(raw.data() + got, bytes - got, 0);
    if (n < 0) {
      throw Error(ErrorKind::kIo, "cannot read random bytes for the token");
    }
    got += static_cast<std::size_t>(n);
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : raw) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

void create_token_file(const std::filesystem::path& path) {
  // O_EXCL: never overwrite a token someone else just wrote.
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw Error(ErrorKind::kIo, "cannot create the token file " +
                                    path.string() + ": " +
                                    std::strerror(errno));
  }
  const std::string text = random_hex(32) + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) ==
                  static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) {
    throw Error(ErrorKind::kIo, "cannot write the token file " + path.string());
  }
  spdlog::info("created the API token in {} (mode 0600)", path.string());
}

}  // namespace

std::string load_or_create_token(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) create_token_file(path);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw Error(ErrorKind::kIo, "cannot read the token file " + path.string());
  }
  if ((st.st_mode & 077) != 0) {
    throw Error(ErrorKind::kRefused,
                "the token file " + path.string() +
                    " is readable by other users; run `chmod 600 " +
                    path.string() + "`");
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  token.erase(0, token.find_first_not_of(" \t\r\n"));
  token.erase(token.find_last_not_of(" \t\r\n") + 1);
  if (!in || token.empty()) {
    throw Error(ErrorKind::kInvalidInput,
                "the token file " + path.string() +
                    " is empty or unreadable; delete it to get a new token");
  }
  return token;
}

}  // namespace eventhost
