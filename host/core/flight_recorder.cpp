#include "core/flight_recorder.h"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <thread>
#include <vector>

#include "common/error.h"

#ifndef _WIN32
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace eventhost {
namespace {

// The file: one header block, then kSlots slots. The layout is the file
// format; change kVersion if it changes.
constexpr char kMagic[8] = {'E', 'H', 'F', 'L', 'I', 'G', 'H', 'T'};
constexpr std::uint32_t kVersion = 1;

struct Header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t slots;
  std::uint8_t clean;
  std::uint8_t pad[111];
};

// `signal` and `attempt` took the place of padding that was always zero,
// so a file of an older eventhost reads as "no signal, attempt 0".
struct Slot {
  std::uint8_t state;   // a CallKind
  std::uint8_t signal;  // the fatal signal raised in this call, or 0
  std::uint8_t pad[2];
  std::uint32_t attempt;
  std::uint64_t event_id;
  // Once the call's start time; unread, and a clock read per plugin call
  // for nothing, so no longer written (kept for the file's layout).
  std::int64_t reserved;
  char plugin[48];
  char what[56];
};

static_assert(sizeof(Header) == FlightRecorder::kSlotSize);
static_assert(sizeof(Slot) == FlightRecorder::kSlotSize);

constexpr std::size_t kFileSize =
    sizeof(Header) + FlightRecorder::kSlots * sizeof(Slot);

template <std::size_t N>
void copy_text(char (&to)[N], std::string_view from) {
  const std::size_t n = std::min(from.size(), N - 1);
  std::memcpy(to, from.data(), n);
  to[n] = '\0';
}

// A text field read from a file that may be damaged: never past its end.
template <std::size_t N>
std::string text_of(const char (&field)[N]) {
  return std::string(field, strnlen(field, N));
}

// The slot of the call this thread is in, for the fatal-signal handler.
thread_local Slot* t_slot = nullptr;

std::string describe(const UnfinishedCall& call) {
  const std::string plugin = "plugin '" + call.plugin + "'";
  const std::string how =
      call.signal == 0 ? "" : " (" + signal_name(call.signal) + " there)";
  switch (call.kind) {
    case CallKind::kLoading:
      return plugin + " was being loaded (" + call.what + ")" + how;
    case CallKind::kCalling:
      return plugin + " was handling " + call.what + " #" +
             std::to_string(call.event_id) + how;
    case CallKind::kLifecycle:
      return plugin + " was in " + call.what + how;
    case CallKind::kIdle:
      break;
  }
  return plugin + " was running" + how;
}

std::uint8_t load_state(std::uint8_t& state) {
  return std::atomic_ref<std::uint8_t>(state).load(std::memory_order_acquire);
}

void store_state(std::uint8_t& state, CallKind kind) {
  std::atomic_ref<std::uint8_t>(state).store(static_cast<std::uint8_t>(kind),
                                             std::memory_order_release);
}

}  // namespace

std::string signal_name(int signal) {
  switch (signal) {
    case SIGSEGV:
      return "SIGSEGV";
    case SIGBUS:
      return "SIGBUS";
    case SIGILL:
      return "SIGILL";
    case SIGFPE:
      return "SIGFPE";
    case SIGABRT:
      return "SIGABRT";
    case SIGSYS:
      return "SIGSYS";
    default:
      return "signal " + std::to_string(signal);
  }
}

std::filesystem::path FlightRecorder::path_for(
    const std::filesystem::path& state_path) {
  std::filesystem::path file = state_path;
  file += ".flight";
  return file;
}

std::vector<UnfinishedCall> FlightRecorder::read_unfinished(
    const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  std::vector<char> bytes(kFileSize);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<std::size_t>(in.gcount()) != kFileSize) return {};
  Header header;
  std::memcpy(&header, bytes.data(), sizeof header);
  if (std::memcmp(header.magic, kMagic, sizeof kMagic) != 0 ||
      header.version != kVersion || header.slots != kSlots || header.clean) {
    return {};
  }
  std::vector<UnfinishedCall> calls;
  for (std::size_t i = 0; i < kSlots; ++i) {
    Slot slot;
    std::memcpy(&slot, bytes.data() + sizeof(Header) + i * sizeof(Slot),
                sizeof slot);
    if (slot.state == 0) continue;
    calls.push_back({static_cast<CallKind>(slot.state), text_of(slot.plugin),
                     text_of(slot.what), slot.event_id, slot.attempt,
                     slot.signal});
  }
  return calls;
}

