# Generates a C++ header of typed events from a catalogue document (the
# built-in host/catalogue/dispatcharr_events.json) or a plugin manifest:
# both list their events as {"name", "level", "fields", "description"}.
#
#   cmake -DINPUT=<file.json> -DOUTPUT=<file.hpp> -DGUARD=<MACRO> \
#         -P EventhostEvents.cmake
#
# For each event, e.g. channel.created:
#   - struct eventhost::events::ChannelCreated, one std::optional member per
#     payload field (members in the order the fields are listed), of the
#     field's type: integer std::int64_t, number double, string and
#     timestamp std::string, boolean bool, integer[] std::vector<std::int64_t>,
#     string[] std::vector<std::string>, and nlohmann::json for a field
#     declared by its name alone (untyped);
#   - eventhost::EventTraits<events::ChannelCreated>: the event's name, its
#     handler symbol, and how to read and write the struct (plugin.hpp);
#   - the macro EH_EVENT_SYMBOL_ChannelCreated (on_channel_created), which
#     EH_ON_EVENT(ChannelCreated) exports.
# The struct name is the event name in CamelCase, '.' and '_' dropped. A
# field whose name is a C++ keyword gets a trailing '_' (class_); one that
# is not a C++ identifier at all gets no member (its value stays readable
# through ctx.event()). It runs in script mode, so it needs only CMake: an
# installed SDK generates plugin headers without any program of its own.
cmake_minimum_required(VERSION 3.25)
foreach(var INPUT OUTPUT GUARD)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "EventhostEvents.cmake: pass -D${var}=...")
  endif()
endforeach()

file(READ "${INPUT}" document)
get_filename_component(input_name "${INPUT}" NAME)

# A problem the host would refuse the manifest for is not a build error
# (eventhost_add_plugin() leaves deeper checks to the host, so a plugin
# with a bad manifest still builds, e.g. to test that it is refused): the
# event or field is left out of the header, with a comment and a warning
# saying why; `eventhost plugins validate` reports it too.
set(skipped "")
macro(eh_events_skip what)
  message(WARNING "${INPUT}: ${what}; left out of ${OUTPUT}")
  string(APPEND skipped "// Left out: ${what}.\n")
endmacro()

# The C++ keywords a snake_case field name could be.
set(eh_cxx_keywords
  alignas alignof and and_eq asm auto bitand bitor bool break case catch char
  char8_t char16_t char32_t class compl concept const consteval constexpr
  constinit const_cast continue co_await co_return co_yield decltype default
  delete do double dynamic_cast else enum explicit export extern false float
  for friend goto if inline int long mutable namespace new noexcept not not_eq
  nullptr operator or or_eq private protected public register
  reinterpret_cast requires return short signed sizeof static static_assert
  static_cast struct switch template this thread_local throw true try typedef
  typeid typename union unsigned using virtual void volatile wchar_t while xor
  xor_eq)

# channel.created -> ChannelCreated
function(eh_events_struct_name event out)
  string(REPLACE "." "_" words "${event}")
  string(REPLACE "_" ";" words "${words}")
  set(name "")
  foreach(word IN LISTS words)
    if(word STREQUAL "")
      continue()
    endif()
    string(SUBSTRING "${word}" 0 1 first)
    string(SUBSTRING "${word}" 1 -1 rest)
    string(TOUPPER "${first}" first)
    string(APPEND name "${first}${rest}")
  endforeach()
  set(${out} "${name}" PARENT_SCOPE)
endfunction()

function(eh_events_cxx_type type out)
  if(type STREQUAL "integer")
    set(cxx "std::int64_t")
  elseif(type STREQUAL "number")
    set(cxx "double")
  elseif(type STREQUAL "string" OR type STREQUAL "timestamp")
    set(cxx "std::string")
  elseif(type STREQUAL "boolean")
    set(cxx "bool")
  elseif(type STREQUAL "integer[]")
    set(cxx "std::vector<std::int64_t>")
  elseif(type STREQUAL "string[]")
    set(cxx "std::vector<std::string>")
  elseif(type STREQUAL "")
    set(cxx "nlohmann::json")
  else()
    set(cxx "")
  endif()
  set(${out} "${cxx}" PARENT_SCOPE)
endfunction()

set(structs "")
set(traits "")
set(symbols "")
set(seen_structs "")
string(JSON events_type ERROR_VARIABLE no_events TYPE "${document}" events)
if(no_events)
  set(event_count 0)
elseif(NOT events_type STREQUAL "ARRAY")
  eh_events_skip("\"events\" must be an array")
  set(event_count 0)
else()
  string(JSON event_count LENGTH "${document}" events)
endif()

