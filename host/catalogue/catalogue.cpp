// Catalogue lookups and the naming rules shared by the whole host.
#include "catalogue/catalogue.h"

#include <algorithm>
#include <numeric>

namespace eventhost {
namespace {

// Classic two-row Levenshtein distance; names are short, so O(n*m) is fine.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> previous(b.size() + 1);
  std::vector<std::size_t> current(b.size() + 1);
  std::iota(previous.begin(), previous.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t substitution =
          previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] =
          std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

bool is_word_start(char c) { return c >= 'a' && c <= 'z'; }

bool is_word_char(char c) {
  return is_word_start(c) || (c >= '0' && c <= '9') || c == '_';
}

// [a-z][a-z0-9_]*
bool is_valid_word(std::string_view word) {
  if (word.empty() || !is_word_start(word.front())) return false;
  return std::all_of(word.begin(), word.end(), is_word_char);
}

}  // namespace

void Catalogue::add(const std::vector<EventSpec>& events) {
  for (const EventSpec& spec : events) events_.emplace(spec.name, spec);
}

const EventSpec* Catalogue::find(std::string_view name) const {
  auto it = events_.find(name);
  return it == events_.end() ? nullptr : &it->second;
}

std::string Catalogue::nearest(std::string_view name) const {
  // Beyond a third of the name (at least 2 edits) a suggestion is more
  // likely to mislead than to help.
  const std::size_t limit = std::max<std::size_t>(2, name.size() / 3);
  const std::string* best = nullptr;
  std::size_t best_distance = limit + 1;
  for (const auto& [known, spec] : events_) {
    std::size_t distance = edit_distance(name, known);
    if (distance < best_distance) {
      best = &known;
      best_distance = distance;
    }
  }
  return best == nullptr ? std::string() : *best;
}

const EventSpec* Catalogue::find_by_symbol(std::string_view symbol) const {
  // A linear scan: symbols are looked up when a plugin is loaded, not per
  // event, and '_' in a symbol cannot be mapped back to '.' unambiguously.
  for (const auto& [name, spec] : events_) {
    if (handler_symbol(name) == symbol) return &spec;
  }
  return nullptr;
}

std::vector<const EventSpec*> Catalogue::events() const {
  std::vector<const EventSpec*> sorted;
  sorted.reserve(events_.size());
  // The multimap keeps its keys ordered, so this is already sorted by name.
  for (const auto& entry : events_) sorted.push_back(&entry.second);
  return sorted;
}

std::string handler_symbol(std::string_view event_name) {
  std::string symbol = "on_";
  symbol.append(event_name);
  std::replace(symbol.begin() + 3, symbol.end(), '.', '_');
  return symbol;
}

bool is_valid_event_name(std::string_view name) {
  std::size_t dot = name.find('.');
  if (dot == std::string_view::npos) return false;
  return is_valid_word(name.substr(0, dot)) &&
         is_valid_word(name.substr(dot + 1));
}

bool event_matches(std::string_view pattern, std::string_view name) {
  // Greedy glob with backtracking to the last '*': linear in practice and
  // never exponential, unlike naive recursion.
  std::size_t p = 0;
  std::size_t n = 0;
  std::size_t star = std::string_view::npos;
  std::size_t star_n = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_n = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++star_n;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace eventhost
