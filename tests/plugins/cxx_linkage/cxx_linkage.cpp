// cxx_linkage -- the mistake of a C++ author who exports handlers without
// extern "C": each symbol is mangled (_Z18on_channel_created...), so the
// host, which looks up C names, never calls it. Exported on purpose with a
// bare visibility attribute, since EH_EXPORT would give them C linkage.
// The host must warn about the handler, the namespaced handler and the
// lifecycle export, and leave alone a method that merely has an on_ name.
#include <eventhost/plugin.h>

#define CXX_ONLY_EXPORT __attribute__((visibility("default")))

CXX_ONLY_EXPORT int32_t on_channel_created(const eh_event*, eh_context*) {
  return EH_OK;
}

namespace alerts {
CXX_ONLY_EXPORT int32_t on_channel_deleted(const eh_event*, eh_context*) {
  return EH_OK;
}
}  // namespace alerts

CXX_ONLY_EXPORT void eh_plugin_shutdown(eh_context*) {}

// Not an entry point: a class method named like a UI callback.
struct Widget {
  CXX_ONLY_EXPORT int on_click(int times);
};
int Widget::on_click(int times) { return times; }
