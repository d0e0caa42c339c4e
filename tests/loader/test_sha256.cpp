// SHA-256 against the FIPS 180-4 / NIST example vectors, and file digests.
#include <catch2/catch.hpp>

#include "common/error.h"
#include "loader/sha256.h"
#include "plugin_dir.h"

namespace eventhost {
namespace {

using test::PluginDir;

TEST_CASE("sha256 matches the standard test vectors") {
  CHECK(sha256_hex("") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(
      sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 pads correctly around the 56- and 64-byte boundaries") {
  // Lengths where the padding needs one or two extra blocks.
  CHECK(sha256_hex(std::string(55, 'a')) ==
        "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  CHECK(sha256_hex(std::string(56, 'a')) ==
        "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  CHECK(sha256_hex(std::string(64, 'a')) ==
        "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST_CASE("a file's digest equals the digest of its bytes") {
  PluginDir dir;
  const auto plugin = dir.add("recorder.so");

  CHECK(sha256_file(plugin) == sha256_hex(test::read_bytes(plugin)));
}

TEST_CASE("changing one byte of a plugin changes its digest") {
  PluginDir dir;
  const auto plugin = dir.add("recorder.so");
  const std::string before = sha256_file(plugin);
  std::string bytes = test::read_bytes(plugin);
  bytes[bytes.size() / 2] ^= 0x01;
  test::write_bytes(plugin, bytes);

  const std::string after = sha256_file(plugin);

  CHECK(after.size() == 64);
  CHECK(after != before);
}

TEST_CASE("hashing a missing file is an I/O error naming it") {
  PluginDir dir;
  const auto missing = dir.path() / "gone.so";
  try {
    sha256_file(missing);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kIo);
    CHECK_THAT(e.what(), Catch::Matchers::Contains(missing.string()));
  }
}

}  // namespace
}  // namespace eventhost
