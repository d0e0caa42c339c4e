// Host: enabling, disabling, configuring and running plugins.
#include <spdlog/spdlog.h>

#include <future>

#include "common/error.h"
#include "core/flight_recorder.h"
#include "core/host.h"
#include "dispatch/guarded_call.h"
#include "loader/sha256.h"
#include "worker/sandbox.h"
#include "worker/worker_plugin.h"

namespace eventhost {
namespace {

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

RunnerConfig Host::runner_config(const PluginView& view) const {
  const Manifest& m = *view.file.manifest;
  RunnerConfig config;
  config.key = view.key;
  config.priority = m.priority;
  // A worker runs one call at a time, whatever the manifest allows.
  config.concurrency =
      view.isolation == Isolation::kProcess ? 1 : m.concurrency;
  config.timeout = std::chrono::milliseconds(m.timeout_ms);
  config.queue_capacity = m.queue_capacity;
  config.subscribe = m.subscribe;
  config.recorder = recorder_;
  config.max_attempts =
      m.retry_attempts != 0 ? m.retry_attempts : options_.retry_attempts;
  config.retry_backoff = m.retry_backoff_ms != 0
                             ? std::chrono::milliseconds(m.retry_backoff_ms)
                             : options_.retry_backoff;
  return config;
}

// Loads, initializes and configures one plugin in its tier and adds it to
// the dispatcher. Returns "" or why it did not start.
std::string Host::load_plugin(const PluginView& view) {
  std::string failure = view.isolation == Isolation::kProcess
                            ? load_in_worker(view)
                            : load_in_thread(view);
  if (failure.empty()) {
    spdlog::debug("loaded plugin {} {} from {} ({} tier)", view.key,
                  view.file.manifest->version, view.file.path.string(),
                  to_string(view.isolation));
  }
  return failure;
}

std::string Host::load_in_thread(const PluginView& view) {
  // Covers dlopen too: a plugin's static initializers run there.
  const RecordedCall recorded(recorder_.get(), CallKind::kLoading, view.key,
                              "load, init and configure");
  std::shared_ptr<LoadedPlugin> plugin;
  try {
    plugin = LoadedPlugin::load(view.file, view.state->sha256);
  } catch (const Error& e) {
    return e.what();
  }
  PluginServices* services = gate_.get();
  auto context = std::make_unique<eh_context>(view.key, services);
  context->emit_budget.set_per_second(view.file.manifest->max_emits_per_second);
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
  dispatcher_->add(std::make_shared<PluginRunner>(runner_config(view), plugin,
                                                  std::move(context)));
  return "";
}

std::string Host::load_in_worker(const PluginView& view) {
  const Manifest& m = *view.file.manifest;
  worker::WorkerPolicy policy;
  policy.binary = options_.worker_binary.empty() ? worker::find_worker_binary()
                                                 : options_.worker_binary;
  if (policy.binary.empty()) {
    return "the process tier needs the eventhost-worker program, which was "
           "not found next to eventhost or in ../libexec/eventhost; set "
           "EVENTHOST_WORKER to its path";
  }
  policy.limits.memory_bytes = std::uint64_t{m.limits.memory_mb} << 20;
#ifdef EH_SANITIZER_BUILD
  // ASan and TSan reserve terabytes of address space for their shadow
  // memory: under any RLIMIT_AS a plugin could live with, an instrumented
  // worker cannot even start. Sanitizer builds (for tests only) run their
  // workers without it.
  policy.limits.memory_bytes = 0;
#endif
  policy.limits.cpu_seconds = m.limits.cpu_seconds;
  policy.limits.open_files = m.limits.open_files;
  for (const std::string& promise : m.sandbox) {
    if (promise == "no_network") policy.deny |= worker::kDenyNetwork;
    if (promise == "no_fs_write") policy.deny |= worker::kDenyFsWrite;
    if (promise == "no_spawn") policy.deny |= worker::kDenySpawn;
  }
  policy.crash_limit = options_.worker_crash_limit;
  policy.kill_grace = options_.worker_kill_grace;
  policy.user = options_.worker_user;
  worker::WorkerSpec spec;
  spec.key = view.key;
  spec.plugin_file = view.file.path;
  spec.sha256 = view.state->sha256;
  spec.has_action = view.file.has_action;
  spec.timeout = std::chrono::milliseconds(m.timeout_ms);
  spec.max_emits_per_second = m.max_emits_per_second;
  PluginServices* services = gate_.get();
  auto supervisor = std::make_shared<worker::WorkerPlugin>(
      std::move(spec), std::move(policy), services, dispatcher_.get());
  auto runner = std::make_shared<PluginRunner>(
      runner_config(view), view.file.handler_symbols, view.file.has_catch_all,
      supervisor, supervisor.get());
  const std::string failure =
      supervisor->start(runner.get(), settings_for(view));
  if (!failure.empty()) {
    return failure +
           " (in its worker process; fix its settings with "
           "`eventhost plugins configure " +
           view.key + " name=value`, or see the worker's log above)";
  }
  dispatcher_->add(std::move(runner));
  return "";
}

void Host::unload(const std::shared_ptr<PluginRunner>& runner) {
  runner->control().shutdown();
}

PluginView Host::enable(const std::string& key) {
  PluginView view = plugin(key);
  if (view.status.rfind("missing on node ", 0) == 0) {
    throw Error(ErrorKind::kRefused,
                "cannot enable " + key + ": " + view.status);
  }
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
  start_cursor_now(key);  // owed nothing from while it was off
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
    ledger_.forget(key);
  }
  const std::string failure = load_plugin(view);
  if (!failure.empty()) {
    throw Error(ErrorKind::kRefused,
                key + " is enabled but did not start: " + failure);
  }
  if (journal_ && journal_->hands_back()) {
    journal_->plugin_started(key, view.file.manifest
                                      ? view.file.manifest->cluster
                                      : ClusterMode::kShared);
  }
  emit_host_event("plugin.enabled", plugin_event_payload(view).dump());
  return view;
}

PluginView Host::disable(const std::string& key) {
  PluginView view = plugin(key);
  const bool was_enabled = view.enabled;
  state_->set_disabled(key, "");
  spdlog::debug("disabled plugin {}", key);
  if (dispatcher_) {
    // A plugin its breaker disabled is already off in the state but may
    // still have a (tripped) runner: retire it either way.
    const bool loaded = dispatcher_->find(key) != nullptr;
    if (auto runner = dispatcher_->remove(key, options_.shutdown_grace)) {
      save_counters(*runner);
      unload(runner);
      ledger_.forget(key);
    } else if (loaded) {
      spdlog::error(
          "plugin {} is still in a call after {} ms; it gets no "
          "more events but stays loaded until the host exits",
          key, options_.shutdown_grace.count());
    }
    // Nothing changed for a plugin that was off: nothing to announce.
    if (was_enabled) {
      emit_host_event("plugin.disabled", plugin_event_payload(view).dump());
    }
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
  PluginView proposed = view;  // with the new values, not yet saved
  bool changed = false;
  for (const auto& [id, text] : assignments) {
    const SettingField* field = m.find_setting(id);
    if (field == nullptr) {
      std::string known;
      for (const SettingField& f : m.settings) known += " " + f.id;
      throw Error(ErrorKind::kNotFound,
                  key + " has no setting '" + id +
                      "'; its settings:" + (known.empty() ? " (none)" : known));
    }
    const nlohmann::json value = parse_setting_text(*field, text);
    const auto current = view.settings.find(id);
    changed =
        changed || current == view.settings.end() || current->second != value;
    values[id] = value.dump();
    proposed.settings[id] = value;
  }
  // A running plugin sees the new values before they are saved: if its
  // configure hook refuses them, it gets its old ones back and nothing is
  // saved, so the state never holds settings the plugin rejected.
  if (changed && dispatcher_) {
    if (auto runner = dispatcher_->find(key)) {
      const auto reconfigure = [&](const PluginView& with) {
        const auto settings = settings_for(with);
        auto done = std::make_shared<std::promise<std::string>>();
        auto result = done->get_future();
        const bool queued =
            dispatcher_->run_lifecycle(key, [runner, settings, done] {
              done->set_value(runner->control().configure(settings));
            });
        // A hook that does not answer in time has not refused.
        return queued && result.wait_for(runner->config().timeout * 2) ==
                             std::future_status::ready
                   ? result.get()
                   : std::string();
      };
      const std::string failure = reconfigure(proposed);
      if (!failure.empty()) {
        const std::string restored = reconfigure(view);
        if (!restored.empty()) {
          spdlog::warn("{} also refused its previous settings: {}", key,
                       restored);
        }
        throw Error(
            ErrorKind::kInvalidInput,
            key + " rejected the settings: " + failure + "; nothing was saved");
      }
    }
  }
  state_->put_settings(key, values);
  view = plugin(key);
  // The same values again change nothing: no hook call, no announcement.
  if (!dispatcher_ || !changed) return view;
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
  if (!runner || !runner->control().has_action()) {
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
    a.error = runner->control().action(action, params_text, &a.result);
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

namespace eventhost {

PluginView Host::set_isolation(const std::string& key,
                               const std::string& tier) {
  PluginView view = plugin(key);
  if (!tier.empty() && !parse_isolation(tier)) {
    throw Error(
        ErrorKind::kInvalidInput,
        "isolation must be \"thread\" or \"process\", got \"" + tier + "\"");
  }
  state_->set_isolation(key, tier);
  view = plugin(key);
  if (!dispatcher_ || options_.safe_mode) return view;
  const auto running = dispatcher_->find(key);
  if (!running) return view;
  const bool in_worker = running->executor() != nullptr;
  if (in_worker == (view.isolation == Isolation::kProcess)) return view;
  const auto retired = dispatcher_->remove(key, options_.shutdown_grace);
  if (!retired) {
    throw Error(ErrorKind::kRefused,
                key + " is still in a call after " +
                    std::to_string(options_.shutdown_grace.count()) +
                    " ms; the " + to_string(view.isolation) +
                    " tier is saved and applies when the host restarts");
  }
  save_counters(*retired);
  unload(retired);
  const std::string failure = load_plugin(view);
  if (!failure.empty()) {
    throw Error(ErrorKind::kRefused, key + " did not start in the " +
                                         to_string(view.isolation) +
                                         " tier: " + failure);
  }
  spdlog::info("plugin {} now runs in the {} tier", key,
               to_string(view.isolation));
  return view;
}

}  // namespace eventhost
