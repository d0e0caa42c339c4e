// Host: enabling, disabling, configuring and running plugins.
#include <spdlog/spdlog.h>

#include <future>

#include "common/error.h"
#include "core/flight_recorder.h"
#include "core/host.h"
#include "loader/sha256.h"

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

// Describes a failed lifecycle call: "eh_plugin_init returned 2 (invalid
// argument): <the plugin's message>".
std::string call_failure(const char* what, std::int32_t code,
                         const CallRecord& record) {
  return std::string(what) + " returned " + std::to_string(code) + " (" +
         code_text(code) + ")" +
         (record.error.empty() ? "" : ": " + record.error);
}

// Runs a lifecycle function of a plugin with the exception barrier, its
// set_error/set_result captured in `record`; returns "" on success or what
// went wrong.
template <typename Fn>
std::string guarded_call(const char* what, CallRecord& record, Fn&& fn) {
  CallScope scope(&record);
  try {
    const std::int32_t code = fn();
    return code == EH_OK ? "" : call_failure(what, code, record);
  } catch (const std::exception& e) {
    return std::string(what) + " threw: " + e.what();
  } catch (...) {
    return std::string(what) + " threw an unknown exception";
  }
}

template <typename Fn>
std::string guarded_call(const char* what, Fn&& fn) {
  CallRecord record;
  return guarded_call(what, record, std::forward<Fn>(fn));
}

nlohmann::json plugin_event_payload(const PluginView& view) {
  return {{"plugin_key", view.key},
          {"plugin_name",
           view.file.manifest ? view.file.manifest->name : view.key}};
}

// Why `view`, whose key other files declare too, cannot be enabled.
std::string duplicate_refusal(const PluginView& view) {
  std::string others;
  for (const auto& other : view.same_key) {
    others += (others.empty() ? "" : ", ") + other.string();
  }
  const std::string fix =
      "; remove one of the files from the plugins folder, then enable again";
  if (view.state && view.state->enabled && !view.state->file.empty()) {
    return "cannot enable " + view.key + ": it is enabled from " +
           view.state->file + " and " + others + " declares the same key '" +
           view.key + "'" + fix;
  }
  return "cannot enable " + view.key + ": " + view.file.path.string() +
         " and " + others + " both declare the key '" + view.key + "'" + fix;
}

}  // namespace

std::shared_ptr<const PluginSettings> Host::settings_for(
    const PluginView& view) const {
  auto settings = std::make_shared<PluginSettings>();
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [id, value] : view.settings) {
    settings->values[id] = value.dump();
    object[id] = value;
  }
  settings->object_json = object.dump();
  return settings;
}

// Loads, initializes and configures one plugin and adds it to the
// dispatcher. Returns "" or why it did not start.
std::string Host::load_plugin(const PluginView& view) {
  // Covers dlopen too: a plugin's static initializers run there.
  const RecordedCall recorded(recorder_.get(), CallKind::kLoading, view.key,
                              "load, init and configure");
  std::shared_ptr<LoadedPlugin> plugin;
  try {
    plugin = LoadedPlugin::load(view.file, view.state->sha256);
  } catch (const Error& e) {
    return e.what();
  }
  const Manifest& m = *view.file.manifest;
  PluginServices* services = this;
  auto context = std::make_unique<eh_context>(view.key, services);
  const auto settings = settings_for(view);
  context->set_settings(settings);
  eh_context* ctx = context.get();
  if (auto init = plugin->init()) {
    const std::string failed =
        guarded_call("eh_plugin_init", [&] { return init(host_api(), ctx); });
    if (!failed.empty()) return failed;
  }
  if (auto configure = plugin->configure()) {
    const std::string failed = guarded_call("eh_plugin_configure", [&] {
      return configure(ctx, settings->object_json.c_str());
    });
    if (!failed.empty()) {
      if (auto shutdown = plugin->shutdown()) shutdown(ctx);
      return failed + " (fix its settings with `eventhost plugins configure " +
             view.key + " name=value`)";
    }
  }
  RunnerConfig config;
  config.key = view.key;
  config.priority = m.priority;
  config.concurrency = m.concurrency;
  config.timeout = std::chrono::milliseconds(m.timeout_ms);
  config.queue_capacity = m.queue_capacity;
  config.subscribe = m.subscribe;
  config.recorder = recorder_;
  dispatcher_->add(std::make_shared<PluginRunner>(std::move(config), plugin,
                                                  std::move(context)));
  spdlog::debug("loaded plugin {} {} from {}", view.key, m.version,
                view.file.path.string());
  return "";
}

