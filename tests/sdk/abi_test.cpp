// Checks the C ABI in plugin.h: layouts the host relies on and the manifest
// that EH_PLUGIN_MANIFEST embeds, from C++ here and from C (abi_check.c).
#include <eventhost/plugin.h>

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstring>
#include <string>

#define CXX_MANIFEST_JSON                                            \
  "{\"key\":\"abi_check_cxx\",\"settings\":[{\"id\":\"x\",\"type\":" \
  "\"number\"}]}"

EH_PLUGIN_MANIFEST(CXX_MANIFEST_JSON);

extern "C" {
const eh_manifest_header* abi_check_c_manifest(void);
const char* abi_check_c_manifest_json(void);
const char* abi_check_c_expected_json(void);
size_t abi_check_c_event_size(void);
}

namespace {

// The host reads the header, then json_size bytes right after it: check
// exactly what it will see.
void check_manifest(const eh_manifest_header* header, const char* expected) {
  REQUIRE(std::memcmp(header->magic, EH_MANIFEST_MAGIC, 8) == 0);
  CHECK(header->abi_version == EH_ABI_VERSION);
  CHECK(header->json_size == std::strlen(expected));
  const char* json = reinterpret_cast<const char*>(header) + sizeof(*header);
  CHECK(std::string(json, header->json_size) == expected);
}

}  // namespace

TEST_CASE("struct_size is the first field of every growable ABI struct") {
  CHECK(offsetof(eh_event, struct_size) == 0);
  CHECK(offsetof(eh_host_api, struct_size) == 0);
  CHECK(sizeof(eh_event::struct_size) == 4);
  CHECK(sizeof(eh_host_api::struct_size) == 4);
}

TEST_CASE("C and C++ compilers lay out eh_event identically") {
  CHECK(abi_check_c_event_size() == sizeof(eh_event));
}

TEST_CASE("eh_event fields are naturally aligned so layouts never drift") {
  CHECK(offsetof(eh_event, payload_size) % 8 == 0);
  CHECK(offsetof(eh_event, id) % 8 == 0);
  CHECK(offsetof(eh_event, emitted_at_us) % 8 == 0);
  CHECK(offsetof(eh_event, host) % alignof(void*) == 0);
  CHECK(sizeof(eh_manifest_header) == 16);
}

TEST_CASE("EH_ABI_MAJOR_OF takes the major from the high 16 bits") {
  CHECK(EH_ABI_MAJOR_OF(EH_ABI_VERSION) == EH_ABI_VERSION_MAJOR);
  CHECK(EH_ABI_MAJOR_OF(0x00020007u) == 2u);
  CHECK(EH_ABI_MAJOR_OF(EH_ABI_VERSION + 1) == EH_ABI_VERSION_MAJOR);
  CHECK((EH_ABI_VERSION & 0xffffu) == EH_ABI_VERSION_MINOR);
}

TEST_CASE("EH_PLUGIN_MANIFEST in C++ embeds magic, version and JSON size") {
  check_manifest(&eh_embedded_manifest.header, CXX_MANIFEST_JSON);
  CHECK(eh_abi_version == EH_ABI_VERSION);
}

TEST_CASE("EH_PLUGIN_MANIFEST in C embeds magic, version and JSON size") {
  check_manifest(abi_check_c_manifest(), abi_check_c_expected_json());
  CHECK(abi_check_c_manifest_json() ==
        reinterpret_cast<const char*>(abi_check_c_manifest()) +
            sizeof(eh_manifest_header));
}
