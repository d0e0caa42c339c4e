#include "worker/channel.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace eventhost::worker {

FrameChannel::FrameChannel(int fd) : fd_(fd) {}

FrameChannel::~FrameChannel() {
  if (fd_ >= 0) ::close(fd_);
}

FrameChannel::Status FrameChannel::wait_for(short events, Deadline deadline) {
  for (;;) {
    int timeout_ms = -1;
    if (deadline != Deadline::max()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() < 0) return Status::kTimeout;
      // Round up so we never spin on a sub-millisecond remainder.
      timeout_ms =
          static_cast<int>(std::min<long long>(left.count() + 1, INT_MAX));
    }
    pollfd p{fd_, events, 0};
    const int n = ::poll(&p, 1, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::kClosed;
    if (n == 0) return Status::kTimeout;
    return Status::kOk;  // readable, writable, or hung up: the call says
  }
}

FrameChannel::Status FrameChannel::send(const std::string& frame,
                                        Deadline deadline) {
  std::size_t sent = 0;
  while (sent < frame.size()) {
    const ssize_t n = ::send(fd_, frame.data() + sent, frame.size() - sent,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const Status s = wait_for(POLLOUT, deadline);
      if (s != Status::kOk) return s;
      continue;
    }
    return Status::kClosed;
  }
  return Status::kOk;
}

bool FrameChannel::take_buffered(Frame* frame) {
  if (!take_frame(buffer_, &offset_, frame)) {
    if (offset_ > 0) {  // keep the partial frame, drop what was consumed
      buffer_.erase(0, offset_);
      offset_ = 0;
    }
    return false;
  }
  if (offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  }
  return true;
}

FrameChannel::Status FrameChannel::receive(Frame* frame, Deadline deadline) {
  char chunk[64 * 1024];
  for (;;) {
    if (take_buffered(frame)) return Status::kOk;
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) return Status::kClosed;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return Status::kClosed;
    const Status s = wait_for(POLLIN, deadline);
    if (s != Status::kOk) return s;
  }
}

}  // namespace eventhost::worker
