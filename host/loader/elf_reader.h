// ElfReader -- a small, bounds-checked reader of ELF shared libraries, used
// to learn what a plugin file contains (its manifest section and exported
// symbols) without loading it.
//
// Why not boost::dll::library_info: in Boost 1.74 it lists `.symtab` (which
// a stripped library does not have), takes the *last* string table it sees
// whatever the symbol table links to, and indexes names without any bounds
// check, so a hostile file makes it read out of bounds. This reader works on
// the file's bytes, checks every offset and size against the file with
// overflow-safe arithmetic, and reads `.dynsym`, which is what the dynamic
// linker itself uses.
//
// From a file it reads only the ELF header, the section headers and the
// sections it may be asked for, not the debugging information (.debug*,
// .zdebug*) and the static symbol table (.symtab, .strtab): those are most
// of a plugin built with -g (hundreds of KiB each), and reading them made
// the scan of a large plugins folder cost a copy of every file.
//
// Only little-endian ELF32/ELF64 shared objects (ET_DYN) are accepted.
//
// Thread-safety: an ElfReader is an immutable value after construction.
// Errors: the constructors throw Error(kInvalidInput) saying what is wrong
// with the file ("section header table runs past the end of the file"),
// or Error(kIo) if it cannot be read. Queries never throw on bad data the
// constructor already validated; dynamic_symbols() throws kInvalidInput if
// the symbol table itself is malformed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eventhost {

class ElfReader {
 public:
  // Larger files are refused: no plugin needs that much, and the whole
  // file is held in memory.
  static constexpr std::uint64_t kMaxFileSize = 256ull << 20;

  // Reads and validates the file at `file` (not its debugging sections).
  static ElfReader from_file(const std::filesystem::path& file);
  // Validates `bytes` (the whole file); every section is available.
  static ElfReader from_bytes(std::string bytes);

  // True if `bytes` start with the ELF magic; lets callers tell "not a
  // shared library at all" from "a damaged one".
  static bool has_elf_magic(std::string_view bytes);

  // The bytes of the first section called `name`; nullopt if there is none
  // (or, from_file, if it is one of the sections not read). A section
  // without file contents (SHT_NOBITS) gives an empty view.
  // The view lives as long as this reader.
  std::optional<std::string_view> find_section(std::string_view name) const;

  // Names of the symbols the library exports: defined, global or weak,
  // default-visibility functions and objects of `.dynsym`. Empty if the
  // library has no dynamic symbol table.
  std::vector<std::string> dynamic_symbols() const;

  bool is_64bit() const { return is_64bit_; }
  std::uint16_t machine() const { return machine_; }

 private:
  struct Section {
    std::string name;
    std::uint32_t type = 0;
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
    std::uint32_t link = 0;
    std::uint64_t entry_size = 0;
    std::uint32_t name_offset = 0;  // in the section-name table
    // Where its bytes are held: chunks_[chunk] from `at`; npos if not read.
    std::size_t chunk = std::string::npos;
    std::size_t at = 0;
  };

  ElfReader(int fd, std::uint64_t size);
  void parse();
  // The file's bytes [offset, offset + size): a view of the whole file
  // from_bytes, else read into a new chunk. Fails naming `what` if the
  // range is not within the file.
  std::string_view fetch(std::uint64_t offset, std::uint64_t size,
                         const std::string& what);
  void load(Section& section);
  void read_header();
  void read_section_headers();
  void read_section_names();
  void load_sections();
  Section read_section_header(std::string_view table, std::uint64_t at) const;
  std::string_view section_bytes(const Section& section) const;

  int fd_ = -1;             // during from_file only
  std::uint64_t size_ = 0;  // of the file
  // A deque: views of earlier chunks stay valid while more are read.
  std::deque<std::string> chunks_;
  bool is_64bit_ = false;
  std::uint16_t machine_ = 0;
  std::uint64_t section_table_offset_ = 0;
  std::uint64_t section_entry_size_ = 0;
  std::uint64_t section_count_ = 0;
  std::uint64_t names_index_ = 0;
  std::vector<Section> sections_;
};

}  // namespace eventhost
