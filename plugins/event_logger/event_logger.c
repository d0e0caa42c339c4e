/*
 * event_logger -- logs channel and recording events in plain words through
 * the host's log ("Channel created: News (#7)").
 *
 * Written in plain C against plugin.h only, as the template for a C plugin.
 * Settings (log_channels, log_recordings) are read in eh_plugin_configure
 * into a malloc'd struct kept as the user data and freed in shutdown; until
 * configure runs, both default to on. Handlers only read that struct, and
 * configure is [lifecycle] (never concurrent with a handler), so no lock.
 *
 * Payload fields may be missing (the host allows it): each message says
 * what is there and falls back to the ids, never fails the delivery.
 */
#include <eventhost/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_field.h"

typedef struct logger_settings {
  int log_channels;
  int log_recordings;
} logger_settings;

static const logger_settings k_defaults = {1, 1};

/* configure and shutdown get only the context, so init keeps the host table
 * (the same for every call of this loaded plugin) where they can find it. */
static const eh_host_api* g_host;

static const logger_settings* settings_of(const eh_host_api* host,
                                          eh_context* ctx) {
  const logger_settings* s = host ? host->get_user_data(ctx) : NULL;
  return s ? s : &k_defaults;
}

/* A boolean setting from the settings object; anything but `false` keeps
 * the default of on, so a damaged value never silences the log. */
static int flag(const char* settings_json, const char* id) {
  char value[8];
  if (!json_field(settings_json, strlen(settings_json), id, value,
                  sizeof value)) {
    return 1;
  }
  return strcmp(value, "false") != 0;
}

EH_EXPORT int32_t eh_plugin_init(const eh_host_api* host, eh_context* ctx) {
  (void)ctx;
  g_host = host;
  return EH_OK;
}

EH_EXPORT int32_t eh_plugin_configure(eh_context* ctx,
                                      const char* settings_json) {
  logger_settings* s;
  if (g_host == NULL) return EH_ERR_FAILED;
  s = g_host->get_user_data(ctx);
  if (s == NULL) {
    s = malloc(sizeof *s);
    if (s == NULL) {
      g_host->set_error(ctx, "event_logger: out of memory");
      return EH_ERR_FAILED;
    }
    g_host->set_user_data(ctx, s);
  }
  s->log_channels = flag(settings_json, "log_channels");
  s->log_recordings = flag(settings_json, "log_recordings");
  return EH_OK;
}

EH_EXPORT void eh_plugin_shutdown(eh_context* ctx) {
  if (g_host == NULL) return;
  free(g_host->get_user_data(ctx));
  g_host->set_user_data(ctx, NULL);
}

/* ---- Messages ----------------------------------------------------------- */

typedef struct payload_view {
  const char* json;
  size_t size;
} payload_view;

static int field(payload_view p, const char* id, char* out, size_t size) {
  return json_field(p.json, p.size, id, out, size);
}

/* "News (#7)", "News", "#7", or "channel 12" from whatever is present. */
static void describe_channel(payload_view p, char* out, size_t size) {
  char name[128], number[32];
  int has_name = field(p, "channel_name", name, sizeof name);
  int has_number = field(p, "channel_number", number, sizeof number);
  if (has_name && has_number) {
    snprintf(out, size, "%s (#%s)", name, number);
  } else if (has_name) {
    snprintf(out, size, "%s", name);
  } else if (has_number) {
    snprintf(out, size, "#%s", number);
  } else if (field(p, "channel_id", number, sizeof number)) {
    snprintf(out, size, "channel %s", number);
  } else {
    snprintf(out, size, "(no channel details)");
  }
}

/* The file if known, else the channel, else the recording id. */
static void describe_recording(payload_view p, char* out, size_t size) {
  char value[512];
  if (field(p, "file_path", value, sizeof value) ||
      field(p, "channel_name", value, sizeof value)) {
    snprintf(out, size, "%s", value);
  } else if (field(p, "recording_id", value, sizeof value)) {
    snprintf(out, size, "recording %s", value);
  } else {
    snprintf(out, size, "(no recording details)");
  }
}

static void log_line(const eh_event* ev, eh_context* ctx, uint32_t severity,
                     const char* what, const char* details) {
  char line[1024];
  snprintf(line, sizeof line, "%s: %s", what, details);
  ev->host->log(ctx, severity, line);
}

static int32_t channel_event(const eh_event* ev, eh_context* ctx,
                             const char* what) {
  char details[256];
  payload_view p = {ev->payload, (size_t)ev->payload_size};
  if (!settings_of(ev->host, ctx)->log_channels) return EH_OK;
  describe_channel(p, details, sizeof details);
  log_line(ev, ctx, EH_LOG_INFO, what, details);
  return EH_OK;
}

static int32_t recording_event(const eh_event* ev, eh_context* ctx,
                               uint32_t severity, const char* what) {
  char details[600], reason[256];
  payload_view p = {ev->payload, (size_t)ev->payload_size};
  if (!settings_of(ev->host, ctx)->log_recordings) return EH_OK;
  describe_recording(p, details, sizeof details);
  if (field(p, "reason", reason, sizeof reason)) {
    size_t used = strlen(details);
    snprintf(details + used, sizeof details - used, " (%s)", reason);
  }
  log_line(ev, ctx, severity, what, details);
  return EH_OK;
}

/* ---- Handlers [any-thread, plugin-serial] ------------------------------- */

EH_EXPORT int32_t on_channel_created(const eh_event* ev, eh_context* ctx) {
  return channel_event(ev, ctx, "Channel created");
}

EH_EXPORT int32_t on_channel_updated(const eh_event* ev, eh_context* ctx) {
  return channel_event(ev, ctx, "Channel updated");
}

EH_EXPORT int32_t on_channel_deleted(const eh_event* ev, eh_context* ctx) {
  return channel_event(ev, ctx, "Channel deleted");
}

EH_EXPORT int32_t on_recording_started(const eh_event* ev, eh_context* ctx) {
  return recording_event(ev, ctx, EH_LOG_INFO, "Recording started");
}

EH_EXPORT int32_t on_recording_completed(const eh_event* ev, eh_context* ctx) {
  return recording_event(ev, ctx, EH_LOG_INFO, "Recording completed");
}

EH_EXPORT int32_t on_recording_interrupted(const eh_event* ev,
                                           eh_context* ctx) {
  return recording_event(ev, ctx, EH_LOG_WARN, "Recording interrupted");
}
