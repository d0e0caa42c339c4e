/*
 * wrong_abi -- a test plugin that claims plugin ABI 2.0, as a plugin built
 * against a future SDK would. Both the manifest header and the exported
 * eh_abi_version say 2.0, so the host must refuse it at discovery and,
 * should discovery be bypassed, again at load. The manifest is written by
 * hand because EH_PLUGIN_MANIFEST always stamps the current version.
 */
#include <eventhost/plugin.h>

#define WRONG_ABI_VERSION ((2u << 16) | 0u)
#define WRONG_ABI_MANIFEST                                          \
  "{\"key\": \"wrong_abi\", \"name\": \"Wrong ABI\", \"version\": " \
  "\"1.0.0\", \"description\": \"Built for plugin ABI 2.0\"}"

EH_PLUGIN_ABI_VERSION_EXPORT(WRONG_ABI_VERSION);

EH_MANIFEST_PLACEMENT static const struct {
  eh_manifest_header header;
  char json[sizeof(WRONG_ABI_MANIFEST)];
} wrong_abi_manifest = {{{'E', 'H', 'M', 'A', 'N', 'I', 'F', 'S'},
                         WRONG_ABI_VERSION,
                         (uint32_t)(sizeof(WRONG_ABI_MANIFEST) - 1)},
                        WRONG_ABI_MANIFEST};

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  (void)ev;
  (void)ctx;
  return EH_OK;
}
