// The soak's final check: every acknowledged event must be in the journal
// (unless retention removed it: older than the journal's oldest entry) and
// in each healthy recorder's file at least once; ids recorded more than
// once are counted as duplicates (at least once allows them: a kill -9
// makes the daemon deliver again from each plugin's saved cursor).
//
// Counts are kept per id in a byte each, over the range of acknowledged
// ids, so a ten-minute run (12 M events) needs some 12 MB per recorder.
#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "bench_soak.h"
#include "state/journal.h"

namespace eventhost::bench::soak {
namespace {

struct IdRange {
  std::uint64_t first = 0, last = 0;  // inclusive
  bool holds(std::uint64_t id) const { return id >= first && id <= last; }
  std::size_t index(std::uint64_t id) const { return id - first; }
  std::size_t size() const { return last - first + 1; }
};

// How often each id in `range` appears in the record file `path`.
std::vector<std::uint8_t> count_records(const fs::path& path,
                                        const IdRange& range,
                                        std::uint64_t& records) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read the record file " + path.string());
  std::vector<std::uint8_t> counts(range.size(), 0);
  std::vector<unsigned char> buffer(1 << 20);
  while (in) {
    in.read(reinterpret_cast<char*>(buffer.data()),
            static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got % 8 != 0 && in) {
      throw std::runtime_error(path.string() + " holds a partial record");
    }
    for (std::size_t at = 0; at + 8 <= got; at += 8) {
      std::uint64_t id = 0;
      for (int i = 7; i >= 0; --i) id = (id << 8) | buffer[at + i];
      ++records;
      if (range.holds(id) && counts[range.index(id)] < 255) {
        ++counts[range.index(id)];
      }
    }
  }
  return counts;
}

}  // namespace

CheckResult check_soak(const std::vector<std::uint64_t>& acked_ids,
                       const fs::path& records_dir, const fs::path& state) {
  CheckResult result;
  result.acked = acked_ids.size();
  if (acked_ids.empty()) throw std::runtime_error("no event was acknowledged");
  const auto [lo, hi] = std::minmax_element(acked_ids.begin(), acked_ids.end());
  const IdRange range{*lo, *hi};
  std::vector<bool> acked(range.size(), false);
  for (std::uint64_t id : acked_ids) acked[range.index(id)] = true;

  // The journal, read from the state file of the stopped daemon.
  std::vector<bool> journaled(range.size(), false);
  std::uint64_t oldest = 0;
  {
    Journal journal(state, Durability::kProcess);
    JournalQuery query;
    query.after_id = range.first - 1;
    query.limit = 100000;
    for (;;) {
      const auto page = journal.list(query);
      for (const JournalEntry& e : page) {
        if (oldest == 0) oldest = e.id;
        if (range.holds(e.id)) journaled[range.index(e.id)] = true;
      }
      if (page.size() < query.limit || page.back().id >= range.last) break;
      query.after_id = page.back().id;
    }
  }
  result.journal_oldest = oldest;
  for (std::size_t i = 0; i < range.size(); ++i) {
    if (!acked[i] || journaled[i]) continue;
    if (oldest == 0 || range.first + i < oldest) {
      ++result.retention_removed;
    } else if (result.not_in_journal++ == 0) {
      result.first_not_in_journal = range.first + i;
    }
  }

  for (const char* key : kRecorders) {
    RecorderCheck rc;
    rc.key = key;
    const auto counts =
        count_records(records_dir / (rc.key + ".ids"), range, rc.records);
    for (std::size_t i = 0; i < range.size(); ++i) {
      if (!acked[i]) continue;
      if (counts[i] == 0) {
        if (rc.missing++ == 0) rc.first_missing = range.first + i;
      } else if (counts[i] > 1) {
        rc.duplicates += counts[i] - 1u;
      }
    }
    result.recorders.push_back(rc);
  }
  return result;
}

}  // namespace eventhost::bench::soak
