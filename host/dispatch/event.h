// Event -- one accepted event on its way to plugins.
//
// An Event is built once at ingest (after the catalogue check and the level
// filter) and then shared, immutable, by every delivery: one payload buffer,
// however many plugins receive it.
//
// Thread-safety: immutable after construction; share through EventPtr.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "catalogue/level.h"

namespace eventhost {

struct Event {
  std::uint64_t id = 0;
  std::string name;
  std::string payload;  // minified JSON object text
  std::int64_t emitted_at_us = 0;
  LevelSet level = LevelSet::kFull;
};

using EventPtr = std::shared_ptr<const Event>;

}  // namespace eventhost
