#include "cluster/stream_entry.h"

#include <charconv>
#include <system_error>

#include "cluster/stream_ids.h"

namespace eventhost::cluster {
namespace {

template <typename T>
T number(const std::string& text) {
  T value{};
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// Reads "level,emitted_at_us,depth" into `e`; false if it is not that.
bool read_meta(const std::string& text, JournalEntry& e) {
  const char* p = text.data();
  const char* end = p + text.size();
  auto r = std::from_chars(p, end, e.level);
  if (r.ec != std::errc() || r.ptr == end || *r.ptr != ',') return false;
  r = std::from_chars(r.ptr + 1, end, e.emitted_at_us);
  if (r.ec != std::errc() || r.ptr == end || *r.ptr != ',') return false;
  r = std::from_chars(r.ptr + 1, end, e.depth);
  return r.ec == std::errc() && r.ptr == end;
}

}  // namespace

std::string stream_meta(const JournalEntry& entry) {
  std::string out = std::to_string(entry.level);
  out += ',';
  out += std::to_string(entry.emitted_at_us);
  out += ',';
  out += std::to_string(entry.depth);
  return out;
}

StreamEntry read_stream_entry(const RedisReply& element) {
  StreamEntry out;
  if (!element.is_array() || element.elements.empty()) return out;
  out.stream_id = element.elements[0].str;
  if (element.elements.size() < 2 || !element.elements[1].is_array()) {
    return out;  // a deleted entry still pending: [id, nil]
  }
  const auto& fields = element.elements[1].elements;
  JournalEntry e;
  e.id = event_id_of(out.stream_id);
  bool named = false;
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    const std::string& f = fields[i].str;
    const std::string& v = fields[i + 1].str;
    if (f.size() != 1) continue;
    switch (f[0]) {
      case 'e':
        e.name = v;
        named = true;
        break;
      case 'p':
        e.payload = v;
        break;
      case 'm':
        read_meta(v, e);
        break;
      case 'l':
        e.level = number<std::uint32_t>(v);
        break;
      case 't':
        e.emitted_at_us = number<std::int64_t>(v);
        break;
      case 'd':
        e.depth = number<std::uint32_t>(v);
        break;
      case 'n':
        out.node = v;
        break;
      default:
        break;
    }
  }
  if (named && e.id != 0) out.event = std::move(e);
  return out;
}

std::vector<StreamEntry> read_entries(const RedisReply& entries) {
  std::vector<StreamEntry> out;
  out.reserve(entries.elements.size());
  for (const RedisReply& element : entries.elements) {
    out.push_back(read_stream_entry(element));
  }
  return out;
}

std::vector<StreamEntry> read_stream_reply(const RedisReply& reply) {
  std::vector<StreamEntry> out;
  if (!reply.is_array()) return out;  // nil: nothing new
  for (const RedisReply& stream : reply.elements) {
    if (!stream.is_array() || stream.elements.size() < 2) continue;
    auto entries = read_entries(stream.elements[1]);
    out.insert(out.end(), std::make_move_iterator(entries.begin()),
               std::make_move_iterator(entries.end()));
  }
  return out;
}

}  // namespace eventhost::cluster
