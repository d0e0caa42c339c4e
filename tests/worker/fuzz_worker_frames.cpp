// libFuzzer entry point: arbitrary bytes as what a worker sends the host.
// The worker runs plugin code, so the host must treat its socket as
// hostile: this decodes the bytes exactly as the supervisor does (frames,
// then each body by its type). Any crash, sanitizer report or exception
// other than ProtocolError is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "worker/protocol.h"

using namespace eventhost::worker;

namespace {

void decode(const Frame& frame) {
  FrameReader r(frame.body);
  switch (frame.type) {
    case MessageType::kResult:
      (void)get_result(r);
      break;
    case MessageType::kLog:
      (void)r.u32();
      (void)r.str();
      break;
    case MessageType::kEmit:
      (void)get_emit(r);
      break;
    case MessageType::kLifecycleEnd:
      (void)r.str();
      (void)r.str();
      break;
    case MessageType::kReady:
      (void)r.str();
      break;
    default:  // what the worker reads, for good measure
      (void)get_settings(r);
      (void)get_event(r);
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string buffer(reinterpret_cast<const char*>(data), size);
  std::size_t offset = 0;
  Frame frame;
  try {
    while (take_frame(buffer, &offset, &frame)) {
      try {
        decode(frame);
      } catch (const ProtocolError&) {
      }
    }
  } catch (const ProtocolError&) {
  }
  return 0;
}
