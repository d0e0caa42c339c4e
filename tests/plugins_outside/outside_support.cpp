#include "outside_support.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>

#include <cerrno>
#include <fstream>
#include <iterator>

namespace eventhost::test {

std::string hmac_sha256_hex(const std::string& key, const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest,
       &size);
  std::string hex;
  char byte[3];
  for (unsigned int i = 0; i < size; ++i) {
    std::snprintf(byte, sizeof byte, "%02x", digest[i]);
    hex += byte;
  }
  return hex;
}

void write_script(const std::filesystem::path& file, const std::string& text) {
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
  }
  std::filesystem::permissions(file, std::filesystem::perms(0755));
}

bool process_alive(long pid) {
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
  // A zombie still answers kill(pid, 0), but it runs nothing: its state in
  // /proc/<pid>/stat, after the command name in parentheses, is 'Z'.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  const std::string text((std::istreambuf_iterator<char>(stat)), {});
  const std::size_t close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) return false;
  return text[close + 2] != 'Z';
}

}  // namespace eventhost::test
