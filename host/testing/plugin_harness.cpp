// The implementation behind eventhost/testing.hpp: a plugin loaded with the
// host's own loader and called through the host's own runner, with a
// PluginServices that records what the plugin logs and emits instead of
// routing it. See testing.hpp for what differs from a running host.
#include <algorithm>
#include <chrono>
#include <eventhost/testing.hpp>
#include <mutex>
#include <stdexcept>

#include "catalogue/catalogue.h"
#include "catalogue/payload.h"
#include "common/error.h"
#include "dispatch/plugin_context.h"
#include "dispatch/plugin_runner.h"
#include "loader/loaded_plugin.h"
#include "loader/plugin_file.h"

namespace eventhost::testing {
namespace {

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Records logs and emits. A plugin may call the host from a thread of its
// own, hence the mutex.
class RecordingServices : public PluginServices {
 public:
  explicit RecordingServices(const Catalogue& catalogue)
      : catalogue_(catalogue) {}

  void plugin_log(const std::string&, std::uint32_t severity,
                  std::string_view message) override {
    std::lock_guard lock(mutex);
    logs.push_back({severity, std::string(message)});
  }

  // The host's rules for a plugin's emit: a known event, a JSON object.
  std::int32_t plugin_emit(const EmitSource&, std::string_view event,
                           std::string_view payload) override {
    const EventSpec* spec = catalogue_.find(event);
    if (spec == nullptr) return EH_ERR_NOT_FOUND;
    try {
      check_payload(*spec, payload);
    } catch (const Error&) {
      return EH_ERR_INVALID_ARGUMENT;
    }
    std::lock_guard lock(mutex);
    emitted.push_back({std::string(event), std::string(payload)});
    return EH_OK;
  }

  std::mutex mutex;
  std::vector<LogLine> logs;     // GUARDED_BY(mutex)
  std::vector<Emitted> emitted;  // GUARDED_BY(mutex)

 private:
  const Catalogue& catalogue_;
};

// Runs a lifecycle function with the host's exception barrier.
template <typename Fn>
Call lifecycle_call(const char* symbol, Fn&& fn) {
  Call call;
  call.called = true;
  call.symbol = symbol;
  CallRecord record;
  CallScope scope(&record);
  try {
    call.code = fn();
    call.outcome = call.code == EH_OK ? "ok" : "error";
  } catch (const std::exception& e) {
    call.code = EH_ERR_EXCEPTION;
    call.outcome = "exception";
    record.error = e.what();
  } catch (...) {
    call.code = EH_ERR_EXCEPTION;
    call.outcome = "exception";
    record.error = "unknown exception";
  }
  call.error = record.error;
  call.result = record.result;
  return call;
}

std::string describe_failure(const std::string& key, const Call& call) {
  return key + ": " + call.symbol + " failed with code " +
         std::to_string(call.code) +
         (call.error.empty() ? "" : ": " + call.error);
}

}  // namespace

struct Plugin::State {
  PluginFile file;
  Catalogue catalogue;
  std::unique_ptr<RecordingServices> services;
  std::shared_ptr<LoadedPlugin> library;
  std::unique_ptr<PluginRunner> runner;
  std::map<std::string, nlohmann::json> settings;
  std::uint64_t next_id = 1;

  const Manifest& manifest() const { return *file.manifest; }
  eh_context* context() const { return runner->context(); }

  // Hands the current settings to the context, as the host does.
  std::string apply_settings() {
    auto handed = std::make_shared<PluginSettings>();
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [id, value] : settings) {
      handed->values[id] = value.dump();
      object[id] = value;
    }
    handed->object_json = object.dump();
    context()->set_settings(handed);
    return handed->object_json;
  }

  Call configure() {
    const std::string object = apply_settings();
    eh_configure_fn fn = library->configure();
    if (fn == nullptr) return Call{};
    return lifecycle_call("eh_plugin_configure",
                          [&] { return fn(context(), object.c_str()); });
  }

  void assign(const std::string& id, const std::string& json_value) {
    const SettingField* field = manifest().find_setting(id);
    if (field == nullptr) {
      throw std::invalid_argument(manifest().key + " declares no setting '" +
                                  id + "'");
    }
    const auto value = nlohmann::json::parse(json_value, nullptr, false);
    const std::string problem = value.is_discarded()
                                    ? "'" + json_value + "' is not JSON text"
                                    : check_setting_value(*field, value);
    if (!problem.empty()) {
      throw std::invalid_argument("setting " + id + ": " + problem);
    }
    settings[id] = value;
  }
};

