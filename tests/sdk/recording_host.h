// A host table for unit tests of plugin.hpp: every service records its call
// in the eh_context, so a test can see what the SDK layer asked the host
// for. The SDK is the unit under test here; the real host is tested through
// real plugins elsewhere.
#pragma once

#include <eventhost/plugin.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

// The host owns this type; a test is a host, so it defines it.
struct eh_context {
  std::vector<std::pair<std::uint32_t, std::string>> logs;
  std::vector<std::string> errors;
  std::vector<std::string> results;
  std::vector<std::pair<std::string, std::string>> emitted;
  std::map<std::string, std::string> settings;  // id -> JSON text
  std::int32_t emit_rc = EH_OK;
  int get_setting_calls = 0;
  void* user_data = nullptr;
};

namespace recording_host {

inline void log(eh_context* ctx, std::uint32_t severity, const char* msg) {
  ctx->logs.emplace_back(severity, msg);
}

inline std::int32_t get_setting(eh_context* ctx, const char* id, char* buf,
                                std::size_t size, std::size_t* needed) {
  ++ctx->get_setting_calls;
  auto it = ctx->settings.find(id);
  if (it == ctx->settings.end()) return EH_ERR_NOT_FOUND;
  if (needed) *needed = it->second.size() + 1;
  if (size < it->second.size() + 1) return EH_ERR_BUFFER_TOO_SMALL;
  std::memcpy(buf, it->second.c_str(), it->second.size() + 1);
  return EH_OK;
}

inline std::int32_t emit(eh_context* ctx, const char* name, const char* json,
                         std::size_t size) {
  ctx->emitted.emplace_back(name, std::string(json, size));
  return ctx->emit_rc;
}

inline void set_error(eh_context* ctx, const char* msg) {
  ctx->errors.emplace_back(msg);
}
inline void set_result(eh_context* ctx, const char* text) {
  ctx->results.emplace_back(text);
}
inline void set_user_data(eh_context* ctx, void* data) {
  ctx->user_data = data;
}
inline void* get_user_data(eh_context* ctx) { return ctx->user_data; }

inline const eh_host_api* api() {
  static const eh_host_api table = {
      sizeof(eh_host_api), EH_ABI_VERSION, &log,           &get_setting,  &emit,
      &set_error,          &set_result,    &set_user_data, &get_user_data};
  return &table;
}

// An event as the host builds it; `payload` must outlive the event.
inline eh_event make_event(const char* name, const std::string& payload) {
  eh_event ev{};
  ev.struct_size = sizeof(eh_event);
  ev.level = EH_LEVEL_FULL;
  ev.name = name;
  ev.payload = payload.c_str();
  ev.payload_size = payload.size();
  ev.id = 42;
  ev.emitted_at_us = 1700000000000000;
  ev.attempt = 1;
  ev.host = api();
  return ev;
}

}  // namespace recording_host
