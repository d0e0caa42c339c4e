#include "loader/elf_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "common/error.h"

namespace eventhost {
namespace {

constexpr std::string_view kElfMagic =
    "\x7f"
    "ELF";
constexpr unsigned char kClass32 = 1, kClass64 = 2;
constexpr unsigned char kLittleEndian = 1;
constexpr std::uint16_t kTypeSharedObject = 3;  // ET_DYN
constexpr std::uint32_t kSectionStrtab = 3, kSectionNobits = 8,
                        kSectionDynsym = 11, kSectionNull = 0;
constexpr std::uint64_t kExtendedIndex = 0xffff;  // SHN_XINDEX
constexpr unsigned kBindGlobal = 1, kBindWeak = 2;
constexpr unsigned kTypeObject = 1, kTypeFunc = 2;
constexpr unsigned kVisibilityDefault = 0;

[[noreturn]] void fail(const std::string& what) {
  throw Error(ErrorKind::kInvalidInput, what);
}

// True if [offset, offset + size) lies within `total` bytes; written so
// that no sum can overflow, whatever a hostile file puts in the fields.
bool fits(std::uint64_t offset, std::uint64_t size, std::uint64_t total) {
  return offset <= total && size <= total - offset;
}

// Reads a little-endian unsigned integer of `width` bytes at `at`.
std::uint64_t read_le(std::string_view bytes, std::uint64_t at, unsigned width,
                      const char* what) {
  if (!fits(at, width, bytes.size())) {
    fail(std::string(what) + " runs past the end of the file");
  }
  std::uint64_t value = 0;
  for (unsigned i = width; i-- > 0;) {
    value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  }
  return value;
}

// A NUL-terminated name at `offset` in `table`, never reading past it.
std::string_view name_at(std::string_view table, std::uint64_t offset,
                         const char* table_name) {
  if (offset >= table.size()) {
    fail(std::string("a name points past the end of ") + table_name);
  }
  const std::size_t end = table.find('\0', offset);
  if (end == std::string_view::npos) {
    fail(std::string("a name in ") + table_name + " is not NUL-terminated");
  }
  return table.substr(offset, end - offset);
}

// Sections nothing asks a plugin file for, and most of its bytes when it
// was built with debugging information.
bool not_read_from_files(std::string_view name) {
  return name.rfind(".debug", 0) == 0 || name.rfind(".zdebug", 0) == 0 ||
         name == ".symtab" || name == ".strtab";
}

}  // namespace

ElfReader ElfReader::from_file(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw Error(ErrorKind::kIo, "cannot open " + file.string() +
                                    " for reading: check that it exists "
                                    "and is readable");
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    throw Error(ErrorKind::kIo, "cannot read " + file.string());
  }
  const auto size = static_cast<std::uint64_t>(info.st_size);
  if (size > kMaxFileSize) {
    fail("file is larger than the 256 MiB a plugin may have");
  }
  ElfReader reader(fd, size);
  reader.parse();
  reader.fd_ = -1;
  return reader;
}

ElfReader ElfReader::from_bytes(std::string bytes) {
  if (bytes.size() > kMaxFileSize) {
    fail("file is larger than the 256 MiB a plugin may have");
  }
  ElfReader reader(-1, bytes.size());
  reader.chunks_.push_back(std::move(bytes));
  reader.parse();
  return reader;
}

ElfReader::ElfReader(int fd, std::uint64_t size) : fd_(fd), size_(size) {}

void ElfReader::parse() {
  read_header();
  read_section_headers();
  read_section_names();
  load_sections();
}

