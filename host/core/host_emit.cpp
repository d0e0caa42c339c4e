// Host: ingest (the catalogue and payload checks, the level filter, ids,
// the journal append, routing) and the emits plugins make through the
// host API.
#include <spdlog/spdlog.h>

#include "catalogue/payload.h"
#include "common/error.h"
#include "core/host.h"
#include "dispatch/event_pool.h"

namespace eventhost {
namespace {

std::int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch())
      .count();
}

// Ids are reserved from the state in blocks so that emitting does not write
// the database per event; unused ids of a block are skipped, never reused.
// Blocks start small, so a one-event CLI run leaves no big gap, and grow
// fast: a reservation is a write transaction on the emitting thread (0.2
// to 2 ms here), which stalled every 4096th event when blocks stopped at
// 4096; at 65536 that is every few seconds at full speed.
constexpr std::uint64_t kFirstIdBlock = 4;
constexpr std::uint64_t kIdBlockGrowth = 8;
constexpr std::uint64_t kMaxIdBlock = 65536;

}  // namespace

CheckedEvent Host::check(std::string_view event,
                         std::string_view payload) const {
  const std::shared_ptr<const Catalogue> catalogue = catalogue_.load();
  const EventSpec* spec = catalogue->find(event);
  if (spec == nullptr) {
    const std::string nearest = catalogue->nearest(event);
    throw Error(
        ErrorKind::kNotFound,
        "unknown event '" + std::string(event) + "'" +
            (nearest.empty() ? "" : "; did you mean '" + nearest + "'?") +
            " (`eventhost events list` shows every known event)");
  }
  CheckedPayload checked =
      check_payload(*spec, payload, options_.payload_check);
  return {spec->name, spec->level, std::move(checked.json),
          std::move(checked.extra_fields), std::move(checked.mismatches)};
}

EmitOutcome Host::emit(std::string_view event, std::string_view payload,
                       Dispatcher::Overflow overflow) {
  return emit(check(event, payload), overflow);
}

EmitOutcome Host::emit(const CheckedEvent& checked,
                       Dispatcher::Overflow overflow) {
  return emit_caused(checked, overflow, 0, nullptr);
}

// The event comes from the pool (dispatch/event_pool.h) and the checked
// text is copied into buffers it kept from an earlier life: a copy of a
// few hundred bytes on this thread is cheaper than taking the caller's
// buffer and freeing the pooled one, which is what made each event cost
// two heap blocks freed on another thread.
EmitOutcome Host::emit_caused(const CheckedEvent& checked,
                              Dispatcher::Overflow overflow,
                              std::uint32_t depth, EventPtr cause) {
  if (!dispatcher_) {
    throw Error(ErrorKind::kInternal, "emit() called before start()");
  }
  EmitOutcome outcome;
  outcome.event = checked.name;
  outcome.level = checked.level;
  outcome.extra_fields = checked.extra_fields;
  // Counted when the event is emitted, not when checked: a batch refused
  // for another line emits nothing, so nothing of it was accepted.
  for (const FieldMismatch& mismatch : checked.type_mismatches) {
    type_mismatch_log_.report(checked.name, mismatch);
    if (options_.on_type_mismatch) {
      options_.on_type_mismatch(checked.name, mismatch.field);
    }
    outcome.type_mismatches.push_back(mismatch.message);
  }
  const auto level_index = static_cast<std::size_t>(checked.level);
  const EventLevel level = effective_level_.load(std::memory_order_relaxed);
  if (!level_allows(level, checked.level)) {
    suppressed_[level_index].fetch_add(1);
    spdlog::debug(
        "Event '{}' suppressed by event level configuration "
        "(level {}, event is {})",
        checked.name, to_string(level), to_string(checked.level));
    outcome.suppressed = true;
    if (options_.on_suppressed)
      options_.on_suppressed(outcome.event, checked.level);
    return outcome;
  }
  if (journal_ && journal_->hands_back()) {
    return append_for_cluster(checked, depth, std::move(outcome));
  }
  std::shared_ptr<Event> accepted = make_event();
  accepted->name.assign(checked.name);
  accepted->payload.assign(checked.payload);
  accepted->level = checked.level;
  accepted->depth = depth;
  accepted->cause = std::move(cause);
  {
    // Held from taking the id until on_emitted has returned, so the
    // journal and on_emitted (the daemon's live stream, whose clients
    // resume by id) see events in id order, however many threads emit.
    std::lock_guard order(ids_mutex_);
    accepted->id = next_event_id();
    accepted->emitted_at_us = now_us();
    emitted_[level_index].fetch_add(1);
    outcome.event_id = accepted->id;
    if (journal_) {
      ledger_.ingest_begin(accepted->id);
      outcome.journal_ticket = journal_->append_event(accepted);
    }
    if (options_.on_emitted) options_.on_emitted(*accepted);
  }
  const std::uint64_t id = accepted->id;
  const Dispatcher::Fanout fanout =
      dispatcher_->dispatch(std::move(accepted), overflow);
  if (journal_) ledger_.ingest_end(id);
  outcome.queued = fanout.queued;
  outcome.dropped = fanout.dropped;
  if (fanout.dropped != 0) dropped_[level_index].fetch_add(fanout.dropped);
  return outcome;
}

