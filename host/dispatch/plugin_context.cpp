#include "dispatch/plugin_context.h"

#include <cstring>

namespace eventhost {
namespace {

thread_local CallRecord* current_call = nullptr;

void api_log(eh_context* ctx, std::uint32_t severity, const char* message) {
  if (ctx == nullptr || message == nullptr) return;
  ctx->services->plugin_log(ctx->key, severity, message);
}

std::int32_t api_get_setting(eh_context* ctx, const char* id, char* buf,
                             size_t buf_size, size_t* needed) {
  if (ctx == nullptr || id == nullptr) return EH_ERR_INVALID_ARGUMENT;
  const auto settings = ctx->settings();
  const auto it = settings->values.find(std::string_view(id));
  if (it == settings->values.end()) return EH_ERR_NOT_FOUND;
  const std::string& text = it->second;
  if (needed != nullptr) *needed = text.size() + 1;
  if (buf == nullptr || buf_size < text.size() + 1) {
    return EH_ERR_BUFFER_TOO_SMALL;
  }
  std::memcpy(buf, text.c_str(), text.size() + 1);
  return EH_OK;
}

std::int32_t api_emit(eh_context* ctx, const char* event, const char* payload,
                      size_t payload_size) {
  if (ctx == nullptr || event == nullptr) return EH_ERR_INVALID_ARGUMENT;
  std::string_view body = payload == nullptr
                              ? std::string_view()
                              : std::string_view(payload, payload_size);
  // The thread's call in progress, if any, is what caused this emit: the
  // emit runs synchronously inside the handler (dispatch/event.h).
  const EventPtr* cause = current_call ? current_call->cause : nullptr;
  return ctx->services->plugin_emit({ctx->key, cause, &ctx->emit_budget}, event,
                                    body);
}

void api_set_error(eh_context*, const char* message) {
  if (current_call != nullptr && message != nullptr) {
    current_call->error = message;
  }
}

void api_set_result(eh_context*, const char* text) {
  if (current_call != nullptr && text != nullptr) current_call->result = text;
}

void api_set_user_data(eh_context* ctx, void* data) {
  if (ctx != nullptr) ctx->user_data.store(data);
}

void* api_get_user_data(eh_context* ctx) {
  return ctx == nullptr ? nullptr : ctx->user_data.load();
}

const eh_host_api kHostApi = {
    sizeof(eh_host_api), EH_ABI_VERSION,    api_log,
    api_get_setting,     api_emit,          api_set_error,
    api_set_result,      api_set_user_data, api_get_user_data,
};

}  // namespace

CallScope::CallScope(CallRecord* record) : previous_(current_call) {
  current_call = record;
}

CallScope::~CallScope() { current_call = previous_; }

const eh_host_api* host_api() { return &kHostApi; }

}  // namespace eventhost

eh_context::eh_context(std::string plugin_key,
                       eventhost::PluginServices* plugin_services)
    : key(std::move(plugin_key)),
      services(plugin_services),
      settings_(std::make_shared<eventhost::PluginSettings>()) {}

void eh_context::set_settings(
    std::shared_ptr<const eventhost::PluginSettings> s) {
  std::lock_guard lock(mutex_);
  settings_ = std::move(s);
}

std::shared_ptr<const eventhost::PluginSettings> eh_context::settings() const {
  std::lock_guard lock(mutex_);
  return settings_;
}
