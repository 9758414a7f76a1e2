// Logging: level filter, JSON-lines default sink, C callback sink.
#include "engine/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

namespace uvk {

namespace {

struct LevelName {
  int level;
  const char *name;
};
const LevelName kLevels[] = {
    {UVK_LOG_NOTHING, "NOTHING"}, {UVK_LOG_ERROR, "ERROR"}, {UVK_LOG_WARN, "WARN"},
    {UVK_LOG_INFO, "INFO"},       {UVK_LOG_DEBUG, "DEBUG"},
};

void stderr_write(void *, const char *data, size_t len) { fwrite(data, 1, len, stderr); }

}  // namespace

bool log_level_parse(const char *s, int *level) {
  if (!s) return false;
  for (const LevelName &l : kLevels) {
    if (strcasecmp(s, l.name) == 0 || (s[0] == char('0' + l.level) && s[1] == '\0')) {
      *level = l.level;
      return true;
    }
  }
  return false;
}

const char *log_level_label(int level) {
  for (const LevelName &l : kLevels)
    if (l.level == level) return l.name;
  return nullptr;
}

int log_level_with_env(int configured) {
  int lv;
  if (log_level_parse(getenv("UVKAFKA_LOG_LEVEL"), &lv)) return lv;
  return configured;
}

void log_init(Logger *l, int configured_level, uvk_log_fn fn, void *ud, const Allocator *a) {
  l->level = log_level_with_env(configured_level);
  l->fn = fn;
  l->ud = ud;
  l->alloc = a;
}

void log_format_timestamp(int64_t ms, char *buf, size_t buflen) {
  time_t secs = time_t(ms / 1000);
  int frac = int(ms % 1000);
  if (frac < 0) {
    frac += 1000;
    secs -= 1;
  }
  struct tm tm;
  gmtime_r(&secs, &tm);
  // Formatted into a buffer big enough for any int fields, then copied: the caller's
  // buffer (24+ bytes for real dates) may be shorter than the worst case.
  char tmp[96];
  int n = snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  if (buflen == 0) return;
  size_t len = n < 0 ? 0 : size_t(n) < buflen ? size_t(n) : buflen - 1;
  memcpy(buf, tmp, len);
  buf[len] = '\0';
}

// ---- JSON output ------------------------------------------------------------------------

void json_flush(JsonOut *o) {
  if (o->len) o->write(o->wud, o->buf, o->len);
  o->len = 0;
}

void json_put_raw(JsonOut *o, const char *s, size_t n) {
  while (n) {
    if (o->len == sizeof o->buf) json_flush(o);
    size_t k = sizeof o->buf - o->len;
    if (k > n) k = n;
    memcpy(o->buf + o->len, s, k);
    o->len += k;
    s += k;
    n -= k;
  }
}

// Length of the valid UTF-8 sequence at p (1..4), or 0 when it is not valid.
static size_t utf8_seq_len(const unsigned char *p, size_t n) {
  unsigned char c = p[0];
  size_t len;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
    cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (n < len) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3f);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) return 0;
  if (cp >= 0xd800 && cp <= 0xdfff) return 0;  // surrogates are not characters
  return len;
}

void json_put_escaped(JsonOut *o, const char *s, size_t n) {
  const unsigned char *p = reinterpret_cast<const unsigned char *>(s);
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      size_t j = i + 1;
      while (j < n && p[j] >= 0x20 && p[j] != '"' && p[j] != '\\' && p[j] < 0x80) j++;
      json_put_raw(o, s + i, j - i);
      i = j;
      continue;
    }
    char esc[8];
    switch (c) {
      case '"': json_put_raw(o, "\\\"", 2); i++; continue;
      case '\\': json_put_raw(o, "\\\\", 2); i++; continue;
      case '\n': json_put_raw(o, "\\n", 2); i++; continue;
      case '\r': json_put_raw(o, "\\r", 2); i++; continue;
      case '\t': json_put_raw(o, "\\t", 2); i++; continue;
      case '\b': json_put_raw(o, "\\b", 2); i++; continue;
      case '\f': json_put_raw(o, "\\f", 2); i++; continue;
      default: break;
    }
    if (c < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", c);
      json_put_raw(o, esc, 6);
      i++;
      continue;
    }
    size_t len = utf8_seq_len(p + i, n - i);
    if (len == 0) {
      json_put_raw(o, "\\ufffd", 6);
      i++;
    } else {
      json_put_raw(o, s + i, len);
      i += len;
    }
  }
}

static void json_put_string(JsonOut *o, const char *s) {
  json_put_raw(o, "\"", 1);
  if (s) json_put_escaped(o, s, strlen(s));
  json_put_raw(o, "\"", 1);
}

static void json_put_member(JsonOut *o, const char *key, const char *value, bool raw) {
  json_put_raw(o, ",", 1);
  json_put_string(o, key);
  json_put_raw(o, ":", 1);
  if (raw && value && *value)
    json_put_raw(o, value, strlen(value));
  else
    json_put_string(o, value);
}

// ---- emit --------------------------------------------------------------------------------

void log_emitv(Logger *l, int level, const char *ns, const LogField *fields, size_t nfields,
               const char *fmt, va_list ap) {
  if (!log_enabled(l, level)) return;
  const char *label = log_level_label(level);
  if (!label) return;

  char small[512];
  char *msg = small;
  va_list ap2;
  va_copy(ap2, ap);
  int need = vsnprintf(small, sizeof small, fmt, ap);
  if (need < 0) {
    small[0] = '\0';
  } else if (size_t(need) >= sizeof small) {
    char *big = static_cast<char *>(mem_alloc(l->alloc, size_t(need) + 1));
    if (big) {  // on failure the truncated text in `small` is used
      vsnprintf(big, size_t(need) + 1, fmt, ap2);
      msg = big;
    }
  }
  va_end(ap2);

  if (nfields > kLogMaxFields) nfields = kLogMaxFields;
  if (!ns) ns = "";
  char ts[32];
  log_format_timestamp(l->clock ? l->clock(l->cud) : 0, ts, sizeof ts);

  if (l->fn) {
    const char *kv[2 * kLogMaxFields + 1];
    for (size_t i = 0; i < nfields; i++) {
      kv[2 * i] = fields[i].key ? fields[i].key : "";
      kv[2 * i + 1] = fields[i].value ? fields[i].value : "";
    }
    kv[2 * nfields] = nullptr;
    l->fn(l->ud, ns, level, label, ts, msg, kv, nfields);
  } else {
    JsonOut o;
    o.write = l->write ? l->write : stderr_write;
    o.wud = l->wud;
    json_put_raw(&o, "{\"level\":", 9);
    json_put_string(&o, label);
    json_put_member(&o, "timestamp", ts, false);
    json_put_member(&o, "logger", "uvkafka", false);
    json_put_member(&o, "namespace", ns, false);
    json_put_member(&o, "message", msg, false);
    for (size_t i = 0; i < nfields; i++)
      json_put_member(&o, fields[i].key ? fields[i].key : "", fields[i].value, fields[i].raw);
    json_put_raw(&o, "}\n", 2);
    json_flush(&o);
  }
  if (msg != small) mem_free(l->alloc, msg);
}

void log_emit(Logger *l, int level, const char *ns, const LogField *fields, size_t nfields,
              const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  log_emitv(l, level, ns, fields, nfields, fmt, ap);
  va_end(ap);
}

}  // namespace uvk
