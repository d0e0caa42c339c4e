#include "core/emit_guard.h"

#include <spdlog/spdlog.h>

namespace eventhost {
namespace {

// Links of a chain shown in full; a longer one shows its first links, how
// many were left out, and where it started.
constexpr std::size_t kChainShown = 10;

// "channel.updated #9 <- channel.updated #8 <- ... <- channel.updated #1":
// the event being handled, then what caused it, back to where it started.
std::string chain_of(const Event& cause) {
  std::size_t links = 0;
  for (const Event* e = &cause; e != nullptr; e = e->cause.get()) ++links;
  std::string text;
  std::size_t index = 0;
  for (const Event* e = &cause; e != nullptr; e = e->cause.get(), ++index) {
    const bool last = e->cause == nullptr;
    if (links > kChainShown && index >= kChainShown - 2 && !last) {
      if (index == kChainShown - 2) {
        text += " <- ... " + std::to_string(links - kChainShown + 1) + " more";
      }
      continue;
    }
    text += (index == 0 ? "" : " <- ") + e->name + " #" + std::to_string(e->id);
  }
  if (cause.depth != 0 && links <= cause.depth) {
    text += " (emitted outside a handler call)";
  }
  return text;
}

}  // namespace

const char* to_string(EmitRefusal why) {
  return why == EmitRefusal::kDepth ? "depth" : "rate";
}

EmitGuard::EmitGuard(std::uint32_t max_depth) : max_depth_(max_depth) {}

std::uint32_t EmitGuard::depth_of(const EmitSource& source) {
  if (source.cause == nullptr || *source.cause == nullptr) return 1;
  return (*source.cause)->depth + 1;
}

std::optional<EmitRefusal> EmitGuard::admit(const EmitSource& source,
                                            std::string_view event,
                                            std::uint32_t depth) {
  std::optional<EmitRefusal> refused;
  if (depth > max_depth_) {
    refused = EmitRefusal::kDepth;
  } else if (source.budget != nullptr && !source.budget->take()) {
    refused = EmitRefusal::kRate;
  }
  if (refused) report(source, *refused, event, depth);
  return refused;
}

void EmitGuard::report(const EmitSource& source, EmitRefusal why,
                       std::string_view event, std::uint32_t depth) {
  refused_[static_cast<std::size_t>(why)].fetch_add(1);
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(log_mutex_);
  LogState& log = log_[{source.key, why}];
  if (now - log.last < std::chrono::seconds(1)) {
    ++log.unlogged;
    return;
  }
  const std::string since = log.unlogged == 0
                                ? ""
                                : " (" + std::to_string(log.unlogged) +
                                      " more refused since the last report)";
  if (why == EmitRefusal::kDepth) {
    const std::string chain =
        source.cause != nullptr && *source.cause != nullptr
            ? ": chain " + chain_of(**source.cause)
            : "";
    spdlog::warn(
        "plugin {} emitted {} at depth {} (limit {}){}; refused: each event "
        "a plugin emits while handling another is one deeper, so a loop "
        "ends here (raise --max-emit-depth if the chain is meant){}",
        source.key, event, depth, max_depth_, chain, since);
  } else {
    spdlog::warn(
        "plugin {} emitted {} past its max_emits_per_second {}; refused "
        "until the second is over (raise max_emits_per_second in its "
        "manifest if the rate is meant){}",
        source.key, event, source.budget->per_second(), since);
  }
  log.last = now;
  log.unlogged = 0;
}

void EmitGuard::flush_log() {
  std::lock_guard lock(log_mutex_);
  for (auto& [which, log] : log_) {
    if (log.unlogged == 0) continue;
    spdlog::warn("plugin {}: {} more emits refused ({}) since the last report",
                 which.first, log.unlogged,
                 which.second == EmitRefusal::kDepth ? "past the depth limit"
                                                     : "past its rate cap");
    log.unlogged = 0;
  }
}

}  // namespace eventhost
