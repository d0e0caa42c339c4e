#include "dispatch/in_process_control.h"

#include "dispatch/guarded_call.h"

namespace eventhost {
namespace {

const char* code_text(std::int32_t code) {
  switch (code) {
    case EH_ERR_FAILED:
      return "failed";
    case EH_ERR_INVALID_ARGUMENT:
      return "invalid argument";
    case EH_ERR_NOT_FOUND:
      return "not found";
    case EH_ERR_REFUSED:
      return "refused";
    case EH_ERR_EXCEPTION:
      return "exception";
    default:
      return "error";
  }
}

}  // namespace

std::string call_failure(const char* what, std::int32_t code,
                         const CallRecord& record) {
  return std::string(what) + " returned " + std::to_string(code) + " (" +
         code_text(code) + ")" +
         (record.error.empty() ? "" : ": " + record.error);
}

InProcessControl::InProcessControl(std::string key, const LoadedPlugin& plugin,
                                   eh_context* context,
                                   std::shared_ptr<CallRecorder> recorder)
    : key_(std::move(key)),
      plugin_(plugin),
      context_(context),
      recorder_(std::move(recorder)) {}

std::string InProcessControl::configure(
    const std::shared_ptr<const PluginSettings>& settings) {
  context_->set_settings(settings);
  auto configure = plugin_.configure();
  if (configure == nullptr) return "";
  const RecordedCall recorded(recorder_.get(), CallKind::kLifecycle, key_,
                              "eh_plugin_configure");
  return guarded_call("eh_plugin_configure", [&] {
    return configure(context_, settings->object_json.c_str());
  });
}

std::string InProcessControl::action(const std::string& id,
                                     const std::string& params_json,
                                     std::string* result) {
  CallRecord record;
  const RecordedCall recorded(recorder_.get(), CallKind::kLifecycle, key_,
                              "eh_plugin_action");
  std::string failure = guarded_call("eh_plugin_action", record, [&] {
    return plugin_.action()(context_, id.c_str(), params_json.c_str());
  });
  *result = record.result;
  return failure;
}

void InProcessControl::shutdown() {
  auto shutdown = plugin_.shutdown();
  if (shutdown == nullptr) return;
  const RecordedCall recorded(recorder_.get(), CallKind::kLifecycle, key_,
                              "eh_plugin_shutdown");
  guarded_call("eh_plugin_shutdown", [&] {
    shutdown(context_);
    return EH_OK;
  });
}

}  // namespace eventhost
