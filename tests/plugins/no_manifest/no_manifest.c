/*
 * no_manifest -- a genuine shared library with a handler and the ABI
 * export but no eventhost_manifest section, as a plugin built without
 * eventhost_add_plugin() or EH_PLUGIN_MANIFEST would be. The host must
 * refuse it and say how to add a manifest.
 */
#include <eventhost/plugin.h>

EH_PLUGIN_ABI_VERSION_EXPORT(EH_ABI_VERSION);

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  (void)ev;
  (void)ctx;
  return EH_OK;
}
