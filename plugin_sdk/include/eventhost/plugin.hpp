// eventhost/plugin.hpp -- a header-only C++20 layer over plugin.h.
//
// It lets a C++ plugin write a handler in a few lines and never think about
// the C boundary again:
//
//   #include <eventhost/plugin.hpp>
//
//   EH_ON(channel_created)(const eventhost::Event& ev, eventhost::Context& c) {
//     c.info("created " + ev.get("channel_name", "?"));
//   }
//
// Or, typed, with the structs generated from the catalogue (events.hpp) or
// from the plugin's own manifest (<key>_events.hpp, eventhost_add_plugin),
// through eventhost/typed_events.hpp, which those headers include:
//
//   #include <eventhost/events.hpp>
//
//   EH_ON_EVENT(ChannelCreated)(const eventhost::events::ChannelCreated& ev,
//                               eventhost::Context& ctx) {
//     if (ev.channel_name) ctx.info("created " + *ev.channel_name);
//   }
//
// What it gives
//   Event      read-only view of one eh_event; the payload is parsed into
//              nlohmann::json lazily, once, and get<T>(field, default) never
//              throws for a missing, null or wrong-typed field.
//   Context    the host services (log, settings, emit, set_result, user data)
//              bound to the plugin's eh_context; in a handler also the event
//              being handled (event()).
//   EventTraits<T>  what a generated header says about typed event T: its
//              name, handler symbol, and how to read and write it.
//   Failure    throw eventhost::Failure(code, message) to fail a call with a
//              chosen EH_ERR_* code; the message goes to host->set_error.
//   EH_ON(suffix), EH_ON_ANY_EVENT, EH_PLUGIN_INIT, EH_PLUGIN_CONFIGURE,
//   EH_PLUGIN_ACTION, EH_PLUGIN_SHUTDOWN
//              define the exported C symbols. Each wraps the C++ body in
//              try/catch, because an exception that crosses the C ABI is
//              undefined behaviour (in practice std::terminate of the host):
//                Failure          -> its code, message via set_error
//                std::exception   -> EH_ERR_EXCEPTION, what() via set_error
//                anything else    -> EH_ERR_EXCEPTION, "unknown exception"
//
// Where the host table comes from
//   Handlers receive it in eh_event.host, but configure, action and shutdown
//   receive only the eh_context. So this header always exports
//   eh_plugin_init itself: it remembers the table (one per loaded library,
//   the host passes the same table to every call) and then runs the body of
//   EH_PLUGIN_INIT if the plugin has one. Consequently a plugin that includes
//   plugin.hpp must not define eh_plugin_init by hand; use EH_PLUGIN_INIT.
//
// Thread rules (the tags are plugin.h's)
//   Event and Context are created by the wrappers for one call and must not
//   outlive it: they point into host-owned memory valid only for the call.
//   Handlers and actions are [plugin-serial] unless the manifest raises
//   "concurrency"; init, configure and shutdown are [lifecycle]. Context's
//   methods are as thread-safe as the host functions behind them, which are
//   all [any-thread]. An Event is not thread-safe (its lazy parse is
//   unsynchronized); it never needs to be, as it lives in one call.
#ifndef EVENTHOST_PLUGIN_HPP
#define EVENTHOST_PLUGIN_HPP

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "plugin.h"

namespace eventhost {

// Specialised by the generated headers (eventhost/events.hpp and a
// plugin's <key>_events.hpp) for each typed event struct T:
//   static constexpr const char* name;    // "channel.created"
//   static constexpr const char* symbol;  // "on_channel_created"
//   static void read(const nlohmann::json& payload, T& event,
//                    detail::FieldReader& in);  // see typed_events.hpp
//   static void write(const T& event, nlohmann::json& payload);
template <class T>
struct EventTraits;

// Thrown from a handler or lifecycle body to fail the call with `code`.
class Failure : public std::runtime_error {
 public:
  Failure(std::int32_t code, const std::string& message)
      : std::runtime_error(message),
        code_(code == EH_OK ? EH_ERR_FAILED : code) {}
  std::int32_t code() const noexcept { return code_; }