math(EXPR last_event "${event_count} - 1")
foreach(i RANGE 0 ${last_event})
  if(event_count EQUAL 0)
    break()
  endif()
  string(JSON event ERROR_VARIABLE err GET "${document}" events ${i} name)
  if(err OR NOT event MATCHES "^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$")
    eh_events_skip("events[${i}]: its name must match [a-z][a-z0-9_]*.[a-z][a-z0-9_]*")
    continue()
  endif()
  string(JSON level ERROR_VARIABLE err GET "${document}" events ${i} level)
  string(JSON description ERROR_VARIABLE no_description
         GET "${document}" events ${i} description)
  if(no_description)
    set(description "")
  endif()
  # One comment line: no line break, and no trailing backslash to splice
  # the next line into it.
  string(REGEX REPLACE "[\r\n]+" " " description "${description}")
  string(REGEX REPLACE "\\\\+$" "" description "${description}")
  eh_events_struct_name("${event}" struct)
  if(struct IN_LIST seen_structs)
    eh_events_skip("events[${i}] (${event}) gives the struct name ${struct}, as an earlier event does; rename one of them")
    continue()
  endif()
  list(APPEND seen_structs "${struct}")
  string(REPLACE "." "_" symbol "on_${event}")

  set(members "")
  set(reads "")
  set(writes "")
  string(JSON fields_type ERROR_VARIABLE no_fields
         TYPE "${document}" events ${i} fields)
  set(field_count 0)
  if(NOT no_fields)
    if(NOT fields_type STREQUAL "ARRAY")
      eh_events_skip("events[${i}] (${event}): \"fields\" must be an array")
    else()
      string(JSON field_count LENGTH "${document}" events ${i} fields)
    endif()
  endif()
  math(EXPR last_field "${field_count} - 1")
  foreach(j RANGE 0 ${last_field})
    if(field_count EQUAL 0)
      break()
    endif()
    string(JSON item_type TYPE "${document}" events ${i} fields ${j})
    if(item_type STREQUAL "STRING")
      string(JSON field GET "${document}" events ${i} fields ${j})
      set(type "")
    elseif(item_type STREQUAL "OBJECT")
      string(JSON field ERROR_VARIABLE err
             GET "${document}" events ${i} fields ${j} name)
      if(err)
        eh_events_skip("events[${i}] (${event}) fields[${j}]: a field needs a \"name\"")
        continue()
      endif()
      string(JSON type ERROR_VARIABLE no_type
             GET "${document}" events ${i} fields ${j} type)
      if(no_type)
        set(type "(none)")
      endif()
    else()
      eh_events_skip("events[${i}] (${event}) fields[${j}]: a field is a name or {\"name\": ..., \"type\": ...}")
      continue()
    endif()
    eh_events_cxx_type("${type}" cxx)
    if(cxx STREQUAL "")
      eh_events_skip("events[${i}] (${event}) fields[${j}]: type \"${type}\" is not one of integer, number, string, boolean, timestamp, integer[], string[]")
      continue()
    endif()
    set(shown_type "${type}")
    if(shown_type STREQUAL "")
      set(shown_type "untyped")
    endif()
    if(NOT field MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
      string(APPEND members
        "  // \"${field}\" (${shown_type}) is not a C++ name: read it with\n"
        "  // ctx.event().payload().\n")
      continue()
    endif()
    set(member "${field}")
    if(field IN_LIST eh_cxx_keywords)
      set(member "${field}_")
    endif()
    string(APPEND members "  std::optional<${cxx}> ${member};  // ${shown_type}\n")
    string(APPEND reads "    in.read(payload, \"${field}\", ev.${member});\n")
    string(APPEND writes "    detail::write_field(payload, \"${field}\", ev.${member});\n")
  endforeach()

  string(APPEND structs
    "\n// ${event} (${level}): ${description}\n"
    "struct ${struct} {\n${members}};\n")
  if(reads STREQUAL "")
    set(read_params "const nlohmann::json&, events::${struct}&, detail::FieldReader&")
    set(write_params "const events::${struct}&, nlohmann::json&")
  else()
    set(read_params "const nlohmann::json& payload, events::${struct}& ev,\n                   detail::FieldReader& in")
    set(write_params "const events::${struct}& ev, nlohmann::json& payload")
  endif()
  string(APPEND traits
    "\ntemplate <>\nstruct EventTraits<events::${struct}> {\n"
    "  static constexpr const char* name = \"${event}\";\n"
    "  static constexpr const char* symbol = \"${symbol}\";\n"
    "  static void read(${read_params}) {\n${reads}  }\n"
    "  static void write(${write_params}) {\n${writes}  }\n"
    "};\n")
  string(APPEND symbols "#define EH_EVENT_SYMBOL_${struct} ${symbol}\n")
endforeach()

file(WRITE "${OUTPUT}.tmp"
"// Generated by EventhostEvents.cmake from ${input_name}; do not edit.
//
// Typed events: one struct per event, one std::optional member per payload
// field (empty when the field is missing or null), and the traits that
// EH_ON_EVENT and Context::emit use (see eventhost/typed_events.hpp):
//
//   EH_ON_EVENT(ChannelCreated)(const eventhost::events::ChannelCreated& ev,
//                               eventhost::Context& ctx) { ... }
#ifndef ${GUARD}
#define ${GUARD}

#include <eventhost/typed_events.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

${skipped}namespace eventhost::events {
${structs}
}  // namespace eventhost::events

namespace eventhost {
${traits}
}  // namespace eventhost

${symbols}
#endif  // ${GUARD}
")
# Rewriting an unchanged header would rebuild every plugin that includes it.
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
