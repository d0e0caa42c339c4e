/* json_field -- see json_field.h. Every read checks the cursor against the
 * end of the buffer, so a truncated or hostile payload ends the walk. */
#include "json_field.h"

#include <string.h>

typedef struct cursor {
  const char* p;
  const char* end;
} cursor;

static int at(const cursor* c, char ch) { return c->p < c->end && *c->p == ch; }

static void skip_ws(cursor* c) {
  while (c->p < c->end &&
         (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) {
    ++c->p;
  }
}

/* At an opening quote: moves past the closing one. 0 if unterminated. */
static int skip_string(cursor* c) {
  for (++c->p; c->p < c->end; ++c->p) {
    if (*c->p == '\\') {
      ++c->p;
    } else if (*c->p == '"') {
      ++c->p;
      return 1;
    }
  }
  return 0;
}

/* Skips any value up to the ',' or '}' that ends it at this level, passing
 * over nested objects, arrays and strings (which may hold brackets). 0 if
 * the text ends first. */
static int skip_value(cursor* c) {
  int depth = 0;
  while (c->p < c->end) {
    char ch = *c->p;
    if (ch == '"') {
      if (!skip_string(c)) return 0;
      continue;
    }
    if (depth == 0 && (ch == ',' || ch == '}')) return 1;
    if (ch == '{' || ch == '[') ++depth;
    if ((ch == '}' || ch == ']') && --depth < 0) return 0;
    ++c->p;
  }
  return 0;
}

static char unescape(char ch) {
  switch (ch) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    default:
      return ch; /* \" \\ \/; \uXXXX keeps the 'u' and the digits */
  }
}

static int copy_string(cursor* c, char* out, size_t out_size) {
  size_t n = 0;
  for (++c->p; c->p < c->end && *c->p != '"'; ++c->p) {
    char ch = *c->p;
    if (ch == '\\' && c->p + 1 < c->end) ch = unescape(*++c->p);
    if (n + 1 < out_size) out[n++] = ch;
  }
  out[n] = '\0';
  return c->p < c->end;
}

static int copy_literal(cursor* c, char* out, size_t out_size) {
  size_t n = 0;
  const char* start = c->p;
  while (c->p < c->end && strchr(",}] \t\r\n", *c->p) == NULL) {
    if (n + 1 < out_size) out[n++] = *c->p;
    ++c->p;
  }
  out[n] = '\0';
  return c->p > start && strcmp(out, "null") != 0;
}

int json_field(const char* json, size_t size, const char* field, char* out,
               size_t out_size) {
  cursor c = {json, json + size};
  size_t field_len = strlen(field);
  if (out_size == 0) return 0;
  out[0] = '\0';
  skip_ws(&c);
  if (!at(&c, '{')) return 0;
  ++c.p;
  for (;;) {
    const char* key;
    size_t key_len;
    skip_ws(&c);
    if (!at(&c, '"')) return 0; /* '}' (end) or malformed */
    key = c.p + 1;
    if (!skip_string(&c)) return 0;
    key_len = (size_t)(c.p - 1 - key);
    skip_ws(&c);
    if (!at(&c, ':')) return 0;
    ++c.p;
    skip_ws(&c);
    if (key_len == field_len && memcmp(key, field, field_len) == 0) {
      if (at(&c, '"')) return copy_string(&c, out, out_size);
      if (at(&c, '{') || at(&c, '[')) return 0;
      return copy_literal(&c, out, out_size);
    }
    if (!skip_value(&c)) return 0;
    skip_ws(&c);
    if (!at(&c, ',')) return 0;
    ++c.p;
  }
}
