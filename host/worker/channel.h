// FrameChannel -- one end of the host/worker socket: sends whole frames
// and receives them, with deadlines on the host side so that a stuck or
// dead worker can never block the host.
//
// Thread-safety: one thread uses a channel at a time.
// Errors: send/receive report a closed peer or a passed deadline as
// values; a malformed frame from the peer throws ProtocolError.
#pragma once

#include <chrono>
#include <string>

#include "worker/protocol.h"

namespace eventhost::worker {

class FrameChannel {
 public:
  using Deadline = std::chrono::steady_clock::time_point;
  enum class Status { kOk, kTimeout, kClosed };

  // Takes ownership of the socket `fd`.
  explicit FrameChannel(int fd);
  ~FrameChannel();
  FrameChannel(const FrameChannel&) = delete;
  FrameChannel& operator=(const FrameChannel&) = delete;

  int fd() const { return fd_; }

  // Writes `frame` whole, waiting for room until `deadline`.
  Status send(const std::string& frame, Deadline deadline = Deadline::max());
  // Waits until a whole frame is buffered and moves it into *frame.
  Status receive(Frame* frame, Deadline deadline = Deadline::max());

 private:
  bool take_buffered(Frame* frame);
  Status wait_for(short events, Deadline deadline);

  int fd_;
  std::string buffer_;
  std::size_t offset_ = 0;
};

}  // namespace eventhost::worker
