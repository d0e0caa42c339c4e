// The worker protocol -- the frames that carry events, lifecycle calls and
// their results between the host and a plugin's worker process.
//
// A frame is: uint32 size (of what follows), uint8 type, then the body,
// integers in host byte order (both ends are the same machine and build).
// Events travel in batches (one kEvents frame for many events); results
// come back one kResult frame per event, all of a batch's in one write
// when the worker is through with it (or sooner, ahead of a log line or an
// emit, so that the host sees things in the order they happened). Where
// the worker is meanwhile, and how the calls it finished ended, is in the
// progress page it shares with the host (call_progress.h): that is how the
// host knows which event a dying worker was in.
//
//   host -> worker                      worker -> host
//   kInit       key, path, sha,           kReady        error ("" = ok)
//               settings, deny, slots
//   kEvents     n x event                 kResult       one per event
//   kConfigure  settings                  kLifecycleEnd error, result
//   kAction     id, params                kLog          severity, text
//   kEmitReply  code                      kEmit         event, payload,
//   kShutdown                                           cause id
//
// There is no version field: the host only ever talks to the worker of its
// own build (worker_process.cpp), so a frame changes with both ends.
//
// Thread-safety: plain values and functions.
// Errors: FrameReader throws ProtocolError on a short or malformed body.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace eventhost::worker {

enum class MessageType : std::uint8_t {
  kInit = 1,
  kEvents = 2,
  kConfigure = 3,
  kAction = 4,
  kEmitReply = 5,
  kShutdown = 6,
  kReady = 20,
  kResult = 21,
  kLifecycleEnd = 22,
  kLog = 23,
  kEmit = 24,
};

// Largest frame either side accepts: bounds what a broken peer can make
// the other allocate.
constexpr std::uint32_t kMaxFrameSize = 64u << 20;
constexpr std::size_t kFrameHeaderSize = 5;

struct ProtocolError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Frame {
  MessageType type{};
  std::string body;
};

// Builds one frame; finish() returns its bytes, header included.
class FrameWriter {
 public:
  explicit FrameWriter(MessageType type);
  FrameWriter& u8(std::uint8_t v);
  FrameWriter& u32(std::uint32_t v);
  FrameWriter& i32(std::int32_t v);
  FrameWriter& u64(std::uint64_t v);
  FrameWriter& i64(std::int64_t v);
  FrameWriter& str(std::string_view v);
  std::string finish();

 private:
  template <typename T>
  FrameWriter& raw(T v);
  std::string bytes_;
};

// Reads one frame's body, checking every length against what is left.
class FrameReader {
 public:
  explicit FrameReader(std::string_view body) : rest_(body) {}
  std::uint8_t u8();
  std::uint32_t u32();
  std::int32_t i32();
  std::uint64_t u64();
  std::int64_t i64();
  std::string str();
  bool done() const { return rest_.empty(); }

 private:
  template <typename T>
  T raw();
  std::string_view rest_;
};

// The settings as the worker needs them to answer get_setting and to call
// eh_plugin_configure: each value as JSON text, and the whole object.
struct WireSettings {
  std::vector<std::pair<std::string, std::string>> values;
  std::string object_json = "{}";
};
void put(FrameWriter& w, const WireSettings& s);
WireSettings get_settings(FrameReader& r);

struct WireEvent {
  std::uint64_t id = 0;
  std::string name;
  std::string payload;
  std::int64_t emitted_at_us = 0;
  std::uint32_t level = 0;
  std::uint32_t attempt = 1;
};
void put(FrameWriter& w, const WireEvent& e);
// The same bytes for an event the caller holds elsewhere, without copying
// its name and payload into a WireEvent first (the host, per event).
void put_event(FrameWriter& w, std::uint64_t id, std::string_view name,
               std::string_view payload, std::int64_t emitted_at_us,
               std::uint32_t level, std::uint32_t attempt);
WireEvent get_event(FrameReader& r);

// An emit by the plugin. `cause_id` is the id of the event whose handler
// is emitting (0 outside a handler call); the host matches it against the
// events it sent and keeps the depth itself (see dispatch/event.h).
struct WireEmit {
  std::string event;
  std::string payload;
  std::uint64_t cause_id = 0;
};
void put(FrameWriter& w, const WireEmit& e);
WireEmit get_emit(FrameReader& r);

struct WireResult {
  std::uint64_t event_id = 0;
  std::uint8_t outcome = 0;  // eventhost::Outcome
  std::int32_t code = 0;
  std::string message;
  std::uint64_t duration_ns = 0;
};
void put(FrameWriter& w, const WireResult& r);
WireResult get_result(FrameReader& r);

// Splits complete frames off the front of `buffer` (bytes read from the
// peer), leaving a partial frame in place. Throws ProtocolError for a frame
// over kMaxFrameSize.
bool take_frame(std::string& buffer, std::size_t* offset, Frame* frame);

}  // namespace eventhost::worker
