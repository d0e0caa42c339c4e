// Catalogue::builtin -- the Dispatcharr catalogue compiled into the host.
#include <cstddef>

#include "catalogue/catalogue.h"
#include "common/error.h"

namespace eventhost {
namespace detail {
// Generated from dispatcharr_events.json by embed_file.cmake.
extern const char kDispatcharrEventsJson[];
extern const std::size_t kDispatcharrEventsJson_size;
}  // namespace detail

namespace {

Catalogue parse_builtin() {
  std::string_view text(detail::kDispatcharrEventsJson,
                        detail::kDispatcharrEventsJson_size);
  try {
    Catalogue catalogue = Catalogue::from_json(text, "host");
    catalogue.validate();
    return catalogue;
  } catch (const Error& e) {
    // The data ships with the binary, so this is a bug in eventhost, not
    // something a user can fix.
    throw Error(ErrorKind::kInternal,
                std::string("the built-in event catalogue is broken (a bug in "
                            "eventhost; please report it): ") +
                    e.what());
  }
}

}  // namespace

const Catalogue& Catalogue::builtin() {
  // Parsed once; C++ guarantees thread-safe initialisation of this static.
  static const Catalogue kBuiltin = parse_builtin();
  return kBuiltin;
}

}  // namespace eventhost
