/*
 * json_field -- reads one top-level scalar field out of a JSON object text,
 * without allocating and without trusting the input.
 *
 * Enough for a C plugin that wants a name or a number from a payload; it is
 * not a JSON parser. It walks the object once, skipping nested values, and
 * stops at the end of the buffer whatever the text says. Thread-safe: it
 * keeps no state.
 */
#ifndef EVENT_LOGGER_JSON_FIELD_H
#define EVENT_LOGGER_JSON_FIELD_H

#include <stddef.h>

/* Copies the value of top-level `field` of the object in json[0..size) into
 * out (NUL-terminated, truncated to out_size - 1 bytes). Strings are copied
 * unquoted with simple escapes decoded; numbers and booleans as written.
 * Returns 1 if found, 0 if absent, null, an object or array, or if the text
 * is malformed before the field is reached. */
int json_field(const char* json, size_t size, const char* field, char* out,
               size_t out_size);

#endif /* EVENT_LOGGER_JSON_FIELD_H */
