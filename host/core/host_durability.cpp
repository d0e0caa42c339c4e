// Host: the journal, at-least-once delivery (cursors, retries, dead
// letters, redelivery after a restart) and the operator's tools over them.
#include <spdlog/spdlog.h>

#include <unordered_set>

#include "common/error.h"
#include "core/host.h"
#include "core/sqlite_event_log.h"
#include "dispatch/event_pool.h"

namespace eventhost {
namespace {

constexpr std::size_t kPage = 1000;  // journal entries read at a time

std::chrono::milliseconds backoff_for(const RunnerConfig& config,
                                      std::uint32_t failed_attempt) {
  auto delay = config.retry_backoff;
  for (std::uint32_t i = 1; i < failed_attempt && i < 16; ++i) delay *= 2;
  return delay;
}

}  // namespace

EventLog* Host::journal() {
  if (!journal_ && options_.journal) {
    journal_ = options_.event_log
                   ? options_.event_log()
                   : std::make_unique<SqliteEventLog>(
                         options_.state_path, options_.durability, *state_);
  }
  return journal_.get();
}

void Host::open_durability() {
  if (!journal()) return;
  ledger_.start_after(journal_->last_id());
  durability_ = std::make_unique<DurabilityService>(
      *dispatcher_, *journal_, ledger_, options_.retention);
}

EventPtr Host::event_of(const JournalEntry& entry) const {
  std::shared_ptr<Event> event = make_event();
  event->id = entry.id;
  event->name = entry.name;
  event->payload = entry.payload;
  event->emitted_at_us = entry.emitted_at_us;
  event->level = static_cast<LevelSet>(entry.level);
  event->depth = entry.depth;
  return event;
}

// A plugin that has no cursor yet (newly enabled) starts at the newest
// event: it is owed nothing from before.
void Host::start_cursor_now(const std::string& key) {
  if (!journal()) return;
  journal_->save_cursors(
      {{key, durability_ ? ledger_.highest() : journal_->last_id()}});
}

// The event a plugin was handling when the previous process died would,
// delivered again, most likely kill the host again, and with it every
// command that starts a session, the ones that would fix the plugin
// included. It becomes a dead letter for that plugin instead, so that
// delivering it again (`deadletters retry`) is the operator's choice, made
// after moving the plugin to the process tier, say. That is when the
// plugin's own call raised the fatal signal, or when the call was already
// a delivery again (the host died twice on the event). A first delivery
// the host died in without a signal of its own (kill -9, the OOM killer)
// is delivered again as usual: at least once.
namespace {

std::string crash_reason(const UnfinishedCall& call) {
  const std::string died =
      "the host died while " + call.plugin + " handled this event";
  if (call.signal != 0) return died + " (" + signal_name(call.signal) + ")";
  if (call.attempt >= 2) return died + ", on its delivery again";
  return "";
}

}  // namespace

void Host::dead_letter_crashed_events() {
  std::vector<UnfinishedCall> calls;
  calls.swap(unfinished_calls_);  // settled once, by the first session
  for (const UnfinishedCall& call : calls) {
    if (call.kind != CallKind::kCalling || call.event_id == 0 || !journal_) {
      continue;
    }
    const std::string reason = crash_reason(call);
    if (reason.empty()) continue;
    if (!journal_->get(call.event_id)) {
      spdlog::warn(
          "plugin {} was handling {} #{} when the host died; the journal "
          "does not hold that event, so it is not delivered again",
          call.plugin, call.what, call.event_id);
      continue;
    }
    DeadLetter letter;
    letter.plugin_key = call.plugin;
    letter.event_id = call.event_id;
    letter.attempts = std::max<std::uint32_t>(call.attempt, 1);
    letter.outcome = to_string(Outcome::kCrashed);
    letter.last_error = reason;
    try {
      journal_->add_dead_letter(letter);
    } catch (const Error& e) {
      spdlog::error("could not record {} #{} as a dead letter for {}: {}",
                    call.what, call.event_id, call.plugin, e.what());
      continue;
    }
    spdlog::warn(
        "{} #{} is now a dead letter for {} ({}), not delivered again; "
        "`eventhost deadletters retry --plugin {}` delivers it when you "
        "choose",
        call.what, call.event_id, call.plugin, letter.last_error, call.plugin);
  }
}

// After a restart: what each running plugin had not finished, from its
// cursor on, goes to it again (attempt 2: the handler may have seen it),
// except its dead letters: those go again only when the operator retries.
void Host::redeliver_unfinished() {
  if (!durability_) return;
  const auto cursors = journal_->cursors();
  for (const auto& runner : dispatcher_->runners()) {
    const auto it = cursors.find(runner->key());
    if (it == cursors.end()) {
      start_cursor_now(runner->key());
      continue;
    }
    std::unordered_set<std::uint64_t> dead;
    for (const DeadLetter& d : journal_->dead_letters(runner->key())) {
      dead.insert(d.event_id);
    }
    JournalQuery query;
    query.after_id = it->second;
    query.limit = kPage;
    std::size_t count = 0;
    for (;;) {
      const auto page = journal_->list(query);
      for (const JournalEntry& entry : page) {
        if (dead.count(entry.id) != 0) continue;
        count += dispatcher_->deliver_to(runner->key(), event_of(entry), 2,
                                         Dispatcher::Overflow::kWait);
      }
      if (page.size() < kPage) break;
      query.after_id = page.back().id;
    }
    if (count > 0) {
      spdlog::info(
          "plugin {}: delivering {} unfinished event(s) again, from "
          "after event {}",
          runner->key(), count, it->second);
    }
  }
}

// Decides what becomes of a delivery once its attempt ended: done, retried
// after a back-off, or a dead letter. Called on pool (or supervisor)
// threads, and on the emitter's thread for a drop; never blocks.
void Host::settle(const DeliveryResult& r) {
  if (!durability_ || !r.event) return;
  if (r.outcome == Outcome::kOk) {
    ledger_.finished(r.plugin_key, r.event_id);
    if (journal_->hands_back()) journal_->finished(r.plugin_key, r.event_id);
    // A delivery again may be the retry of a dead letter: it is done now.
    if (r.attempt > 1) durability_->resolve(r.plugin_key, r.event_id);
    return;
  }
  const auto runner = dispatcher_->find(r.plugin_key);
  if (is_failure(r.outcome) && runner && !runner->tripped() &&
      r.attempt < runner->config().max_attempts) {
    durability_->retry_later(r.plugin_key, r.event, r.attempt + 1,
                             backoff_for(runner->config(), r.attempt));
    return;
  }
  DeadLetter letter;
  letter.plugin_key = r.plugin_key;
  letter.event_id = r.event_id;
  letter.attempts = r.outcome == Outcome::kDropped ? r.attempt - 1 : r.attempt;
  letter.outcome = to_string(r.outcome);
  letter.last_error = r.message;
  durability_->dead_letter(std::move(letter));
}

std::string Host::wait_durable(std::uint64_t ticket) {
  if (!journal_ || ticket == 0) return "";
  return journal_->wait_durable(ticket);
}

std::vector<DeadLetter> Host::dead_letters(const std::string& plugin) const {
  // Without an open log (a command with no session), the state file's.
  return journal_ ? journal_->dead_letters(plugin)
                  : state_->dead_letters(plugin);
}

namespace {

std::vector<DeadLetter> select_letters(std::vector<DeadLetter> all,
                                       const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return all;
  std::vector<DeadLetter> chosen;
  for (DeadLetter& d : all) {
    if (std::find(ids.begin(), ids.end(), d.id) != ids.end()) {
      chosen.push_back(std::move(d));
    }
  }
  return chosen;
}

}  // namespace

std::vector<std::string> Host::retry_dead_letters(
    const std::vector<std::int64_t>& ids, const std::string& plugin) {
  if (!dispatcher_ || !journal()) {
    throw Error(ErrorKind::kInternal, "retrying dead letters needs a session");
  }
  journal_->flush();  // a letter of a moment ago finds its event
  std::vector<std::string> problems;
  for (const DeadLetter& d :
       select_letters(journal_->dead_letters(plugin), ids)) {
    const auto entry = journal_->get(d.event_id);
    if (!entry) {
      problems.push_back("dead letter " + std::to_string(d.id) + ": event " +
                         std::to_string(d.event_id) +
                         " is no longer in the journal (retention)");
      continue;
    }
    const auto runner = dispatcher_->find(d.plugin_key);
    if (!runner || runner->tripped() || !runner->target(entry->name)) {
      problems.push_back(
          "dead letter " + std::to_string(d.id) + ": " + d.plugin_key +
          (runner && !runner->tripped()
               ? " no longer handles " + entry->name + "; drop it"
               : " is not running; enable it, then retry"));
      continue;
    }
    // The letter stays until the delivery succeeds (settle() resolves it):
    // a crash meanwhile leaves it for the next retry, and a failure again
    // updates it in place.
    if (!dispatcher_->deliver_to(d.plugin_key, event_of(*entry), d.attempts + 1,
                                 Dispatcher::Overflow::kWait)) {
      problems.push_back("dead letter " + std::to_string(d.id) + ": " +
                         d.plugin_key +
                         " is not running; enable it, then retry");
    }
  }
  return problems;
}

std::size_t Host::drop_dead_letters(const std::vector<std::int64_t>& ids,
                                    const std::string& plugin) {
  std::vector<std::int64_t> chosen;
  for (const DeadLetter& d : select_letters(dead_letters(plugin), ids)) {
    chosen.push_back(d.id);
  }
  if (journal_) {
    journal_->remove_dead_letters(chosen);
  } else {
    state_->remove_dead_letters(chosen);
  }
  return chosen.size();
}

std::size_t Host::replay(const std::string& key, const JournalQuery& filter,
                         const std::function<void(std::size_t)>& progress) {
  if (!dispatcher_ || !dispatcher_->find(key)) {
    throw Error(ErrorKind::kRefused,
                key + " is not running; enable it, then replay");
  }
  if (!journal()) throw Error(ErrorKind::kRefused, "the journal is off");
  journal_->flush();  // everything accepted so far can be replayed
  JournalQuery query = filter;
  query.limit = kPage;
  std::size_t count = 0;
  for (;;) {
    const auto page = journal_->list(query);
    for (const JournalEntry& entry : page) {
      count += dispatcher_->deliver_to(key, event_of(entry), 2,
                                       Dispatcher::Overflow::kWait);
    }
    if (progress) progress(count);
    if (page.size() < kPage) break;
    query.after_id = page.back().id;
  }
  return count;
}

}  // namespace eventhost
