// Payload checking: an event's JSON payload is parsed once, at ingest.
//
// Thread-safety: free function; safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "catalogue/catalogue.h"

namespace eventhost {

struct CheckedPayload {
  std::string json;                      // minified JSON object text
  std::vector<std::string> extra_fields;  // fields the catalogue does not list
};

// Parses `text` as the payload of `spec`. Empty text means `{}`. Missing
// fields are fine (handlers tolerate them); fields the catalogue does not
// list are reported in extra_fields. Throws Error(kInvalidInput) naming the
// event and the byte offset if the text is not JSON or not an object.
CheckedPayload check_payload(const EventSpec& spec, std::string_view text);

}  // namespace eventhost
