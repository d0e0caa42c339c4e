// SqliteEventLog -- the single-node EventLog: the state file's journal
// (state/journal.h, group commit on a writer thread) for events, and the
// state file's cursors and dead letters (state/state_store.h) for the
// delivery log. The Host reserves event ids from the state file and
// delivers each event as it emits it.
//
// Thread-safety: as Journal and StateStore, every method from any thread.
// Errors: as Journal and StateStore (Error(kIo) naming the file).
#pragma once

#include <filesystem>
#include <memory>

#include "core/event_log.h"

namespace eventhost {

class SqliteEventLog final : public EventLog {
 public:
  // Opens the journal of the state file at `path`; `state` (the same
  // file) holds the delivery log and must outlive this.
  SqliteEventLog(const std::filesystem::path& path, Durability durability,
                 StateStore& state)
      : journal_(path, durability), state_(state) {}

  std::uint64_t append(JournalEntry entry) override {
    return journal_.append(std::move(entry));
  }
  // No copy: the journal holds the event until its batch is committed.
  std::uint64_t append_event(const EventPtr& event) override {
    return journal_.append_shared(
        {event, event->id, event->name, event->payload,
         static_cast<std::uint32_t>(event->level), event->emitted_at_us});
  }
  std::string wait_durable(std::uint64_t ticket) override {
    return journal_.wait_durable(ticket);
  }
  std::string flush() override { return journal_.flush(); }
  std::string problem() override { return journal_.problem(); }
  void write_failed(const std::string& error) override {
    journal_.write_failed(error);
  }

  std::vector<JournalEntry> list(const JournalQuery& query) override {
    return journal_.list(query);
  }
  std::optional<JournalEntry> get(std::uint64_t id) override {
    return journal_.get(id);
  }
  std::uint64_t last_id() override { return journal_.last_id(); }
  RetentionReport enforce_retention(std::int64_t min_time_us,
                                    std::uint64_t max_bytes) override {
    return journal_.enforce_retention(min_time_us, max_bytes);
  }

  std::map<std::string, std::uint64_t> cursors() override {
    return state_.cursors();
  }
  void save_cursors(
      const std::map<std::string, std::uint64_t>& cursors) override {
    state_.save_cursors(cursors);
  }

  void add_dead_letter(const DeadLetter& letter) override {
    state_.add_dead_letter(letter);
  }
  std::vector<DeadLetter> dead_letters(const std::string& plugin) override {
    return state_.dead_letters(plugin);
  }
  void remove_dead_letters(const std::vector<std::int64_t>& ids) override {
    state_.remove_dead_letters(ids);
  }
  void remove_dead_letter(const std::string& plugin,
                          std::uint64_t event_id) override {
    state_.remove_dead_letter(plugin, event_id);
  }

 private:
  Journal journal_;
  StateStore& state_;
};

}  // namespace eventhost
