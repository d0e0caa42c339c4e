/*
 * eventhost/plugin.h -- the stable C ABI between the eventhost host and its
 * plugins. This header is the whole contract: a plugin that compiles against
 * it and exports the symbols below can be dropped into a plugins folder.
 *
 * Rules of the ABI
 *   - Plain C11, no enums in structs (fixed-width integers instead), no C++
 *     exception, no STL type and no allocation ownership crosses it.
 *   - Every struct passed across starts with `struct_size`; a reader checks
 *     it before touching a field added later, so structs can grow.
 *   - The host refuses a plugin whose ABI *major* version differs from its
 *     own, with a message; minor versions only ever add fields at the end.
 *
 * Threading tags used below
 *   [any-thread]     may be called on any host pool thread
 *   [plugin-serial]  never concurrently with another call into the same
 *                    plugin, unless its manifest sets "concurrency" > 1
 *   [lifecycle]      never concurrently with any other call into the plugin
 *
 * Exported symbols (all optional except eh_abi_version and the manifest):
 *   eh_abi_version                const uint32_t, EH_ABI_VERSION
 *   eventhost_manifest section    the manifest, see EH_PLUGIN_MANIFEST
 *   on_<namespace>_<action>       an event handler (eh_handler_fn)
 *   eh_on_any_event               catch-all handler (eh_handler_fn)
 *   eh_plugin_init                eh_init_fn
 *   eh_plugin_configure           eh_configure_fn
 *   eh_plugin_shutdown            eh_shutdown_fn
 *   eh_plugin_action              eh_action_fn
 * No other symbol is ever looked up or called by the host.
 */
#ifndef EVENTHOST_PLUGIN_H
#define EVENTHOST_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version ---------------------------------------------------------- */

#define EH_ABI_VERSION_MAJOR 1u
#define EH_ABI_VERSION_MINOR 0u
/* Major in the high 16 bits, minor in the low 16 bits. */
#define EH_ABI_VERSION ((EH_ABI_VERSION_MAJOR << 16) | EH_ABI_VERSION_MINOR)
#define EH_ABI_MAJOR_OF(v) (((uint32_t)(v)) >> 16)

/* ---- Export decoration ------------------------------------------------- */
/* EH_EXPORT makes a definition visible to the host. Compiled as C++ it also
 * gives the definition C linkage (extern "C"), because the host looks up
 * plain C names: the C examples work unchanged in a .cpp file, and there is
 * no need to write extern "C" in front of EH_EXPORT (clang warns about the
 * duplicate; inside an extern "C" { } block it is harmless). */

#if defined(_WIN32)
#define EH_VISIBLE __declspec(dllexport)
#else
#define EH_VISIBLE __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
#define EH_EXTERN_C extern "C"
#else
#define EH_EXTERN_C
#endif

#define EH_EXPORT EH_EXTERN_C EH_VISIBLE

/* ---- Return codes ------------------------------------------------------ */
/* Handlers and lifecycle functions return EH_OK on success. Any other value
 * is a failure; the codes below are the ones the host gives a meaning to, a
 * plugin may return its own positive codes too. */

#define EH_OK 0
#define EH_ERR_FAILED 1           /* generic failure; see the error message */
#define EH_ERR_INVALID_ARGUMENT 2 /* bad settings, params or payload */
#define EH_ERR_NOT_FOUND 3        /* unknown setting, action or event */
#define EH_ERR_BUFFER_TOO_SMALL 4 /* retry with *needed bytes */
#define EH_ERR_REFUSED 5          /* host refused (level, emit depth/rate) */
#define EH_ERR_EXCEPTION 6        /* a C++ exception was caught (plugin.hpp) */

/* ---- Levels ------------------------------------------------------------ */
/* Event level set of an event (eh_event.level). */
#define EH_LEVEL_CRITICAL 1u
#define EH_LEVEL_SYSTEM 2u
#define EH_LEVEL_FULL 3u

/* Log severities for eh_host_api.log. */
#define EH_LOG_DEBUG 0u
#define EH_LOG_INFO 1u
#define EH_LOG_WARN 2u
#define EH_LOG_ERROR 3u

/* ---- Types ------------------------------------------------------------- */

/* Host-owned, opaque handle for one loaded plugin instance. Valid from the
 * eh_plugin_init call (or the first handler call if there is no init) until
 * eh_plugin_shutdown returns. The plugin never frees it. */
typedef struct eh_context eh_context;

struct eh_host_api;

/* One event, as handed to a handler. Owned by the host; every pointer in it
 * is valid only for the duration of the handler call: copy what you keep. */
