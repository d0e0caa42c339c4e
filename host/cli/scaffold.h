// Scaffold -- the files of a new plugin project, as `eventhost plugins new`
// writes them: CMakeLists.txt (using the installed eventhost_sdk package),
// the plugin source with one handler per event (EH_ON with the payload
// fields in comments, or, typed, EH_ON_EVENT reading each field of the
// event's struct), manifest.json, a unit test
// on eventhost/testing.hpp and a README. The text comes from the templates
// in cli/scaffold/*.in, embedded at build time; this file only fills in
// their @PLACEHOLDERS@.
//
// Thread-safety: a pure function.
// Errors: none; the caller has checked the key, language and events.
#pragma once

#include <string>
#include <vector>

#include "catalogue/catalogue.h"

namespace eventhost::cli {

struct ScaffoldRequest {
  std::string key;          // [a-z][a-z0-9_]*
  bool c_language = false;  // C instead of C++
  bool typed = false;       // C++ with EH_ON_EVENT and eventhost/events.hpp
  std::vector<const EventSpec*> events;  // at least one, from the catalogue
};

struct ScaffoldFile {
  std::string path;  // relative to the project folder, e.g. "test/x_test.cpp"
  std::string content;
};

std::vector<ScaffoldFile> scaffold_files(const ScaffoldRequest& request);

}  // namespace eventhost::cli
