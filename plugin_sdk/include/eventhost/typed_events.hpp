// eventhost/typed_events.hpp -- typed event handlers: the machinery the
// generated headers (eventhost/events.hpp from the catalogue, a plugin's
// <key>_events.hpp from its manifest) build on. Include those, not this.
//
//   #include <eventhost/events.hpp>
//
//   EH_ON_EVENT(ChannelCreated)(const eventhost::events::ChannelCreated& ev,
//                               eventhost::Context& ctx) {
//     if (ev.channel_name) ctx.info("created " + *ev.channel_name);
//     // ctx.event() is the delivered event: id(), attempt(), ...
//   }
//
// EH_ON_EVENT(Name) exports the event's handler symbol (on_channel_created)
// with C linkage, parses the payload once per call into a fresh struct
// (every member a std::optional: empty when the field is missing or null)
// and runs the body behind the same exception barrier as EH_ON (see
// plugin.hpp). A misspelt struct or field name is a compile error. A field
// of another type than declared (the host lets one through only under
// --payload-check lenient) leaves its member empty and is logged at debug
// level; the call does not fail.
//
// Thread rules: those of plugin.hpp; a struct is built for one call.
#ifndef EVENTHOST_TYPED_EVENTS_HPP
#define EVENTHOST_TYPED_EVENTS_HPP

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "plugin.hpp"

namespace eventhost::detail {

// Reads payload fields into the std::optional members of a typed event.
// A missing or null field leaves its member empty; so does a field of
// another type than declared (which the host lets through only under
// --payload-check lenient, or a host without type checks), and such a
// field is remembered in wrong() so the handler wrapper can log it. The
// rules are those of the host's check: an integer is a JSON integer
// within int64_t (not 3.0), a number any JSON number, an array's every
// element of its item type. A timestamp arrives as its ISO 8601 text.
class FieldReader {
 public:
  template <class T>
  void read(const nlohmann::json& payload, const char* field,
            std::optional<T>& out) {
    auto it = payload.find(field);
    if (it == payload.end() || it->is_null()) return;
    T value{};
    if (convert(*it, value)) {
      out = std::move(value);
    } else {
      wrong_.emplace_back(field);
    }
  }

  const std::vector<std::string>& wrong() const { return wrong_; }

 private:
  static bool convert(const nlohmann::json& v, std::int64_t& out) {
    if (v.is_number_unsigned()) {
      if (v.get<std::uint64_t>() >
          static_cast<std::uint64_t>(
              std::numeric_limits<std::int64_t>::max())) {
        return false;
      }
    } else if (!v.is_number_integer()) {
      return false;
    }
    out = v.get<std::int64_t>();
    return true;
  }
  static bool convert(const nlohmann::json& v, double& out) {
    if (!v.is_number()) return false;
    out = v.get<double>();
    return true;
  }
  static bool convert(const nlohmann::json& v, bool& out) {
    if (!v.is_boolean()) return false;
    out = v.get<bool>();
    return true;
  }
  static bool convert(const nlohmann::json& v, std::string& out) {
    if (!v.is_string()) return false;
    out = v.get<std::string>();
    return true;
  }
  static bool convert(const nlohmann::json& v, nlohmann::json& out) {
    out = v;
    return true;
  }
  template <class T>
  static bool convert(const nlohmann::json& v, std::vector<T>& out) {
    if (!v.is_array()) return false;
    out.reserve(v.size());
    for (const nlohmann::json& item : v) {
      T value{};
      if (!convert(item, value)) return false;
      out.push_back(std::move(value));
    }
    return true;
  }

  std::vector<std::string> wrong_;
};

// Writes a present member of a typed event into its payload; an empty
// one is left out (missing, not null).
template <class T>
void write_field(nlohmann::json& payload, const char* field,
                 const std::optional<T>& value) {
  if (value) payload[field] = *value;
}

// Runs a typed handler: the payload is parsed once (Event::payload()) and
// read into a fresh T. A field of the wrong type is left empty and
// logged at debug level, not a failure: handlers tolerate missing fields
// anyway, and the value stays readable through ctx.event().
template <class T>
std::int32_t run_typed(const eh_event* ev, eh_context* ctx,
                       void (*body)(const T&, Context&)) noexcept {
  if (ev == nullptr ||
      ev->struct_size < offsetof(eh_event, host) + sizeof(ev->host)) {
    return EH_ERR_INVALID_ARGUMENT;
  }
  const eh_host_api* host = ev->host ? ev->host : detail::host();
  return guarded(host, ctx, [&] {
    Event event(ev);
    Context context(host, ctx, &event);
    T typed{};
    FieldReader reader;
    EventTraits<T>::read(event.payload(), typed, reader);
    for (const std::string& field : reader.wrong()) {
      context.debug(std::string(EventTraits<T>::name) + ": field \"" + field +
                    "\" is not of its declared type; left empty");
    }
    body(typed, context);
  });
}

}  // namespace eventhost::detail

// EH_ON_EVENT(ChannelCreated): the exported symbol (on_channel_created)
// comes from the macro EH_EVENT_SYMBOL_ChannelCreated of the generated
// header, which the pasted name expands to; a struct name the header does
// not define is a compile error (eventhost::events has no such member).
#define EH_ON_EVENT(NAME)                                              \
  static void eh_cxx_on_event_##NAME(const ::eventhost::events::NAME&, \
                                     ::eventhost::Context&);           \
  EH_EXPORT int32_t EH_EVENT_SYMBOL_##NAME(const eh_event* ev,         \
                                           eh_context* ctx) {          \
    return ::eventhost::detail::run_typed<::eventhost::events::NAME>(  \
        ev, ctx, &eh_cxx_on_event_##NAME);                             \
  }                                                                    \
  static void eh_cxx_on_event_##NAME

#endif  // EVENTHOST_TYPED_EVENTS_HPP
