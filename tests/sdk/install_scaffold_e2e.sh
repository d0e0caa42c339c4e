#!/usr/bin/env bash
# The SDK as an outside author gets it: install the build to a temporary
# prefix, check the example plugins installed with it, scaffold a C++, a
# typed C++ (--typed, with an event of its own declared in its manifest)
# and a C plugin with the installed eventhost, build and unit-test them out
# of tree against that prefix only (the C one where nlohmann_json cannot be
# found: only plugin.hpp needs it), validate them, drop them into a plugins
# folder, enable them, emit, and see their log lines. Everything happens in
# a temp folder that is removed at the end.
#
# usage: install_scaffold_e2e.sh BUILD_DIR CMAKE_GENERATOR [CMAKE_ARG...]
# The CMAKE_ARGs go to the out-of-tree builds: a sanitizer build passes
# its compiler and flags, as the installed libraries need its runtime.
set -euo pipefail

build_dir=$1
generator=$2
outside_args=("${@:3}")
work=$(mktemp -d "${TMPDIR:-/tmp}/eventhost-sdk-e2e.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
# Nothing from the caller's eventhost set-up may leak in.
for var in $(env | grep -o '^EVENTHOST_[A-Z_]*' || true); do unset "$var"; done
export HOME=$work/home XDG_DATA_HOME=$work/home/data XDG_STATE_HOME=$work/home/state
mkdir -p "$HOME"

fail() { echo "FAILED: $*" >&2; exit 1; }
step() { echo "== $*"; }

# Under a umask that leaves files group-writable, which the host would
# refuse: installed plugin modes must not depend on it.
step "install to $work/prefix (umask 002)"
(umask 002 && cmake --install "$build_dir" --prefix "$work/prefix") > install.log
eventhost=$work/prefix/bin/eventhost
[ -x "$eventhost" ] || fail "no installed eventhost binary"

step "the example plugins are installed, ready to list and enable"
examples=$work/prefix/share/eventhost/plugins
mode=$(stat -c %a "$examples") || fail "no example plugins folder $examples"
[ "$mode" = 755 ] || fail "$examples has mode $mode, not 755"
for key in audit_log event_logger login_guard; do
  mode=$(stat -c %a "$examples/$key.so") || fail "no example plugin $key.so"
  [ "$mode" = 644 ] || fail "$examples/$key.so has mode $mode, not 644"
done
examples_host=("$eventhost" --plugins-dir "$examples" --state "$work/examples.db")
"${examples_host[@]}" plugins list > examples.out ||
  { cat examples.out; fail "listing the installed example plugins"; }
cat examples.out
for key in audit_log event_logger login_guard; do
  grep -Eq "^$key .* disabled " examples.out ||
    fail "plugins list does not show $key as a usable (disabled) plugin"
done
"${examples_host[@]}" plugins enable event_logger > /dev/null
"${examples_host[@]}" emit channel.created '{"channel_name":"News"}' \
  > examples-emit.out 2> examples-emit.err ||
  { cat examples-emit.out examples-emit.err; fail "emit to an installed example"; }
grep -q "event_logger  on_channel_created" examples-emit.out ||
  { cat examples-emit.out; fail "the installed event_logger was not called"; }

step "scaffold a C++, a typed C++ and a C plugin"
"$eventhost" plugins new sdk_e2e_cpp --dir cpp \
  --events channel.created,auth.login_failed
"$eventhost" plugins new sdk_e2e_typed --typed --dir typed \
  --events channel.created,recording.scheduled
"$eventhost" plugins new sdk_e2e_c --lang c --dir c \
  --events channel.created,recording.completed
[ -f "$work/prefix/include/eventhost/events.hpp" ] ||
  fail "the generated eventhost/events.hpp is not installed"
grep -q "EH_ON_EVENT(ChannelCreated)" typed/sdk_e2e_typed.cpp ||
  fail "plugins new --typed did not write an EH_ON_EVENT handler"

# The typed plugin declares an event of its own, with typed fields, and
# handles it through the struct eventhost_add_plugin() generates from the
# manifest (sdk_e2e_typed_events.hpp) with the installed SDK's generator.
cat > typed/manifest.json <<'JSON'
{
  "key": "sdk_e2e_typed",
  "version": "0.1.0",
  "settings": [{"id": "prefix", "type": "string", "default": "sdk_e2e_typed"}],
  "events": [{"name": "sdk_e2e_typed.ping", "level": "FULL",
              "fields": [{"name": "count", "type": "integer"}, "note"]}]
}
JSON
cat >> typed/sdk_e2e_typed.cpp <<'CPP'

#include "sdk_e2e_typed_events.hpp"

EH_ON_EVENT(SdkE2eTypedPing)
(const eventhost::events::SdkE2eTypedPing& ev, eventhost::Context& ctx) {
  std::string line = "sdk_e2e_typed.ping";
  line += field("count", ev.count);
  line += field("note", ev.note);
  report(line, ctx);
}
CPP

for lang in cpp typed c; do
  key=sdk_e2e_$lang
  # A plugin written in C needs nothing beyond the SDK, not even the
  # nlohmann_json that plugin.hpp is built on.
  no_json=()
  [ $lang = c ] && no_json=(-DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON)
  step "build and unit-test $key out of tree ${no_json[*]}"
  cmake -S $lang -B $lang/build -G "$generator" \
    -DCMAKE_PREFIX_PATH="$work/prefix" "${no_json[@]}" \
    ${outside_args[@]+"${outside_args[@]}"} > $lang/configure.log ||
    { cat $lang/configure.log; fail "configuring $key"; }
  grep -q "eventhost_sdk_DIR:PATH=$work/prefix/" $lang/build/CMakeCache.txt ||
    fail "$key did not find eventhost_sdk in the installed prefix"
  cmake --build $lang/build > $lang/build.log ||
    { cat $lang/build.log; fail "building $key"; }
  ctest --test-dir $lang/build --output-on-failure > $lang/test.log ||
    { cat $lang/test.log; fail "unit test of $key"; }
  "$eventhost" plugins validate --strict $lang/build/$key.so ||
    fail "validating $key"
done

step "a C++ plugin where nlohmann_json cannot be found: a clear error"
if cmake -S cpp -B cpp/build-no-json -G "$generator" \
  -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON > cpp/no-json.log 2>&1; then
  fail "a C++ plugin configured without nlohmann_json"
fi
grep -q "eventhost_add_plugin(sdk_e2e_cpp)" cpp/no-json.log &&
  grep -q "nlohmann-json3-dev" cpp/no-json.log ||
  { cat cpp/no-json.log; fail "no clear error for the missing nlohmann_json"; }

step "pkg-config: eventhost-sdk alone for C, eventhost-sdk-cpp for C++"
pc_dir=$(dirname "$(find "$work/prefix" -name eventhost-sdk.pc)")
PKG_CONFIG_LIBDIR=$pc_dir pkg-config --cflags eventhost-sdk > /dev/null ||
  fail "pkg-config eventhost-sdk needs more than the installed prefix"
PKG_CONFIG_PATH=$pc_dir pkg-config --cflags eventhost-sdk-cpp > /dev/null ||
  fail "pkg-config eventhost-sdk-cpp"

step "drop both into a plugins folder, enable, emit"
mkdir -m 755 plugins
install -m 644 cpp/build/sdk_e2e_cpp.so typed/build/sdk_e2e_typed.so \
  c/build/sdk_e2e_c.so plugins/
host=("$eventhost" --plugins-dir "$work/plugins" --state "$work/state.db")
"${host[@]}" plugins enable sdk_e2e_cpp > /dev/null
"${host[@]}" plugins enable sdk_e2e_typed > /dev/null
"${host[@]}" plugins enable sdk_e2e_c > /dev/null
"${host[@]}" plugins configure sdk_e2e_c prefix=from-c > /dev/null
"${host[@]}" emit channel.created '{"channel_name":"News"}' \
  > emit.out 2> emit.err || { cat emit.out emit.err; fail "emit"; }
cat emit.out
grep -q '\[sdk_e2e_cpp\] sdk_e2e_cpp channel.created {"channel_name":"News"}' \
  emit.err || { cat emit.err; fail "the C++ plugin did not log the event"; }
grep -q '\[sdk_e2e_c\] from-c channel.created {"channel_name":"News"}' \
  emit.err || { cat emit.err; fail "the C plugin did not log the event"; }
grep -q '\[sdk_e2e_typed\] sdk_e2e_typed channel.created channel_name="News"$' \
  emit.err || { cat emit.err; fail "the typed plugin did not log the event"; }

step "the typed plugin's own event: typed at ingest, typed in the handler"
"${host[@]}" emit sdk_e2e_typed.ping '{"count": 3, "note": [1]}' \
  > ping.out 2> ping.err || { cat ping.out ping.err; fail "emit ping"; }
grep -q '\[sdk_e2e_typed\] sdk_e2e_typed sdk_e2e_typed.ping count=3 note=\[1\]$' \
  ping.err || { cat ping.err; fail "the typed plugin did not log its own event"; }
if "${host[@]}" emit sdk_e2e_typed.ping '{"count": "3"}' > bad.out 2> bad.err; then
  fail "a string count was accepted"
fi
grep -q 'sdk_e2e_typed.ping: field "count" must be an integer' bad.err ||
  { cat bad.err; fail "no type refusal for the declared event"; }
echo "sdk e2e: ok"