 private:
  std::int32_t code_;
};

namespace detail {

// Converts `value` to T, or returns `fallback` when it is absent, null or of
// another JSON type. Stricter than nlohmann's get<T>, which would turn 3.7
// into 3 for an integer or throw for a string: payload fields are
// untrusted, so a surprise type must degrade to the default, not crash.
template <class T>
T value_or(const nlohmann::json* value, T fallback) {
  if (value == nullptr || value->is_null()) return fallback;
  if constexpr (std::is_same_v<T, bool>) {
    return value->is_boolean() ? value->get<bool>() : fallback;
  } else if constexpr (std::is_integral_v<T>) {
    return value->is_number_integer() ? value->get<T>() : fallback;
  } else if constexpr (std::is_floating_point_v<T>) {
    return value->is_number() ? value->get<T>() : fallback;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return value->is_string() ? value->get<std::string>() : fallback;
  } else if constexpr (std::is_same_v<T, nlohmann::json>) {
    return *value;
  } else {
    try {
      return value->get<T>();
    } catch (const nlohmann::json::exception&) {
      return fallback;
    }
  }
}

// Parses JSON text without throwing; a discarded (invalid) document becomes
// an empty object so lookups simply find nothing.
inline nlohmann::json parse_object(std::string_view text) {
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return nlohmann::json::object();
  return parsed;
}

// The host table remembered by eh_plugin_init for the calls that do not
// carry it. Written in init ([lifecycle]) and read on pool threads, hence
// atomic; inline, so there is one per loaded library.
inline std::atomic<const eh_host_api*> g_host{nullptr};

inline const eh_host_api* host() {
  return g_host.load(std::memory_order_acquire);
}

}  // namespace detail

// A read-only view of one delivered event. Valid for the handler call only.
class Event {
 public:
  explicit Event(const eh_event* ev) : ev_(ev) {}

  std::string_view name() const { return ev_->name ? ev_->name : ""; }
  std::uint64_t id() const { return ev_->id; }
  // 1 on first delivery, larger on redelivery: handlers must be idempotent.
  std::uint32_t attempt() const { return ev_->attempt; }
  std::uint32_t level() const { return ev_->level; }
  std::int64_t emitted_at_us() const { return ev_->emitted_at_us; }
  std::string_view raw_payload() const {
    if (ev_->payload == nullptr) return {};
    return {ev_->payload, static_cast<std::size_t>(ev_->payload_size)};
  }

  // The payload as JSON, parsed on first use only, so a handler that needs
  // nothing from the payload pays nothing for it.
  const nlohmann::json& payload() const {
    if (!payload_) payload_ = detail::parse_object(raw_payload());
    return *payload_;
  }

  // Top-level `field` as T, or `fallback` if missing, null or wrong-typed.
  template <class T>
  T get(std::string_view field, T fallback) const {
    const nlohmann::json& p = payload();
    if (!p.is_object()) return fallback;
    auto it = p.find(field);
    return detail::value_or<T>(it == p.end() ? nullptr : &*it,
                               std::move(fallback));
  }
  std::string get(std::string_view field, const char* fallback) const {
    return get<std::string>(field, std::string(fallback));
  }

  const eh_event* raw() const { return ev_; }

 private:
  const eh_event* ev_;
  mutable std::optional<nlohmann::json> payload_;
};

// The host's services for one call. Cheap to copy; valid for the call only.
class Context {
 public:
  // `event` is the event a handler call delivers, null in other calls.
  Context(const eh_host_api* host, eh_context* ctx,
          const Event* event = nullptr)
      : host_(host), ctx_(ctx), event_(event) {}

  // The event being handled: its id, attempt, emitted_at_us and payload
  // (handy in an EH_ON_EVENT handler, whose struct holds only the
  // payload's fields). Throws std::logic_error outside a handler call
  // (init, configure, actions, shutdown).
  const Event& event() const {
    if (event_ == nullptr) {
      throw std::logic_error(
          "eventhost::Context::event() is only available in an event "
          "handler");
    }
    return *event_;
  }

