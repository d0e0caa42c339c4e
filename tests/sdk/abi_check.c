/* Compiles plugin.h as ISO C11 under -pedantic -Werror and embeds a manifest
 * with EH_PLUGIN_MANIFEST, exactly as a C plugin without CMake would. The
 * accessors let test_sdk inspect what the C macro produced. */
#include <eventhost/plugin.h>
#include <stddef.h>

#define ABI_CHECK_JSON "{\"key\":\"abi_check_c\",\"version\":\"1.0.0\"}"

EH_PLUGIN_MANIFEST(ABI_CHECK_JSON);

/* struct_size must come first in every growable struct: a reader checks it
 * before anything else, so it must be where every version puts it. */
_Static_assert(offsetof(eh_event, struct_size) == 0, "eh_event");
_Static_assert(offsetof(eh_host_api, struct_size) == 0, "eh_host_api");
_Static_assert(sizeof(eh_manifest_header) == 16, "manifest header");

EH_EXPORT const eh_manifest_header* abi_check_c_manifest(void) {
  return &eh_embedded_manifest.header;
}

EH_EXPORT const char* abi_check_c_manifest_json(void) {
  return eh_embedded_manifest.json;
}

EH_EXPORT const char* abi_check_c_expected_json(void) { return ABI_CHECK_JSON; }

EH_EXPORT size_t abi_check_c_event_size(void) { return sizeof(eh_event); }
