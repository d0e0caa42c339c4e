#include "core/durability.h"

#include <spdlog/spdlog.h>

#include "common/error.h"

namespace eventhost {
namespace {

constexpr auto kCheckpointEvery = std::chrono::milliseconds(200);

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

DurabilityService::DurabilityService(Dispatcher& dispatcher, EventLog& log,
                                     DeliveryLedger& ledger,
                                     RetentionPolicy retention)
    : dispatcher_(dispatcher),
      log_(log),
      ledger_(ledger),
      retention_(retention),
      saved_(log.cursors()),
      next_retention_(Clock::now()),
      thread_([this] { loop(); }) {}

DurabilityService::~DurabilityService() { stop(); }

void DurabilityService::retry_later(const std::string& key, EventPtr event,
                                    std::uint32_t attempt,
                                    std::chrono::milliseconds delay) {
  {
    std::lock_guard lock(mutex_);
    retries_.push(Retry{Clock::now() + delay, key, std::move(event), attempt});
  }
  cv_.notify_one();
}

void DurabilityService::dead_letter(DeadLetter letter) {
  {
    std::lock_guard lock(mutex_);
    letters_.push_back(std::move(letter));
  }
  cv_.notify_one();
}

bool DurabilityService::idle() {
  std::lock_guard lock(mutex_);
  return retries_.empty() && letters_.empty() && resolved_.empty() &&
         in_hand_ == 0;
}

void DurabilityService::resolve(const std::string& key,
                                std::uint64_t event_id) {
  {
    std::lock_guard lock(mutex_);
    resolved_.emplace_back(key, event_id);
  }
  cv_.notify_one();
}

void DurabilityService::remove_resolved(
    std::vector<std::pair<std::string, std::uint64_t>>& resolved) {
  for (const auto& [key, id] : resolved) {
    try {
      log_.remove_dead_letter(key, id);
    } catch (const Error& e) {
      spdlog::error("could not clear the dead letter of {} for event {}: {}",
                    key, id, e.what());
    }
  }
  resolved.clear();
}

void DurabilityService::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
  std::vector<DeadLetter> letters;
  std::vector<std::pair<std::string, std::uint64_t>> resolved;
  {
    std::lock_guard lock(mutex_);
    letters.swap(letters_);
    resolved.swap(resolved_);
  }
  write_dead_letters(letters);
  remove_resolved(resolved);
  checkpoint();
}

void DurabilityService::loop() {
  for (;;) {
    std::vector<Retry> due;
    std::vector<DeadLetter> letters;
    std::vector<std::pair<std::string, std::uint64_t>> resolved;
    {
      std::unique_lock lock(mutex_);
      auto wake = Clock::now() + kCheckpointEvery;
      if (!retries_.empty()) wake = std::min(wake, retries_.top().due);
      cv_.wait_until(lock, wake, [&] {
        return stopping_ || !letters_.empty() || !resolved_.empty() ||
               (!retries_.empty() && retries_.top().due <= Clock::now());
      });
      if (stopping_) return;
      while (!retries_.empty() && retries_.top().due <= Clock::now()) {
        due.push_back(retries_.top());
        retries_.pop();
      }
      letters.swap(letters_);
      resolved.swap(resolved_);
      in_hand_ = due.size() + letters.size() + resolved.size();
    }
    fire_due_retries(due);
    write_dead_letters(letters);
    remove_resolved(resolved);
    {
      std::lock_guard lock(mutex_);
      in_hand_ = 0;
    }
    checkpoint();
    if (Clock::now() >= next_retention_) {
      next_retention_ = Clock::now() + retention_.every;
      enforce_retention();
    }
  }
}

void DurabilityService::fire_due_retries(std::vector<Retry>& due) {
  for (Retry& r : due) {
    if (dispatcher_.deliver_to(r.key, r.event, r.attempt,
                               Dispatcher::Overflow::kDrop)) {
      ledger_.finished(r.key, r.event->id);  // the new delivery holds it
      continue;
    }
    DeadLetter letter;
    letter.plugin_key = r.key;
    letter.event_id = r.event->id;
    letter.attempts = r.attempt - 1;
    letter.outcome = "stopped";
    letter.last_error = "the plugin stopped before attempt " +
                        std::to_string(r.attempt) + " was due";
    std::vector<DeadLetter> one{letter};
    write_dead_letters(one);
  }
}

void DurabilityService::write_dead_letters(std::vector<DeadLetter>& letters) {
  for (const DeadLetter& letter : letters) {
    try {
      log_.add_dead_letter(letter);
    } catch (const Error& e) {
      // Left pending: the event is delivered again after a restart.
      spdlog::error("could not record the dead letter of {} for event {}: {}",
                    letter.plugin_key, letter.event_id, e.what());
      continue;
    }
    ledger_.finished(letter.plugin_key, letter.event_id);
  }
}

void DurabilityService::checkpoint() {
  std::map<std::string, std::uint64_t> changed;
  for (const auto& runner : dispatcher_.runners()) {
    const std::uint64_t cursor = ledger_.cursor(runner->key());
    auto& saved = saved_[runner->key()];
    if (cursor > saved) changed[runner->key()] = saved = cursor;
  }
  try {
    log_.save_cursors(changed);
  } catch (const Error& e) {
    for (const auto& [key, id] : changed) saved_[key] = 0;  // try again
    // Said once per streak: on a full disk this is retried five times a
    // second, and a log that fills the same disk helps nobody.
    if (!cursors_failing_) {
      spdlog::error(
          "could not save delivery cursors: {}; retrying quietly until "
          "it works",
          e.what());
    }
    cursors_failing_ = true;
    return;
  }
  if (cursors_failing_ && !changed.empty()) {
    spdlog::info("delivery cursors saved again");
    cursors_failing_ = false;
  }
}

RetentionReport DurabilityService::enforce_retention() {
  RetentionReport report;
  const std::int64_t min_time =
      retention_.max_age.count() == 0
          ? 0
          : now_us() - retention_.max_age.count() * 1000000;
  try {
    report = log_.enforce_retention(min_time, retention_.max_bytes);
  } catch (const Error& e) {
    spdlog::error("journal retention failed: {}", e.what());
    return report;
  }
  if (report.removed == 0) return report;
  spdlog::info("journal retention removed {} events; {} kept", report.removed,
               report.kept);
  for (const auto& [key, cursor] : log_.cursors()) {
    if (report.oldest_id > cursor + 1) {
      spdlog::warn(
          "journal retention dropped events {}..{} that plugin {} had not "
          "finished; it will not get them after a restart",
          cursor + 1, report.oldest_id - 1, key);
    }
  }
  return report;
}

}  // namespace eventhost
