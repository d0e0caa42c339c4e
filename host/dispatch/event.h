// Event -- one accepted event on its way to plugins.
//
// An Event is built once at ingest (after the catalogue check and the level
// filter) and then shared, immutable, by every delivery: one payload buffer,
// however many plugins receive it.
//
// Causality: an event from outside the plugins (CLI, HTTP, stdin, the
// host's own system.* and plugin.* events) has depth 0. One a plugin emits
// while its handler for event E runs has depth E.depth + 1 and keeps E as
// its cause; one a plugin emits outside a handler call (init, configure, an
// action, a thread of its own) has depth 1 and no cause. The host refuses
// emits past its depth limit (HostOptions::max_emit_depth), so a chain of
// causes is never longer than that limit: keeping the parents alive costs
// at most that many events per chain, freed with its last delivery.
//
// Thread-safety: immutable after construction; share through EventPtr.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "catalogue/level.h"

namespace eventhost {

struct Event;
using EventPtr = std::shared_ptr<const Event>;

struct Event {
  std::uint64_t id = 0;
  std::string name;
  std::string payload;  // minified JSON object text
  std::int64_t emitted_at_us = 0;
  LevelSet level = LevelSet::kFull;
  std::uint32_t depth = 0;  // see "Causality" above
  EventPtr cause;           // the event whose handler emitted this one
};

}  // namespace eventhost
