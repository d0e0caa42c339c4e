// typed_probe -- a test plugin in the typed style: each EH_ON_EVENT
// handler logs every member of the struct it receives, "-" for an empty
// one, so a test can see exactly what was parsed. channel.updated makes it
// emit its own typed event (typed_probe.sample) with ctx.emit(struct);
// channel.deleted throws, to show the exception barrier; the action
// "event" reports whether ctx.event() is available outside a handler.
#include <eventhost/events.hpp>
#include <stdexcept>
#include <string>

#include "typed_probe_events.hpp"

namespace {

template <class T>
std::string show(const std::optional<T>& value) {
  return value ? nlohmann::json(*value).dump() : "-";
}

}  // namespace

EH_ON_EVENT(ChannelCreated)
(const eventhost::events::ChannelCreated& ev, eventhost::Context& ctx) {
  ctx.info("channel.created #" + std::to_string(ctx.event().id()) +
           " channel_id=" + show(ev.channel_id) + " channel_number=" +
           show(ev.channel_number) + " channel_name=" + show(ev.channel_name) +
           " channel_uuid=" + show(ev.channel_uuid) +
           " channel_group_id=" + show(ev.channel_group_id) +
           " channel_group_name=" + show(ev.channel_group_name));
}

EH_ON_EVENT(RecordingRuleCreated)
(const eventhost::events::RecordingRuleCreated& ev, eventhost::Context& ctx) {
  ctx.info("recording_rule.created days_of_week=" + show(ev.days_of_week) +
           " enabled=" + show(ev.enabled) +
           " start_time=" + show(ev.start_time));
}

EH_ON_EVENT(TypedProbeSample)
(const eventhost::events::TypedProbeSample& ev, eventhost::Context& ctx) {
  ctx.info("typed_probe.sample count=" + show(ev.count) +
           " ratio=" + show(ev.ratio) + " label=" + show(ev.label) +
           " flag=" + show(ev.flag) + " at=" + show(ev.at) +
           " ids=" + show(ev.ids) + " tags=" + show(ev.tags) +
           " class=" + show(ev.class_) + " extra=" + show(ev.extra));
}

EH_ON_EVENT(ChannelUpdated)
(const eventhost::events::ChannelUpdated& ev, eventhost::Context& ctx) {
  eventhost::events::TypedProbeSample sample;
  sample.count = ev.channel_id.value_or(0);
  sample.label = ev.channel_name;
  sample.tags = std::vector<std::string>{"updated"};
  if (!ctx.emit(sample)) throw std::runtime_error("the emit was refused");
}

EH_ON_EVENT(ChannelDeleted)
(const eventhost::events::ChannelDeleted&, eventhost::Context&) {
  throw std::runtime_error("typed_probe refuses channel.deleted");
}

EH_PLUGIN_ACTION(std::string_view, const nlohmann::json&,
                 eventhost::Context& ctx) {
  try {
    ctx.set_result(std::to_string(ctx.event().id()));
  } catch (const std::logic_error& e) {
    ctx.set_result(e.what());
  }
}
