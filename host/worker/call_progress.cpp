#include "worker/call_progress.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace eventhost::worker {
namespace {

// The page: two words, then the slots' fixed parts, then their messages
// (apart, so that calls without a message touch only the first pages).
struct Words {
  std::uint64_t entered;
  std::uint64_t left;
};

struct SlotHead {
  std::uint64_t seq;  // the call this slot holds
  std::uint64_t event_id;
  std::uint64_t duration_ns;
  std::int32_t code;
  std::uint8_t outcome;
  std::uint8_t cut;
  std::uint16_t unused;
  std::uint32_t message_size;
  std::uint32_t unused2;
};

static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free,
              "the progress words are shared between processes: they must "
              "be lock-free");

constexpr std::size_t kHeadsOffset = 64;

std::size_t messages_offset(std::uint32_t slots) {
  const std::size_t end = kHeadsOffset + slots * sizeof(SlotHead);
  return (end + 63) / 64 * 64;
}

Words* words(void* base) { return static_cast<Words*>(base); }

std::atomic_ref<std::uint64_t> word(void* base, std::uint64_t Words::*which) {
  return std::atomic_ref<std::uint64_t>(words(base)->*which);
}

char* slot_head(void* base, std::uint32_t index) {
  return static_cast<char*>(base) + kHeadsOffset + index * sizeof(SlotHead);
}

char* slot_message(void* base, std::uint32_t slots, std::uint32_t index) {
  return static_cast<char*>(base) + messages_offset(slots) +
         index * CallProgress::kMessageMax;
}

}  // namespace

std::size_t CallProgress::size_for(std::uint32_t slots) {
  return messages_offset(slots) + std::size_t{slots} * kMessageMax;
}

std::unique_ptr<CallProgress> CallProgress::create(std::uint32_t slots) {
  const auto fail = [](const char* what) {
    return Error(ErrorKind::kIo, std::string("cannot make the worker's "
                                             "progress page: ") +
                                     what + ": " + std::strerror(errno));
  };
  const int fd = ::memfd_create("eventhost-progress", MFD_CLOEXEC);
  if (fd < 0) throw fail("memfd_create");
  const std::size_t size = size_for(slots);
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    const Error e = fail("ftruncate");
    ::close(fd);
    throw e;
  }
  // Read-only here: nothing the host does can change what the worker says.
  void* base = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {
    const Error e = fail("mmap");
    ::close(fd);
    throw e;
  }
  return std::unique_ptr<CallProgress>(new CallProgress(base, size, slots, fd));
}

std::unique_ptr<CallProgress> CallProgress::attach(int fd, std::uint32_t slots,
                                                   std::string* why) {
  const std::size_t size = size_for(slots);
  struct stat st {};
  void* base = MAP_FAILED;
  if (::fstat(fd, &st) != 0) {
    *why = std::string("no progress page on fd 4: ") + std::strerror(errno);
  } else if (static_cast<std::size_t>(st.st_size) != size) {
    *why = "the progress page on fd 4 has " + std::to_string(st.st_size) +
           " bytes, not the " + std::to_string(size) + " the host announced";
  } else {
    base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
      *why =
          std::string("cannot map the progress page: ") + std::strerror(errno);
    }
  }
  ::close(fd);
  if (base == MAP_FAILED) return nullptr;
  return std::unique_ptr<CallProgress>(new CallProgress(base, size, slots, -1));
}

CallProgress::~CallProgress() {
  ::munmap(base_, size_);
  close_fd();
}

void CallProgress::close_fd() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void CallProgress::enter(std::uint64_t seq) {
  word(base_, &Words::entered).store(seq, std::memory_order_release);
}

void CallProgress::leave(std::uint64_t seq, const WireResult& result) {
  const auto index = static_cast<std::uint32_t>(seq % slots_);
  SlotHead head{};
  head.seq = seq;
  head.event_id = result.event_id;
  head.duration_ns = result.duration_ns;
  head.code = result.code;
  head.outcome = result.outcome;
  head.cut = result.message.size() > kMessageMax ? 1 : 0;
  head.message_size =
      static_cast<std::uint32_t>(std::min(result.message.size(), kMessageMax));
  std::memcpy(slot_head(base_, index), &head, sizeof head);
  std::memcpy(slot_message(base_, slots_, index), result.message.data(),
              head.message_size);
  word(base_, &Words::left).store(seq, std::memory_order_release);
}

std::uint64_t CallProgress::entered() const {
  return word(base_, &Words::entered).load(std::memory_order_acquire);
}

std::uint64_t CallProgress::left() const {
  return word(base_, &Words::left).load(std::memory_order_acquire);
}

bool CallProgress::result(std::uint64_t seq, WireResult* out, bool* cut) const {
  const auto index = static_cast<std::uint32_t>(seq % slots_);
  SlotHead head;
  std::memcpy(&head, slot_head(base_, index), sizeof head);
  if (head.seq != seq || head.message_size > kMessageMax) return false;
  out->event_id = head.event_id;
  out->outcome = head.outcome;
  out->code = head.code;
  out->duration_ns = head.duration_ns;
  out->message.assign(slot_message(base_, slots_, index), head.message_size);
  *cut = head.cut != 0;
  return true;
}

}  // namespace eventhost::worker
