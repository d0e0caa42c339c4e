#!/usr/bin/env bash
# Typed events are checked by the compiler: a handler that reads a field
# that exists compiles; one that misspells the field, misspells the event,
# or reads a field as another type does not, and the compiler's message
# names the mistake. Each case is a small source file compiled
# -fsyntax-only against the SDK headers and the generated events.hpp.
#
# usage: typed_compile_check.sh CXX INCLUDE_DIR...
set -euo pipefail

cxx=$1
shift
flags=(-std=c++20 -fsyntax-only -Wall -Wextra -Werror)
for dir in "$@"; do flags+=(-I "$dir"); done
work=$(mktemp -d "${TMPDIR:-/tmp}/eventhost-typed-compile.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() { echo "FAILED: $*" >&2; exit 1; }

# compile NAME BODY: writes a plugin with BODY as its handler's body.
source_of() {
  cat <<SRC
#include <eventhost/events.hpp>
#include <string>
EH_ON_EVENT($1)(const eventhost::events::$1& ev, eventhost::Context& ctx) {
  $2
}
SRC
}

check_compiles() {
  source_of "$1" "$2" > "$work/ok.cpp"
  "$cxx" "${flags[@]}" "$work/ok.cpp" 2> "$work/ok.err" ||
    { cat "$work/ok.err"; fail "$3 does not compile"; }
  echo "ok: $3 compiles"
}

check_refused() {
  source_of "$1" "$2" > "$work/bad.cpp"
  if "$cxx" "${flags[@]}" "$work/bad.cpp" 2> "$work/bad.err"; then
    fail "$3 compiled"
  fi
  grep -q -- "$4" "$work/bad.err" ||
    { cat "$work/bad.err"; fail "$3: the compiler did not say '$4'"; }
  echo "ok: $3 is a compile error ($4)"
}

check_compiles ChannelCreated \
  'if (ev.channel_id) ctx.info(std::to_string(*ev.channel_id));' \
  "a handler reading channel_id"
check_refused ChannelCreated \
  'if (ev.chanel_id) ctx.info("x");' \
  "a misspelt field (chanel_id)" "chanel_id"
check_refused ChanelCreated \
  'ctx.info("x");' \
  "a misspelt event (ChanelCreated)" "ChanelCreated"
check_refused ChannelCreated \
  'std::string id = ev.channel_id.value(); ctx.info(id);' \
  "reading the integer channel_id as a string" "conversion"
echo "typed compile check: ok"