std::string_view ElfReader::fetch(std::uint64_t offset, std::uint64_t size,
                                  const std::string& what) {
  if (!fits(offset, size, size_)) fail(what + " runs past the end of the file");
  if (fd_ < 0) {
    return std::string_view(chunks_.front())
        .substr(static_cast<std::size_t>(offset),
                static_cast<std::size_t>(size));
  }
  std::string& chunk =
      chunks_.emplace_back(static_cast<std::size_t>(size), '\0');
  for (std::size_t done = 0; done < chunk.size();) {
    const ssize_t n = ::pread(fd_, chunk.data() + done, chunk.size() - done,
                              static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(ErrorKind::kIo, "cannot read the file");
    // The file shrank since it was measured: someone is rewriting it.
    if (n == 0) fail(what + " runs past the end of the file: truncated?");
    done += static_cast<std::size_t>(n);
  }
  return chunk;
}

void ElfReader::load(Section& section) {
  if (section.chunk != std::string::npos || section.type == kSectionNobits ||
      section.type == kSectionNull) {
    return;
  }
  if (fd_ < 0) {  // the whole file is chunk 0
    section.chunk = 0;
    section.at = static_cast<std::size_t>(section.offset);
    return;
  }
  fetch(section.offset, section.size, "a section");
  section.chunk = chunks_.size() - 1;
  section.at = 0;
}

bool ElfReader::has_elf_magic(std::string_view bytes) {
  return bytes.substr(0, kElfMagic.size()) == kElfMagic;
}

void ElfReader::read_header() {
  const std::string_view head =
      fetch(0, std::min<std::uint64_t>(size_, 64), "the ELF header");
  if (!has_elf_magic(head)) fail("not an ELF file");
  const auto elf_class = read_le(head, 4, 1, "the ELF header");
  if (elf_class != kClass32 && elf_class != kClass64) {
    fail("unknown ELF class " + std::to_string(elf_class));
  }
  is_64bit_ = elf_class == kClass64;
  if (read_le(head, 5, 1, "the ELF header") != kLittleEndian) {
    fail("not a little-endian ELF file");
  }
  const std::uint64_t header_size = is_64bit_ ? 64 : 52;
  if (size_ < header_size) fail("the ELF header is truncated");
  if (read_le(head, 16, 2, "the ELF header") != kTypeSharedObject) {
    fail("an ELF file but not a shared object (ET_DYN)");
  }
  machine_ = static_cast<std::uint16_t>(read_le(head, 18, 2, "e_machine"));
  // Field offsets differ between the 32- and 64-bit layouts.
  section_table_offset_ = is_64bit_ ? read_le(head, 40, 8, "e_shoff")
                                    : read_le(head, 32, 4, "e_shoff");
  const std::uint64_t base = is_64bit_ ? 58 : 46;
  section_entry_size_ = read_le(head, base, 2, "e_shentsize");
  section_count_ = read_le(head, base + 2, 2, "e_shnum");
  names_index_ = read_le(head, base + 4, 2, "e_shstrndx");
}

// `at` is relative to `table`, the bytes of the section header table.
ElfReader::Section ElfReader::read_section_header(std::string_view table,
                                                  std::uint64_t at) const {
  const char* what = "a section header";
  Section s;
  s.name_offset = static_cast<std::uint32_t>(read_le(table, at, 4, what));
  s.type = static_cast<std::uint32_t>(read_le(table, at + 4, 4, what));
  if (is_64bit_) {
    s.offset = read_le(table, at + 24, 8, what);
    s.size = read_le(table, at + 32, 8, what);
    s.link = static_cast<std::uint32_t>(read_le(table, at + 40, 4, what));
    s.entry_size = read_le(table, at + 56, 8, what);
  } else {
    s.offset = read_le(table, at + 16, 4, what);
    s.size = read_le(table, at + 20, 4, what);
    s.link = static_cast<std::uint32_t>(read_le(table, at + 24, 4, what));
    s.entry_size = read_le(table, at + 36, 4, what);
  }
  return s;
}

void ElfReader::read_section_headers() {
  if (section_table_offset_ == 0) fail("the file has no section headers");
  const std::uint64_t min_entry = is_64bit_ ? 64 : 40;
  if (section_entry_size_ < min_entry) {
    fail("section headers are " + std::to_string(section_entry_size_) +
         " bytes, expected at least " + std::to_string(min_entry));
  }
  // With 0xff00 or more sections, e_shnum and e_shstrndx overflow into the
  // first section header (the ELF "extended numbering").
  const bool extended_count = section_count_ == 0;
  const bool extended_names = names_index_ == kExtendedIndex;
  if (extended_count || extended_names) {
    const Section first = read_section_header(
        fetch(section_table_offset_, section_entry_size_, "a section header"),
        0);
    if (extended_count) section_count_ = first.size;
    if (extended_names) names_index_ = first.link;
  }
  // Both factors are at most 2^32 here, so the product cannot overflow.
  if (section_count_ > 0xffffffffu) fail("impossible section count");
  if (!fits(section_table_offset_, section_count_ * section_entry_size_,
            size_)) {
    fail("the section header table runs past the end of the file (" +
         std::to_string(size_) + " bytes): truncated?");
  }
  const std::string_view table =
      fetch(section_table_offset_, section_count_ * section_entry_size_,
            "the section header table");
  sections_.reserve(static_cast<std::size_t>(section_count_));
  for (std::uint64_t i = 0; i < section_count_; ++i) {
    Section s = read_section_header(table, i * section_entry_size_);
    const bool has_bytes = s.type != kSectionNull && s.type != kSectionNobits;
    if (has_bytes && !fits(s.offset, s.size, size_)) {
      fail("section " + std::to_string(i) +
           " runs past the end of the file: truncated?");
    }
    sections_.push_back(std::move(s));
  }
}

void ElfReader::read_section_names() {
  if (names_index_ >= sections_.size()) {
    fail("the section-name string table index is out of range");
  }
  Section& names = sections_[static_cast<std::size_t>(names_index_)];
  if (names.type != kSectionStrtab) {
    fail("the section-name string table is not a string table");
  }
  load(names);
  const std::string_view table = section_bytes(names);
  for (Section& s : sections_) {
    s.name =
        std::string(name_at(table, s.name_offset, "the section-name table"));
  }
}

// Whatever find_section() and dynamic_symbols() may ask for: every section
// but the debugging ones, and the string table .dynsym links to, whatever
// its name.
void ElfReader::load_sections() {
  for (Section& s : sections_) {
    if (fd_ < 0 || !not_read_from_files(s.name)) load(s);
    if (s.type == kSectionDynsym && s.link < sections_.size())
      load(sections_[s.link]);
  }
}

std::string_view ElfReader::section_bytes(const Section& section) const {
  if (section.chunk == std::string::npos) return {};
  // Bounds were checked when the section header was read.
  return std::string_view(chunks_[section.chunk])
      .substr(section.at, static_cast<std::size_t>(section.size));
}

std::optional<std::string_view> ElfReader::find_section(
    std::string_view name) const {
  for (const Section& s : sections_) {
    if (s.name != name) continue;
    const bool has_bytes = s.type != kSectionNull && s.type != kSectionNobits;
    if (has_bytes && s.chunk == std::string::npos) return std::nullopt;
    return section_bytes(s);
  }
  return std::nullopt;
}

std::vector<std::string> ElfReader::dynamic_symbols() const {
  const Section* symtab = nullptr;
  for (const Section& s : sections_) {
    if (s.type == kSectionDynsym) {
      symtab = &s;
      break;
    }
  }
  if (symtab == nullptr) return {};

  const std::uint64_t entry = is_64bit_ ? 24 : 16;
  if (symtab->entry_size != 0 && symtab->entry_size != entry) {
    fail(".dynsym entries have an unexpected size");
  }
  if (symtab->link >= sections_.size() ||
      sections_[symtab->link].type != kSectionStrtab) {
    fail(".dynsym does not link to a string table");
  }
  const std::string_view symbols = section_bytes(*symtab);
  const std::string_view names = section_bytes(sections_[symtab->link]);

  std::vector<std::string> result;
  for (std::uint64_t at = 0; fits(at, entry, symbols.size()); at += entry) {
    const char* what = "a .dynsym entry";
    const auto name_offset = read_le(symbols, at, 4, what);
    const auto info = read_le(symbols, at + (is_64bit_ ? 4 : 12), 1, what);
    const auto other = read_le(symbols, at + (is_64bit_ ? 5 : 13), 1, what);
    const auto index = read_le(symbols, at + (is_64bit_ ? 6 : 14), 2, what);
    const unsigned binding = static_cast<unsigned>(info >> 4);
    const unsigned type = static_cast<unsigned>(info & 0xf);
    const bool exported = index != 0 &&
                          (binding == kBindGlobal || binding == kBindWeak) &&
                          (type == kTypeFunc || type == kTypeObject) &&
                          (other & 0x3) == kVisibilityDefault;
    if (!exported) continue;
    const std::string_view name = name_at(names, name_offset, ".dynstr");
    if (!name.empty()) result.emplace_back(name);
  }
  return result;
}

}  // namespace eventhost
