// libFuzzer entry point: arbitrary bytes through the ELF reader and, when a
// manifest section is found, the manifest parser -- the same path discovery
// takes over a file from the plugins folder. Any crash, sanitizer report or
// exception other than eventhost::Error is a bug.
#include <eventhost/plugin.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "loader/elf_reader.h"
#include "loader/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using eventhost::ElfReader;
  try {
    const ElfReader elf = ElfReader::from_bytes(
        std::string(reinterpret_cast<const char*>(data), size));
    const auto symbols = elf.dynamic_symbols();
    (void)symbols;
    const auto section = elf.find_section(EH_MANIFEST_SECTION);
    const std::size_t header = sizeof(eh_manifest_header);
    if (section && section->size() >= header) {
      eventhost::Manifest::parse(section->substr(header));
    }
  } catch (const eventhost::Error&) {
    // Refusing bad input is the expected outcome.
  }
  // The parser alone, on the raw bytes, to reach deep JSON shapes quickly.
  try {
    eventhost::Manifest::parse(
        std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const eventhost::Error&) {
  }
  return 0;
}
