#include "worker/protocol.h"

#include <cstring>

namespace eventhost::worker {

FrameWriter::FrameWriter(MessageType type) {
  bytes_.resize(kFrameHeaderSize);
  bytes_[4] = static_cast<char>(type);
}

template <typename T>
FrameWriter& FrameWriter::raw(T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  bytes_.append(b, sizeof(T));
  return *this;
}

FrameWriter& FrameWriter::u8(std::uint8_t v) { return raw(v); }
FrameWriter& FrameWriter::u32(std::uint32_t v) { return raw(v); }
FrameWriter& FrameWriter::i32(std::int32_t v) { return raw(v); }
FrameWriter& FrameWriter::u64(std::uint64_t v) { return raw(v); }
FrameWriter& FrameWriter::i64(std::int64_t v) { return raw(v); }

FrameWriter& FrameWriter::str(std::string_view v) {
  u32(static_cast<std::uint32_t>(v.size()));
  bytes_.append(v);
  return *this;
}

std::string FrameWriter::finish() {
  const auto size = static_cast<std::uint32_t>(bytes_.size() - 4);
  std::memcpy(bytes_.data(), &size, 4);
  return std::move(bytes_);
}

template <typename T>
T FrameReader::raw() {
  if (rest_.size() < sizeof(T)) {
    throw ProtocolError("frame ends early: wanted " +
                        std::to_string(sizeof(T)) + " more bytes");
  }
  T v;
  std::memcpy(&v, rest_.data(), sizeof(T));
  rest_.remove_prefix(sizeof(T));
  return v;
}

std::uint8_t FrameReader::u8() { return raw<std::uint8_t>(); }
std::uint32_t FrameReader::u32() { return raw<std::uint32_t>(); }
std::int32_t FrameReader::i32() { return raw<std::int32_t>(); }
std::uint64_t FrameReader::u64() { return raw<std::uint64_t>(); }
std::int64_t FrameReader::i64() { return raw<std::int64_t>(); }

std::string FrameReader::str() {
  const std::uint32_t size = u32();
  if (rest_.size() < size) {
    throw ProtocolError("string of " + std::to_string(size) +
                        " bytes runs past the frame's end");
  }
  std::string v(rest_.substr(0, size));
  rest_.remove_prefix(size);
  return v;
}

void put(FrameWriter& w, const WireSettings& s) {
  w.u32(static_cast<std::uint32_t>(s.values.size()));
  for (const auto& [id, json] : s.values) w.str(id).str(json);
  w.str(s.object_json);
}

WireSettings get_settings(FrameReader& r) {
  WireSettings s;
  const std::uint32_t n = r.u32();
  for (std::uint32_t i = 0; i < n; ++i) {
    std::string id = r.str();
    s.values.emplace_back(std::move(id), r.str());
  }
  s.object_json = r.str();
  return s;
}

void put(FrameWriter& w, const WireEvent& e) {
  put_event(w, e.id, e.name, e.payload, e.emitted_at_us, e.level, e.attempt);
}

void put_event(FrameWriter& w, std::uint64_t id, std::string_view name,
               std::string_view payload, std::int64_t emitted_at_us,
               std::uint32_t level, std::uint32_t attempt) {
  w.u64(id).str(name).str(payload).i64(emitted_at_us).u32(level);
  w.u32(attempt);
}

WireEvent get_event(FrameReader& r) {
  WireEvent e;
  e.id = r.u64();
  e.name = r.str();
  e.payload = r.str();
  e.emitted_at_us = r.i64();
  e.level = r.u32();
  e.attempt = r.u32();
  return e;
}

void put(FrameWriter& w, const WireEmit& e) {
  w.str(e.event).str(e.payload).u64(e.cause_id);
}

WireEmit get_emit(FrameReader& r) {
  WireEmit e;
  e.event = r.str();
  e.payload = r.str();
  e.cause_id = r.u64();
  return e;
}

void put(FrameWriter& w, const WireResult& r) {
  w.u64(r.event_id).u8(r.outcome).i32(r.code).str(r.message);
  w.u64(r.duration_ns);
}

WireResult get_result(FrameReader& r) {
  WireResult x;
  x.event_id = r.u64();
  x.outcome = r.u8();
  x.code = r.i32();
  x.message = r.str();
  x.duration_ns = r.u64();
  return x;
}

bool take_frame(std::string& buffer, std::size_t* offset, Frame* frame) {
  const std::size_t available = buffer.size() - *offset;
  if (available < kFrameHeaderSize) return false;
  std::uint32_t size = 0;
  std::memcpy(&size, buffer.data() + *offset, 4);
  if (size == 0 || size > kMaxFrameSize) {
    throw ProtocolError("frame of " + std::to_string(size) +
                        " bytes is out of bounds");
  }
  if (available - 4 < size) return false;
  frame->type = static_cast<MessageType>(buffer[*offset + 4]);
  frame->body.assign(buffer, *offset + kFrameHeaderSize, size - 1);
  *offset += 4 + size;
  return true;
}

}  // namespace eventhost::worker
