// Damaged and hostile plugin files: discovery must report a problem (or, if
// the damage is harmless, a sane result) and never throw, crash or read out
// of bounds. Run under -fsanitize=address to make the last part visible.
#include <eventhost/plugin.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>

#include "common/error.h"
#include "loader/elf_reader.h"
#include "loader/plugin_file.h"
#include "plugin_dir.h"

namespace eventhost {
namespace {

using Catch::Matchers::Contains;
using test::PluginDir;

void put_le(std::string& bytes, std::size_t at, std::uint64_t value,
            unsigned width) {
  for (unsigned i = 0; i < width; ++i) {
    bytes[at + i] = static_cast<char>((value >> (8 * i)) & 0xff);
  }
}

std::uint64_t get_le(const std::string& bytes, std::size_t at, unsigned width) {
  std::uint64_t value = 0;
  for (unsigned i = width; i-- > 0;) {
    value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  }
  return value;
}

// Inspects `bytes` written as a plugin file; the result must be either a
// problem or a plugin that still looks like the recorder.
void require_refused_or_sane(PluginDir& dir, const std::string& bytes) {
  const auto path = dir.add_bytes("damaged.so", bytes);
  PluginFile file;
  REQUIRE_NOTHROW(file = inspect_plugin_file(path));
  if (file.usable()) {
    REQUIRE(file.manifest.has_value());
    CHECK(file.manifest->key == "recorder");
    for (const std::string& symbol : file.handler_symbols) {
      CHECK(symbol.rfind("on_", 0) == 0);
    }
  } else {
    CHECK_FALSE(file.manifest.has_value());
  }
}

// Where a section's bytes start in `file`, found by content.
std::size_t offset_of_section(const std::string& file,
                              const std::string& name) {
  const ElfReader elf = ElfReader::from_bytes(file);
  const auto section = elf.find_section(name);
  REQUIRE(section.has_value());
  const std::size_t at = file.find(std::string(*section));
  REQUIRE(at != std::string::npos);
  return at;
}

// from_file leaves out the debugging sections (most of a -g build) but
// must learn exactly what reading the whole file would.
TEST_CASE("reading a plugin file skips only its debug sections") {
  const auto path = test::built_test_plugin("recorder.so");
  const ElfReader whole = ElfReader::from_bytes(test::read_bytes(path));
  const ElfReader file = ElfReader::from_file(path);
  CHECK(file.dynamic_symbols() == whole.dynamic_symbols());
  CHECK(file.machine() == whole.machine());
  REQUIRE(whole.find_section(EH_MANIFEST_SECTION).has_value());
  CHECK(file.find_section(EH_MANIFEST_SECTION) ==
        whole.find_section(EH_MANIFEST_SECTION));
  CHECK(file.find_section(".dynstr") == whole.find_section(".dynstr"));
  if (whole.find_section(".debug_info")) {
    CHECK_FALSE(file.find_section(".debug_info").has_value());
  }
}

TEST_CASE("a plugin truncated at any 64-byte boundary is refused cleanly") {
  PluginDir dir;
  const std::string whole =
      test::read_bytes(test::built_test_plugin("recorder.so"));
  REQUIRE(whole.size() > 1024);

  for (std::size_t cut = 0; cut < whole.size(); cut += 64) {
    INFO("cut at " << cut << " of " << whole.size());
    const auto path = dir.add_bytes("cut.so", whole.substr(0, cut));
    PluginFile file;
    REQUIRE_NOTHROW(file = inspect_plugin_file(path));
    CHECK_FALSE(file.usable());
  }
  const auto intact = dir.add_bytes("intact.so", whole);
  CHECK(inspect_plugin_file(intact).usable());
}

TEST_CASE(
    "a plugin with any ELF or section header byte overwritten is "
    "refused or still sane") {
  PluginDir dir;
  const std::string whole =
      test::read_bytes(test::built_test_plugin("recorder.so"));
  const std::size_t table = static_cast<std::size_t>(get_le(whole, 40, 8));
  REQUIRE(table < whole.size());

  std::vector<std::size_t> positions;
  for (std::size_t at = 0; at < 64; ++at) positions.push_back(at);
  for (std::size_t at = table; at < whole.size(); ++at) {
    positions.push_back(at);
  }
  for (std::size_t at : positions) {
    for (unsigned char value : {0x00, 0x7f, 0xff}) {
      INFO("byte " << at << " set to " << int(value));
      std::string damaged = whole;
      damaged[at] = static_cast<char>(value);
      require_refused_or_sane(dir, damaged);
    }
  }
}

TEST_CASE("a section table placed at an overflowing offset is refused") {
  std::string bytes = test::read_bytes(test::built_test_plugin("recorder.so"));
  put_le(bytes, 40, 0xfffffffffffffff0ull, 8);  // e_shoff

  CHECK_THROWS_WITH(ElfReader::from_bytes(bytes),
                    Contains("section header table runs past the end"));
}

TEST_CASE("a section whose offset plus size overflows is refused") {
  std::string bytes = test::read_bytes(test::built_test_plugin("recorder.so"));
  const std::size_t table = static_cast<std::size_t>(get_le(bytes, 40, 8));
  const std::size_t second = table + 64;  // section 0 is the null section
  put_le(bytes, second + 24, 0x10, 8);    // sh_offset
  put_le(bytes, second + 32, 0xfffffffffffffff8ull, 8);  // sh_size

  CHECK_THROWS_WITH(ElfReader::from_bytes(bytes),
                    Contains("section 1 runs past the end of the file"));
}

TEST_CASE("a dynamic symbol whose name points past .dynstr is refused") {
  PluginDir dir;
  std::string bytes = test::read_bytes(test::built_test_plugin("recorder.so"));
  const std::size_t dynsym = offset_of_section(bytes, ".dynsym");
  // Every exported symbol gets the bad name, so the reader must meet one.
  const ElfReader original = ElfReader::from_bytes(bytes);
  const std::size_t count = original.find_section(".dynsym")->size() / 24;
  for (std::size_t i = 1; i < count; ++i) {
    put_le(bytes, dynsym + 24 * i, 0xfffffff0u, 4);
  }

  const ElfReader hostile = ElfReader::from_bytes(bytes);
  CHECK_THROWS_WITH(hostile.dynamic_symbols(),
                    Contains("points past the end of .dynstr"));
  const PluginFile file = inspect_plugin_file(dir.add_bytes("bad.so", bytes));
  CHECK_THAT(file.problem, Contains("not a valid shared library"));
}

TEST_CASE("a .dynstr without its final NUL is refused, not overrun") {
  std::string bytes = test::read_bytes(test::built_test_plugin("recorder.so"));
  const ElfReader original = ElfReader::from_bytes(bytes);
  const auto dynstr = original.find_section(".dynstr");
  const std::size_t start = offset_of_section(bytes, ".dynstr");
  // Overwrite every NUL after the first name so no name ends in bounds.
  for (std::size_t i = 1; i < dynstr->size(); ++i) {
    if (bytes[start + i] == '\0') bytes[start + i] = 'x';
  }

  const ElfReader hostile = ElfReader::from_bytes(bytes);
  CHECK_THROWS_WITH(hostile.dynamic_symbols(),
                    Contains("is not NUL-terminated"));
}

TEST_CASE(
    "a manifest header claiming more JSON than its section holds is "
    "refused") {
  PluginDir dir;
  std::string bytes = test::read_bytes(test::built_test_plugin("recorder.so"));
  const std::size_t manifest = offset_of_section(bytes, EH_MANIFEST_SECTION);
  put_le(bytes, manifest + 12, 0xffffffffu, 4);  // json_size

  const PluginFile file = inspect_plugin_file(dir.add_bytes("big.so", bytes));

  CHECK_THAT(file.problem, Contains("manifest section is damaged"));
}

TEST_CASE("a manifest section with a wrong magic is refused") {
  PluginDir dir;
  std::string bytes = test::read_bytes(test::built_test_plugin("recorder.so"));
  const std::size_t manifest = offset_of_section(bytes, EH_MANIFEST_SECTION);
  bytes[manifest] = 'X';

  const PluginFile file = inspect_plugin_file(dir.add_bytes("magic.so", bytes));

  CHECK_THAT(file.problem, Contains("manifest section is damaged"));
}

TEST_CASE(
    "invalid manifest JSON inside a real library is refused naming "
    "the field") {
  PluginDir dir;
  std::string bytes = test::read_bytes(test::built_test_plugin("recorder.so"));
  const std::size_t at = bytes.find("\"type\": \"number\"");
  REQUIRE(at != std::string::npos);
  bytes.replace(at, 16, "\"type\": \"numbr\" ");

  const PluginFile file = inspect_plugin_file(dir.add_bytes("json.so", bytes));

  CHECK_THAT(file.problem,
             Contains("manifest: settings[1].type \"numbr\" is not one of"));
}

TEST_CASE("a relocatable object or executable is not taken for a library") {
  std::string bytes = test::read_bytes(test::built_test_plugin("recorder.so"));
  put_le(bytes, 16, 1, 2);  // e_type = ET_REL

  CHECK_THROWS_WITH(ElfReader::from_bytes(bytes),
                    Contains("not a shared object"));
}

}  // namespace
}  // namespace eventhost