  void debug(const std::string& message) const { log(EH_LOG_DEBUG, message); }
  void info(const std::string& message) const { log(EH_LOG_INFO, message); }
  void warn(const std::string& message) const { log(EH_LOG_WARN, message); }
  void error(const std::string& message) const { log(EH_LOG_ERROR, message); }
  void log(std::uint32_t severity, const std::string& message) const {
    if (host_ && host_->log) host_->log(ctx_, severity, message.c_str());
  }

  // The current value of setting `id` as T, or `fallback` if the manifest
  // does not declare it or its value has another type.
  template <class T>
  T setting(const std::string& id, T fallback) const {
    std::optional<std::string> text = setting_text(id);
    if (!text) return fallback;
    nlohmann::json value = nlohmann::json::parse(*text, nullptr, false);
    if (value.is_discarded()) return fallback;
    return detail::value_or<T>(&value, std::move(fallback));
  }
  std::string setting(const std::string& id, const char* fallback) const {
    return setting<std::string>(id, std::string(fallback));
  }

  // The raw JSON text of setting `id`, or nullopt if it is not declared.
  std::optional<std::string> setting_text(const std::string& id) const {
    if (!host_ || !host_->get_setting) return std::nullopt;
    char small[256];
    std::size_t needed = 0;
    std::int32_t rc =
        host_->get_setting(ctx_, id.c_str(), small, sizeof small, &needed);
    if (rc == EH_OK) return std::string(small);
    if (rc != EH_ERR_BUFFER_TOO_SMALL || needed == 0) return std::nullopt;
    // Retry once with what the host asked for; the value may have grown in
    // between (a concurrent configure), which is reported as not found.
    std::string big(needed, '\0');
    rc = host_->get_setting(ctx_, id.c_str(), big.data(), big.size(), &needed);
    if (rc != EH_OK) return std::nullopt;
    big.resize(std::char_traits<char>::length(big.c_str()));
    return big;
  }

  // Queues event `name` with `payload` (a JSON object). True if accepted;
  // false if refused, e.g. past the host's emit depth limit or this
  // plugin's max_emits_per_second (see eh_host_api.emit). Never throws for
  // a refusal.
  bool emit(const std::string& name, const nlohmann::json& payload) const {
    return emit_status(name, payload) == EH_OK;
  }
  // As emit, but returns the host's EH_* code to tell why it was refused.
  std::int32_t emit_status(const std::string& name,
                           const nlohmann::json& payload) const {
    if (!host_ || !host_->emit) return EH_ERR_FAILED;
    std::string text = payload.dump();
    return host_->emit(ctx_, name.c_str(), text.data(), text.size());
  }

  // Emits a typed event (a struct of eventhost/events.hpp or of the
  // plugin's <key>_events.hpp): its present members are the payload.
  template <class Typed>
  bool emit(const Typed& event) const {
    return emit_status(event) == EH_OK;
  }
  template <class Typed>
  std::int32_t emit_status(const Typed& event) const {
    nlohmann::json payload = nlohmann::json::object();
    EventTraits<Typed>::write(event, payload);
    return emit_status(EventTraits<Typed>::name, payload);
  }

  // Answers the current action (EH_PLUGIN_ACTION) with text or JSON.
  void set_result(const std::string& text) const {
    if (host_ && host_->set_result) host_->set_result(ctx_, text.c_str());
  }
  void set_result_json(const nlohmann::json& value) const {
    set_result(value.dump());
  }

  // Plugin-private state. The plugin owns it: emplace_user_data<T> in init
  // and destroy_user_data<T> in shutdown are the usual pair.
  void set_user_data(void* data) const {
    if (host_ && host_->set_user_data) host_->set_user_data(ctx_, data);
  }
  template <class T>
  T* user_data() const {
    if (!host_ || !host_->get_user_data) return nullptr;
    return static_cast<T*>(host_->get_user_data(ctx_));
  }
  template <class T, class... Args>
  T& emplace_user_data(Args&&... args) const {
    destroy_user_data<T>();
    T* data = new T(std::forward<Args>(args)...);
    set_user_data(data);
    return *data;
  }
  template <class T>
  void destroy_user_data() const {
    delete user_data<T>();
    set_user_data(nullptr);
  }