Plugin::Plugin(const std::string& path,
               const std::map<std::string, std::string>& settings)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.file = inspect_plugin_file(path);
  if (!s.file.usable()) {
    throw std::runtime_error(path + ": " + s.file.problem);
  }
  const Manifest& m = s.manifest();
  s.catalogue = Catalogue::builtin();
  s.catalogue.add(m.events);
  try {
    s.catalogue.validate();
    s.library = LoadedPlugin::load(s.file);
  } catch (const Error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
  s.services = std::make_unique<RecordingServices>(s.catalogue);
  RunnerConfig config;
  config.key = m.key;
  config.timeout = std::chrono::milliseconds(m.timeout_ms);
  config.subscribe = m.subscribe;
  s.runner = std::make_unique<PluginRunner>(
      std::move(config), s.library,
      std::make_unique<eh_context>(m.key, s.services.get()));
  for (const SettingField& field : m.settings) {
    s.settings[field.id] = field.default_value;
  }
  for (const auto& [id, value] : settings) s.assign(id, value);
  s.apply_settings();
  if (eh_init_fn init = s.library->init()) {
    const Call call = lifecycle_call(
        "eh_plugin_init", [&] { return init(host_api(), s.context()); });
    if (!call.ok()) throw std::runtime_error(describe_failure(m.key, call));
  }
  const Call configured = s.configure();
  if (configured.called && !configured.ok()) {
    if (eh_shutdown_fn shutdown = s.library->shutdown()) shutdown(s.context());
    throw std::runtime_error(describe_failure(m.key, configured));
  }
}

Plugin::~Plugin() {
  if (eh_shutdown_fn shutdown = state_->library->shutdown()) {
    lifecycle_call("eh_plugin_shutdown", [&] {
      shutdown(state_->context());
      return EH_OK;
    });
  }
}

const std::string& Plugin::key() const { return state_->manifest().key; }

Call Plugin::set(const std::string& id, const std::string& json_value) {
  state_->assign(id, json_value);
  return state_->configure();
}

Call Plugin::feed(const std::string& event, const std::string& payload_json,
                  EventOptions options) {
  State& s = *state_;
  const EventSpec* spec = s.catalogue.find(event);
  if (spec == nullptr) {
    const std::string nearest = s.catalogue.nearest(event);
    throw std::invalid_argument(
        "unknown event '" + event + "'" +
        (nearest.empty() ? "" : "; did you mean '" + nearest + "'?"));
  }
  auto accepted = std::make_shared<Event>();
  try {
    accepted->payload = check_payload(*spec, payload_json).json;
  } catch (const Error& e) {
    throw std::invalid_argument(e.what());
  }
  accepted->id = options.id != 0 ? options.id : s.next_id;
  s.next_id = std::max(s.next_id, accepted->id) + 1;
  accepted->name = spec->name;
  accepted->emitted_at_us =
      options.emitted_at_us != 0 ? options.emitted_at_us : now_us();
  accepted->level = spec->level;

  Work work;
  work.event = accepted;
  work.handler = s.runner->route(spec->name, &work.catch_all);
  Call call;
  if (work.handler == nullptr) return call;
  const DeliveryResult result = s.runner->deliver(work);
  call.called = true;
  call.code = result.code;
  call.outcome = to_string(result.outcome);
  call.error = result.message;
  call.symbol = result.symbol();
  return call;
}

Call Plugin::action(const std::string& id, const std::string& params_json) {
  State& s = *state_;
  if (s.manifest().find_action(id) == nullptr) {
    throw std::invalid_argument(key() + " declares no action '" + id + "'");
  }
  eh_action_fn fn = s.library->action();
  if (fn == nullptr) {
    throw std::invalid_argument(key() + " does not export eh_plugin_action");
  }
  return lifecycle_call("eh_plugin_action", [&] {
    return fn(s.context(), id.c_str(), params_json.c_str());
  });
}

bool Plugin::handles(const std::string& event) const {
  bool catch_all = false;
  return state_->runner->route(event, &catch_all) != nullptr;
}

const std::vector<LogLine>& Plugin::logs() const {
  return state_->services->logs;
}

const std::vector<Emitted>& Plugin::emitted() const {
  return state_->services->emitted;
}

bool Plugin::logged(const std::string& text) const {
  const auto& lines = state_->services->logs;
  return std::any_of(lines.begin(), lines.end(), [&](const LogLine& line) {
    return line.message.find(text) != std::string::npos;
  });
}

void Plugin::clear() {
  std::lock_guard lock(state_->services->mutex);
  state_->services->logs.clear();
  state_->services->emitted.clear();
}

}  // namespace eventhost::testing
