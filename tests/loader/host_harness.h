// HostHarness -- a minimal, real eh_host_api for calling a loaded plugin
// directly, without the dispatcher: settings come from a map of JSON texts,
// and whatever the plugin reports (error, result, user data) is kept for
// the test to read. One harness is one plugin context.
//
// Thread-safety: none; a test calls the plugin from one thread.
#pragma once

#include <eventhost/plugin.h>

#include <cstring>
#include <map>
#include <string>

namespace eventhost::test {

class HostHarness {
 public:
  HostHarness() {
    api_.struct_size = sizeof(api_);
    api_.abi_version = EH_ABI_VERSION;
    api_.log = [](eh_context*, std::uint32_t, const char*) {};
    api_.get_setting = &get_setting;
    api_.emit = [](eh_context*, const char*, const char*, size_t) {
      return static_cast<std::int32_t>(EH_ERR_REFUSED);
    };
    api_.set_error = [](eh_context* ctx, const char* message) {
      self(ctx).error = message;
    };
    api_.set_result = [](eh_context* ctx, const char* text) {
      self(ctx).result = text;
    };
    api_.set_user_data = [](eh_context* ctx, void* data) {
      self(ctx).user_data = data;
    };
    api_.get_user_data = [](eh_context* ctx) { return self(ctx).user_data; };
  }
  HostHarness(const HostHarness&) = delete;
  HostHarness& operator=(const HostHarness&) = delete;

  const eh_host_api* api() const { return &api_; }
  // The context handed to the plugin is the harness itself, opaque to it.
  eh_context* context() { return reinterpret_cast<eh_context*>(this); }

  // An event as the host would build it; `name` must outlive the call.
  eh_event event(const char* name, std::uint64_t id) const {
    eh_event ev{};
    ev.struct_size = sizeof(ev);
    ev.level = EH_LEVEL_FULL;
    ev.name = name;
    ev.payload = "{}";
    ev.payload_size = 2;
    ev.id = id;
    ev.attempt = 1;
    ev.host = &api_;
    return ev;
  }

  std::map<std::string, std::string> settings;  // id -> JSON text
  std::string error;
  std::string result;
  void* user_data = nullptr;

 private:
  static HostHarness& self(eh_context* ctx) {
    return *reinterpret_cast<HostHarness*>(ctx);
  }

  static std::int32_t get_setting(eh_context* ctx, const char* id, char* buf,
                                  size_t buf_size, size_t* needed) {
    const auto& settings = self(ctx).settings;
    auto it = settings.find(id);
    if (it == settings.end()) return EH_ERR_NOT_FOUND;
    const std::string& text = it->second;
    if (needed != nullptr) *needed = text.size() + 1;
    if (buf_size < text.size() + 1) return EH_ERR_BUFFER_TOO_SMALL;
    std::memcpy(buf, text.c_str(), text.size() + 1);
    return EH_OK;
  }

  eh_host_api api_{};
};

}  // namespace eventhost::test