typedef struct eh_event {
  uint32_t struct_size;  /* sizeof(eh_event) as the host built it */
  uint32_t level;        /* EH_LEVEL_* of the event's level set */
  const char* name;      /* "channel.created", NUL-terminated */
  const char* payload;   /* UTF-8 JSON object text, NUL-terminated; the host
                            validated it is a JSON object */
  uint64_t payload_size; /* bytes in payload, excluding the NUL */
  uint64_t id;           /* host-assigned sequence id, unique per state */
  int64_t emitted_at_us; /* emit time, microseconds since the Unix epoch */
  uint32_t attempt;      /* 1 for the first delivery; larger on redelivery,
                            so a handler must tolerate seeing an id twice */
  uint32_t reserved;     /* 0 */
  const struct eh_host_api* host; /* host services, same as passed to init */
} eh_event;

/* Services the host offers. Owned by the host, valid for the life of the
 * loaded plugin. Every function is [any-thread] and may be called from
 * inside any handler or lifecycle call. */
typedef struct eh_host_api {
  uint32_t struct_size; /* sizeof(eh_host_api) as the host built it */
  uint32_t abi_version; /* EH_ABI_VERSION of the host */

  /* Logs `message` (UTF-8, NUL-terminated, copied) at `severity`
   * (EH_LOG_*) under the plugin's key. */
  void (*log)(eh_context* ctx, uint32_t severity, const char* message);

  /* Copies the current value of setting `id` as JSON text (e.g. `true`,
   * `30`, `"a b"`) into buf, NUL-terminated. *needed (if not NULL) receives
   * the size including the NUL. Returns EH_OK, EH_ERR_NOT_FOUND for a
   * setting the manifest does not declare, or EH_ERR_BUFFER_TOO_SMALL. A
   * setting the user never set has its manifest default. */
  int32_t (*get_setting)(eh_context* ctx, const char* id, char* buf,
                         size_t buf_size, size_t* needed);

  /* Emits an event of the plugin's own (declared in its manifest) or any
   * catalogue event. `payload_json` is a JSON object text of `payload_size`
   * bytes (it is copied). Never blocks on delivery: the event is queued.
   *
   * Depth: an event from outside the plugins has depth 0; one emitted from
   * inside a handler call, on the thread the host called it on, is one
   * deeper than the event being handled; one emitted outside a handler
   * call (init, configure, an action, a thread of the plugin's own) has
   * depth 1. Past the host's limit (--max-emit-depth, default 8) the emit
   * is refused, so a plugin that re-emits what it handles cannot loop
   * forever. The plugin's emits are also capped per second (manifest
   * "max_emits_per_second", default 10000). A refusal is logged and
   * counted by the host; the call that emitted goes on normally.
   *
   * Returns EH_OK if accepted, EH_ERR_NOT_FOUND for an unknown event,
   * EH_ERR_INVALID_ARGUMENT for bad JSON or a field of another type than
   * the catalogue declares (the host's default --payload-check strict),
   * EH_ERR_REFUSED if the event level suppresses it, it would be deeper
   * than the limit, or the plugin is past its emits for this second. */
  int32_t (*emit)(eh_context* ctx, const char* event_name,
                  const char* payload_json, size_t payload_size);

  /* Records a human-readable reason for the failure the current call is
   * about to return (copied). Shown in logs and in `plugins info`. */
  void (*set_error)(eh_context* ctx, const char* message);

  /* From eh_plugin_action only: the result text shown to the user (copied;
   * JSON or plain text). */
  void (*set_result)(eh_context* ctx, const char* text);

  /* Plugin-private pointer, e.g. to state allocated in init; the host
   * never dereferences it. The plugin owns what it points to. */
  void (*set_user_data)(eh_context* ctx, void* user_data);
  void* (*get_user_data)(eh_context* ctx);
} eh_host_api;

/* ---- Functions a plugin exports --------------------------------------- */

/* on_<namespace>_<action> and eh_on_any_event. [any-thread, plugin-serial]
 * Called once per delivered event. Must not block for long: the plugin has
 * a time budget (manifest "timeout_ms", default 5000) past which the call
 * counts as timed out. Returns EH_OK or a failure code. A plugin that fails
 * repeatedly is disabled by the host's circuit breaker. */
typedef int32_t (*eh_handler_fn)(const eh_event* ev, eh_context* ctx);

/* eh_plugin_init [lifecycle] -- once, after loading and before anything
 * else. `host` stays valid until eh_plugin_shutdown returns. A failure
 * return refuses the load; the plugin stays enabled but is not called. */