void Host::unload(const std::shared_ptr<PluginRunner>& runner) {
  if (auto shutdown = runner->plugin().shutdown()) {
    const RecordedCall recorded(runner->config().recorder.get(),
                                CallKind::kLifecycle, runner->key(),
                                "eh_plugin_shutdown");
    guarded_call("eh_plugin_shutdown", [&] {
      shutdown(runner->context());
      return EH_OK;
    });
  }
}

PluginView Host::enable(const std::string& key) {
  PluginView view = plugin(key);
  if (!view.file.usable() || view.status.rfind("invalid: ", 0) == 0) {
    throw Error(ErrorKind::kRefused,
                "cannot enable " + key + ": " + view.status.substr(9));
  }
  if (view.status.rfind("incompatible: ", 0) == 0) {
    throw Error(ErrorKind::kRefused, "cannot enable " + key + ": " +
                                         view.status +
                                         "; use a release built for it");
  }
  if (!view.same_key.empty()) {
    throw Error(ErrorKind::kRefused, duplicate_refusal(view));
  }
  const std::string sha = sha256_file(view.file.path);
  state_->set_enabled(key, sha, view.file.path.string());
  spdlog::debug("enabled plugin {} (sha256 {})", key, sha);
  view = plugin(key);
  if (!dispatcher_ || options_.safe_mode) return view;
  if (auto running = dispatcher_->find(key)) {
    if (!running->tripped()) return view;  // already loaded
    // Its circuit breaker tripped: that runner takes no more work, so
    // retire it and load the plugin afresh.
    auto retired = dispatcher_->remove(key, options_.shutdown_grace);
    if (!retired) {
      throw Error(ErrorKind::kRefused,
                  key + " is enabled but is still in a call after " +
                      std::to_string(options_.shutdown_grace.count()) +
                      " ms; it starts again when the host restarts");
    }
    save_counters(*retired);
    unload(retired);
  }
  const std::string failure = load_plugin(view);
  if (!failure.empty()) {
    throw Error(ErrorKind::kRefused,
                key + " is enabled but did not start: " + failure);
  }
  emit_host_event("plugin.enabled", plugin_event_payload(view).dump());
  return view;
}

PluginView Host::disable(const std::string& key) {
  PluginView view = plugin(key);
  state_->set_disabled(key, "");
  spdlog::debug("disabled plugin {}", key);
  if (dispatcher_) {
    const bool loaded = dispatcher_->find(key) != nullptr;
    if (auto runner = dispatcher_->remove(key, options_.shutdown_grace)) {
      save_counters(*runner);
      unload(runner);
    } else if (loaded) {
      spdlog::error(
          "plugin {} is still in a call after {} ms; it gets no "
          "more events but stays loaded until the host exits",
          key, options_.shutdown_grace.count());
    }
    emit_host_event("plugin.disabled", plugin_event_payload(view).dump());
  }
  return plugin(key);
}