  const eh_host_api* host() const { return host_; }
  eh_context* raw() const { return ctx_; }

 private:
  const eh_host_api* host_;
  eh_context* ctx_;
  const Event* event_;
};

namespace detail {

inline void report(const eh_host_api* host, eh_context* ctx,
                   const char* message) {
  if (host && host->set_error) host->set_error(ctx, message);
}

// Runs `body` and turns whatever it throws into an EH_* code plus a message
// through set_error. Nothing escapes: this is the whole reason for the SDK.
template <class Body>
std::int32_t guarded(const eh_host_api* host, eh_context* ctx,
                     Body&& body) noexcept {
  try {
    body();
    return EH_OK;
  } catch (const Failure& failure) {
    report(host, ctx, failure.what());
    return failure.code();
  } catch (const std::exception& e) {
    report(host, ctx, e.what());
    return EH_ERR_EXCEPTION;
  } catch (...) {
    report(host, ctx, "unknown exception");
    return EH_ERR_EXCEPTION;
  }
}

using HandlerBody = void (*)(const Event&, Context&);

inline std::int32_t run_handler(const eh_event* ev, eh_context* ctx,
                                HandlerBody body) noexcept {
  // A struct too short to hold `host` is not from a v1 host; without the
  // table there is no way to even say so, hence the bare code.
  if (ev == nullptr ||
      ev->struct_size < offsetof(eh_event, host) + sizeof(ev->host)) {
    return EH_ERR_INVALID_ARGUMENT;
  }
  const eh_host_api* host = ev->host ? ev->host : detail::host();
  return guarded(host, ctx, [&] {
    Event event(ev);
    Context context(host, ctx, &event);
    body(event, context);
  });
}

// The body of EH_PLUGIN_INIT, if any; set by a static registrar when the
// library is loaded, which is before the host can call eh_plugin_init.
using InitBody = void (*)(Context&);
inline InitBody g_init_body = nullptr;

struct InitRegistrar {
  explicit InitRegistrar(InitBody body) { g_init_body = body; }
};

// Runs a configure or action body, which gets a JSON object (the settings
// or the params) parsed here; text that is not JSON reads as {}.
template <class Body>
std::int32_t run_with_json(eh_context* ctx, const char* json,
                           Body&& body) noexcept {
  const eh_host_api* host = detail::host();
  return guarded(host, ctx, [&] {
    nlohmann::json parsed = parse_object(json ? json : "{}");
    Context context(host, ctx);
    body(parsed, context);
  });
}

using ShutdownBody = void (*)(Context&);

// Shutdown cannot report failure, so what it throws is logged instead.
inline void run_shutdown(eh_context* ctx, ShutdownBody body) noexcept {
  Context context(detail::host(), ctx);
  try {
    body(context);
  } catch (const std::exception& e) {
    context.error(std::string("exception in shutdown: ") + e.what());
  } catch (...) {
    context.error("unknown exception in shutdown");
  }
}

}  // namespace detail
}  // namespace eventhost

#if defined(_MSC_VER)
#define EH_SDK_KEEP
#else
#define EH_SDK_KEEP __attribute__((used))
#endif

// Remembers the host table, then runs EH_PLUGIN_INIT's body if there is one.
// `used` makes every translation unit emit it (merged by the linker), so it
// is exported even from a plugin whose sources never call it.
EH_EXPORT EH_SDK_KEEP inline int32_t eh_plugin_init(const eh_host_api* host,
                                                    eh_context* ctx) {
  if (host == nullptr ||
      EH_ABI_MAJOR_OF(host->abi_version) != EH_ABI_MAJOR_OF(EH_ABI_VERSION)) {
    return EH_ERR_INVALID_ARGUMENT;
  }
  eventhost::detail::g_host.store(host, std::memory_order_release);
  eventhost::detail::InitBody body = eventhost::detail::g_init_body;
  if (body == nullptr) return EH_OK;
  return eventhost::detail::guarded(host, ctx, [&] {
    eventhost::Context context(host, ctx);
    body(context);
  });
}