typedef int32_t (*eh_init_fn)(const eh_host_api* host, eh_context* ctx);

/* eh_plugin_configure [lifecycle] -- after init, and every time the user
 * changes settings. `settings_json` is a JSON object holding every declared
 * setting (defaults filled in), valid for the call only. */
typedef int32_t (*eh_configure_fn)(eh_context* ctx, const char* settings_json);

/* eh_plugin_shutdown [lifecycle] -- once, before unloading; no call into
 * the plugin follows. Free what the plugin allocated. */
typedef void (*eh_shutdown_fn)(eh_context* ctx);

/* eh_plugin_action [plugin-serial] -- a user-triggered action declared in
 * the manifest ("actions"). `params_json` is a JSON object text, valid for
 * the call only. Use host->set_result to answer. Returns EH_OK,
 * EH_ERR_NOT_FOUND for an unknown action, or a failure code. */
typedef int32_t (*eh_action_fn)(eh_context* ctx, const char* action_id,
                                const char* params_json);

/* ---- The manifest ------------------------------------------------------ */
/* The manifest is JSON embedded in the library in a section named
 * "eventhost_manifest" so the host reads it as data, without loading the
 * library. It is a header followed by the JSON text (not NUL-counted):
 *   magic "EHMANIFS" | uint32 abi_version | uint32 json_size | json bytes
 * eventhost_add_plugin() in CMake generates it from a manifest.json file;
 * without CMake, use EH_PLUGIN_MANIFEST with a string literal.
 *
 * Manifest fields: key (required, [a-z][a-z0-9_]*), name, version,
 * description, settings [{id,label,type: boolean|number|string|select,
 * default, options, help}], actions [{id,label,description}], events
 * [{name: "<key>.<action>", level: CRITICAL|SYSTEM|FULL, fields: [each a
 * "name" (untyped) or {name, type: integer|number|string|boolean|
 * timestamp|integer[]|string[]}], description}], subscribe (event
 * patterns such as "channel.*" that eh_on_any_event receives; default
 * ["*"]), priority
 * (critical|high|normal|low), concurrency (>= 1), timeout_ms,
 * queue_capacity, max_emits_per_second (>= 1; default 10000), host_version (the
 * host versions it runs on, e.g.
 * ">=0.1.0, <0.2.0" or "~=0.1.0"), isolation (thread|process: the tier it
 * asks for; the user's choice wins), sandbox (promises enforced in the
 * process tier: no_network, no_fs_write, no_spawn), limits {memory_mb,
 * cpu_seconds, open_files} (the process tier's worker; 0 = none). */

#define EH_MANIFEST_SECTION "eventhost_manifest"
#define EH_MANIFEST_MAGIC "EHMANIFS"

typedef struct eh_manifest_header {
  char magic[8];        /* EH_MANIFEST_MAGIC, no NUL */
  uint32_t abi_version; /* EH_ABI_VERSION the plugin was built for */
  uint32_t json_size;   /* bytes of JSON text that follow */
} eh_manifest_header;

#if defined(_WIN32)
/* MSVC needs the section declared before allocating into it. */
#define EH_MANIFEST_PLACEMENT \
  __pragma(section(".ehmf", read)) __declspec(allocate(".ehmf"))
#elif defined(__APPLE__)
#define EH_MANIFEST_PLACEMENT \
  __attribute__((section("__DATA,eh_manifest"), used))
#else
#define EH_MANIFEST_PLACEMENT \
  __attribute__((section(EH_MANIFEST_SECTION), used))
#endif

/* Exports eh_abi_version for the given ABI version. */
#define EH_PLUGIN_ABI_VERSION_EXPORT(VERSION) \
  EH_EXPORT const uint32_t eh_abi_version = (VERSION)

/* Embeds JSON_LITERAL (a string literal) as the manifest and exports the
 * ABI version. Use once per plugin, at file scope. */
#define EH_PLUGIN_MANIFEST(JSON_LITERAL)                               \
  EH_PLUGIN_ABI_VERSION_EXPORT(EH_ABI_VERSION);                        \
  EH_MANIFEST_PLACEMENT static const struct {                          \
    eh_manifest_header header;                                         \
    char json[sizeof(JSON_LITERAL)]; /* NUL kept: C++ requires room */ \
  } eh_embedded_manifest = {{{'E', 'H', 'M', 'A', 'N', 'I', 'F', 'S'}, \
                             EH_ABI_VERSION,                           \
                             (uint32_t)(sizeof(JSON_LITERAL) - 1)},    \
                            JSON_LITERAL}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* EVENTHOST_PLUGIN_H */