PluginView Host::configure(
    const std::string& key,
    const std::map<std::string, std::string>& assignments) {
  PluginView view = plugin(key);
  if (!view.file.manifest) {
    throw Error(ErrorKind::kRefused,
                "cannot configure " + key + ": " + view.status);
  }
  const Manifest& m = *view.file.manifest;
  std::map<std::string, std::string> values;
  for (const auto& [id, text] : assignments) {
    const SettingField* field = m.find_setting(id);
    if (field == nullptr) {
      std::string known;
      for (const SettingField& f : m.settings) known += " " + f.id;
      throw Error(ErrorKind::kNotFound,
                  key + " has no setting '" + id +
                      "'; its settings:" + (known.empty() ? " (none)" : known));
    }
    values[id] = parse_setting_text(*field, text).dump();
  }
  state_->put_settings(key, values);
  view = plugin(key);
  if (!dispatcher_) return view;
  if (auto runner = dispatcher_->find(key)) {
    const auto settings = settings_for(view);
    auto done = std::make_shared<std::promise<std::string>>();
    auto result = done->get_future();
    const bool queued = dispatcher_->run_lifecycle(key, [runner, settings,
                                                         done] {
      runner->context()->set_settings(settings);
      const RecordedCall recorded(runner->config().recorder.get(),
                                  CallKind::kLifecycle, runner->key(),
                                  "eh_plugin_configure");
      auto configure = runner->plugin().configure();
      done->set_value(
          configure == nullptr ? "" : guarded_call("eh_plugin_configure", [&] {
            return configure(runner->context(), settings->object_json.c_str());
          }));
    });
    if (queued && result.wait_for(runner->config().timeout * 2) ==
                      std::future_status::ready) {
      const std::string failure = result.get();
      if (!failure.empty()) {
        throw Error(ErrorKind::kInvalidInput, "settings saved, but " + key +
                                                  " rejected them: " + failure);
      }
    }
  }
  emit_host_event("plugin.configured", plugin_event_payload(view).dump());
  return view;
}

std::string Host::run_action(const std::string& key, const std::string& action,
                             std::string_view params_json) {
  PluginView view = plugin(key);
  if (!view.file.manifest ||
      view.file.manifest->find_action(action) == nullptr) {
    std::string known;
    if (view.file.manifest) {
      for (const ActionSpec& a : view.file.manifest->actions)
        known += " " + a.id;
    }
    throw Error(ErrorKind::kNotFound,
                key + " has no action '" + action +
                    "'; its actions:" + (known.empty() ? " (none)" : known));
  }
  const nlohmann::json params =
      nlohmann::json::parse(params_json, nullptr, false);
  if (params.is_discarded() || !params.is_object()) {
    throw Error(
        ErrorKind::kInvalidInput,
        "--params must be a JSON object, e.g. '{\"username\": \"bob\"}'");
  }
  auto runner = dispatcher_ ? dispatcher_->find(key) : nullptr;
  if (!runner || runner->plugin().action() == nullptr) {
    throw Error(ErrorKind::kRefused,
                runner ? key + " does not export eh_plugin_action"
                       : key + " is not running (" + view.status +
                             "); enable it with `eventhost plugins enable " +
                             key + "`");
  }
  struct Answer {
    std::string error, result;
  };
  auto done = std::make_shared<std::promise<Answer>>();
  auto answer = done->get_future();
  const std::string params_text = params.dump();
  dispatcher_->run_lifecycle(key, [runner, action, params_text, done] {
    Answer a;
    CallRecord record;
    const RecordedCall recorded(runner->config().recorder.get(),
                                CallKind::kLifecycle, runner->key(),
                                "eh_plugin_action");
    a.error = guarded_call("eh_plugin_action", record, [&] {
      return runner->plugin().action()(runner->context(), action.c_str(),
                                       params_text.c_str());
    });
    a.result = record.result;
    done->set_value(std::move(a));
  });
  const auto budget =
      std::max(runner->config().timeout, std::chrono::milliseconds(30000));
  if (answer.wait_for(budget) != std::future_status::ready) {
    throw Error(ErrorKind::kIo, key + " did not finish action '" + action +
                                    "' within " +
                                    std::to_string(budget.count()) + " ms");
  }
  Answer a = answer.get();
  if (!a.error.empty())
    throw Error(ErrorKind::kRefused,
                key + ": action '" + action + "': " + a.error);
  return a.result;
}

}  // namespace eventhost