// A cluster's log (core/event_log.h, hands_back()): the event goes to the
// cluster's stream, which gives its id once stored (assigned_id()), and
// comes back to the plugins of whichever node reads it; the live stream
// sees it then too, from the log. Nothing is dispatched here.
EmitOutcome Host::append_for_cluster(const CheckedEvent& checked,
                                     std::uint32_t depth, EmitOutcome outcome) {
  const auto level_index = static_cast<std::size_t>(checked.level);
  JournalEntry entry;
  entry.name = checked.name;
  entry.payload = checked.payload;
  entry.level = static_cast<std::uint32_t>(checked.level);
  entry.emitted_at_us = now_us();
  entry.depth = depth;
  emitted_[level_index].fetch_add(1);
  outcome.journal_ticket = journal_->append(std::move(entry));
  return outcome;
}

std::uint64_t Host::assigned_id(const EmitOutcome& outcome) {
  if (outcome.event_id != 0 || outcome.suppressed || !journal_) {
    return outcome.event_id;
  }
  return journal_->assigned_id(outcome.journal_ticket);
}

ErrorKind Host::journal_failure_kind() const {
  return journal_ ? journal_->failure_kind() : ErrorKind::kIo;
}

void Host::emit_host_event(const std::string& name,
                           const std::string& payload) {
  try {
    emit(name, payload);
  } catch (const Error& e) {
    spdlog::error("could not emit {}: {}", name, e.what());
  }
}

// REQUIRES(ids_mutex_): emit_caused() holds it.
std::uint64_t Host::next_event_id() {
  if (next_id_ == id_limit_) {
    const std::uint64_t block =
        id_block_ == 0 ? kFirstIdBlock
                       : std::min(id_block_ * kIdBlockGrowth, kMaxIdBlock);
    try {
      next_id_ = state_->reserve_event_ids(block);
    } catch (const Error& e) {
      // The same file as the journal: until it writes again the daemon is
      // not ready, and the journal finds out by itself when it does.
      if (journal_ && e.kind() == ErrorKind::kIo) {
        journal_->write_failed(e.what());
      }
      throw;
    }
    id_block_ = block;
    id_limit_ = next_id_ + id_block_;
  }
  return next_id_++;
}

// A plugin's emit (through gate_): refused past the depth limit or the
// plugin's budget (EmitGuard), else emitted as one caused by the event it
// is handling.
std::int32_t Host::plugin_emit(const EmitSource& source, std::string_view event,
                               std::string_view payload) {
  const std::uint32_t depth = EmitGuard::depth_of(source);
  if (const auto refused = emit_guard_.admit(source, event, depth)) {
    if (options_.on_emit_refused) {
      options_.on_emit_refused(source.key, to_string(*refused));
    }
    return EH_ERR_REFUSED;
  }
  try {
    const EmitOutcome outcome =
        emit_caused(check(event, payload), Dispatcher::Overflow::kDrop, depth,
                    source.cause != nullptr ? *source.cause : nullptr);
    return outcome.suppressed ? EH_ERR_REFUSED : EH_OK;
  } catch (const Error& e) {
    spdlog::warn("plugin {} tried to emit {}: {}", source.key, event, e.what());
    return e.kind() == ErrorKind::kNotFound ? EH_ERR_NOT_FOUND
                                            : EH_ERR_INVALID_ARGUMENT;
  }
}

}  // namespace eventhost
