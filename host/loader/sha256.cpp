// SHA-256 through OpenSSL's EVP interface, which picks the CPU's SHA
// extensions where there are any: every command that lists, enables or
// loads plugins hashes each enabled plugin file (a C++ plugin with debug
// information is a few MB), so the digest's speed is start-up time.
#include "loader/sha256.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>

#include "common/error.h"

namespace eventhost {
namespace {

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
      throw Error(ErrorKind::kInternal, "OpenSSL could not start a SHA-256");
    }
  }

  void update(const void* data, std::size_t size) {
    if (EVP_DigestUpdate(ctx_.get(), data, size) != 1) {
      throw Error(ErrorKind::kInternal, "OpenSSL SHA-256 update failed");
    }
  }

  std::string hex_digest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), digest, &size) != 1) {
      throw Error(ErrorKind::kInternal, "OpenSSL SHA-256 final failed");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(size * 2);
    for (unsigned int i = 0; i < size; ++i) {
      hex.push_back(kHex[digest[i] >> 4]);
      hex.push_back(kHex[digest[i] & 0xf]);
    }
    return hex;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

}  // namespace

std::string sha256_hex(std::string_view data) {
  Sha256 hash;
  hash.update(data.data(), data.size());
  return hash.hex_digest();
}

std::string sha256_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw Error(ErrorKind::kIo, "cannot open " + file.string() +
                                    " to compute its SHA-256: check that it "
                                    "exists and is readable");
  }
  Sha256 hash;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    hash.update(chunk, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) {
    throw Error(ErrorKind::kIo, "reading " + file.string() + " failed");
  }
  return hash.hex_digest();
}

}  // namespace eventhost