// ---- Definition macros -------------------------------------------------
// Each expands to the exported C function followed by the head of a static
// C++ function whose parameter list and body the plugin writes next:
//   EH_ON(channel_created)(const eventhost::Event& ev, eventhost::Context& c)
//   EH_ON_ANY_EVENT(const eventhost::Event& ev, eventhost::Context& c)
//   EH_PLUGIN_INIT(eventhost::Context& c)
//   EH_PLUGIN_CONFIGURE(const nlohmann::json& settings, eventhost::Context& c)
//   EH_PLUGIN_ACTION(std::string_view id, const nlohmann::json& params,
//                    eventhost::Context& c)
//   EH_PLUGIN_SHUTDOWN(eventhost::Context& c)
// Unused parameters may be left unnamed. Use each at most once per plugin.

#define EH_ON(SUFFIX)                                                      \
  static void eh_cxx_on_##SUFFIX(const ::eventhost::Event&,                \
                                 ::eventhost::Context&);                   \
  EH_EXPORT int32_t on_##SUFFIX(const eh_event* ev, eh_context* ctx) {     \
    return ::eventhost::detail::run_handler(ev, ctx, &eh_cxx_on_##SUFFIX); \
  }                                                                        \
  static void eh_cxx_on_##SUFFIX

#define EH_ON_ANY_EVENT                                                     \
  static void eh_cxx_on_any_event(const ::eventhost::Event&,                \
                                  ::eventhost::Context&);                   \
  EH_EXPORT int32_t eh_on_any_event(const eh_event* ev, eh_context* ctx) {  \
    return ::eventhost::detail::run_handler(ev, ctx, &eh_cxx_on_any_event); \
  }                                                                         \
  static void eh_cxx_on_any_event

#define EH_PLUGIN_INIT                                                   \
  static void eh_cxx_plugin_init(::eventhost::Context&);                 \
  static const ::eventhost::detail::InitRegistrar eh_cxx_init_registrar{ \
      &eh_cxx_plugin_init};                                              \
  static void eh_cxx_plugin_init

#define EH_PLUGIN_CONFIGURE                                              \
  static void eh_cxx_plugin_configure(const ::nlohmann::json&,           \
                                      ::eventhost::Context&);            \
  EH_EXPORT int32_t eh_plugin_configure(eh_context* ctx,                 \
                                        const char* settings) {          \
    return ::eventhost::detail::run_with_json(ctx, settings,             \
                                              &eh_cxx_plugin_configure); \
  }                                                                      \
  static void eh_cxx_plugin_configure

#define EH_PLUGIN_ACTION                                                       \
  static void eh_cxx_plugin_action(                                            \
      ::std::string_view, const ::nlohmann::json&, ::eventhost::Context&);     \
  EH_EXPORT int32_t eh_plugin_action(eh_context* ctx, const char* action_id,   \
                                     const char* params) {                     \
    return ::eventhost::detail::run_with_json(                                 \
        ctx, params, [&](const ::nlohmann::json& p, ::eventhost::Context& c) { \
          eh_cxx_plugin_action(action_id ? action_id : "", p, c);              \
        });                                                                    \
  }                                                                            \
  static void eh_cxx_plugin_action

#define EH_PLUGIN_SHUTDOWN                                           \
  static void eh_cxx_plugin_shutdown(::eventhost::Context&);         \
  EH_EXPORT void eh_plugin_shutdown(eh_context* ctx) {               \
    ::eventhost::detail::run_shutdown(ctx, &eh_cxx_plugin_shutdown); \
  }                                                                  \
  static void eh_cxx_plugin_shutdown

#endif  // EVENTHOST_PLUGIN_HPP