std::optional<std::string> FlightRecorder::report(
    const std::vector<UnfinishedCall>& calls) {
  std::vector<std::string> parts;
  for (const UnfinishedCall& call : calls) {
    std::string part = describe(call);
    if (std::find(parts.begin(), parts.end(), part) == parts.end())
      parts.push_back(std::move(part));
  }
  if (parts.empty()) return std::nullopt;
  std::string line = "the host did not shut down cleanly last time while ";
  for (std::size_t i = 0; i < parts.size(); ++i)
    line += (i == 0 ? "" : " and ") + parts[i];
  return line + "; if it happens again, start with --safe-mode";
}

std::optional<std::string> FlightRecorder::read_report(
    const std::filesystem::path& file) {
  return report(read_unfinished(file));
}

#ifdef _WIN32
FlightRecorder::FlightRecorder(const std::filesystem::path& file) {
  throw Error(ErrorKind::kIo, "no flight recorder on this system (" +
                                  file.string() + " not created)");
}
FlightRecorder::~FlightRecorder() = default;
#else
FlightRecorder::FlightRecorder(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw Error(ErrorKind::kIo, "cannot open the flight recorder " +
                                    file.string() + ": " +
                                    std::strerror(errno));
  }
  void* map = MAP_FAILED;
  if (::ftruncate(fd, static_cast<off_t>(kFileSize)) == 0) {
    map = ::mmap(nullptr, kFileSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  }
  const int saved = errno;
  ::close(fd);  // the mapping keeps the file
  if (map == MAP_FAILED) {
    throw Error(ErrorKind::kIo, "cannot map the flight recorder " +
                                    file.string() + ": " +
                                    std::strerror(saved));
  }
  map_ = static_cast<unsigned char*>(map);
  std::memset(map_, 0, kFileSize);
  auto* header = reinterpret_cast<Header*>(map_);
  std::memcpy(header->magic, kMagic, sizeof kMagic);
  header->version = kVersion;
  header->slots = kSlots;
}

FlightRecorder::~FlightRecorder() {
  if (map_ != nullptr) ::munmap(map_, kFileSize);
}
#endif

std::size_t FlightRecorder::enter(CallKind kind, std::string_view plugin,
                                  std::string_view what, std::uint64_t event_id,
                                  std::uint32_t attempt) noexcept {
  // Each thread starts looking at its own slot, so claiming rarely
  // contends; a full table records nothing rather than wait.
  const std::size_t start =
      std::hash<std::thread::id>{}(std::this_thread::get_id()) % kSlots;
  for (std::size_t n = 0; n < kSlots; ++n) {
    const std::size_t i = (start + n) % kSlots;
    bool expected = false;
    if (!claimed_[i].compare_exchange_strong(expected, true,
                                             std::memory_order_acquire)) {
      continue;
    }
    auto* slot = reinterpret_cast<Slot*>(map_ + sizeof(Header)) + i;
    copy_text(slot->plugin, plugin);
    copy_text(slot->what, what);
    slot->event_id = event_id;
    slot->attempt = attempt;
    slot->signal = 0;
    store_state(slot->state, kind);
    t_slot = slot;
    return i;
  }
  return kNoSlot;
}

void FlightRecorder::leave(std::size_t i) noexcept {
  auto* slot = reinterpret_cast<Slot*>(map_ + sizeof(Header)) + i;
  t_slot = nullptr;
  store_state(slot->state, CallKind::kIdle);
  claimed_[i].store(false, std::memory_order_release);
}

void FlightRecorder::note_fatal_signal(int signal) noexcept {
  Slot* slot = t_slot;
  if (slot == nullptr || signal <= 0 || signal > 255) return;
  std::atomic_ref<std::uint8_t>(slot->signal)
      .store(static_cast<std::uint8_t>(signal), std::memory_order_release);
}

void FlightRecorder::mark_clean() noexcept {
  auto* slots = reinterpret_cast<Slot*>(map_ + sizeof(Header));
  for (std::size_t i = 0; i < kSlots; ++i) {
    if (load_state(slots[i].state) != 0)
      store_state(slots[i].state, CallKind::kIdle);
  }
  std::atomic_ref<std::uint8_t>(reinterpret_cast<Header*>(map_)->clean)
      .store(1, std::memory_order_release);
}

}  // namespace eventhost
