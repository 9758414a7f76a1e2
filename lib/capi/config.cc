// uvk_config: the C ABI setters and getters over the key table (config_table.cc).
#include "capi/config.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/log.h"

namespace uvk {

namespace {

const Allocator *cfg_alloc() { return default_allocator(); }

char *dup_str(const char *s, size_t n) {
  char *p = static_cast<char *>(mem_alloc(cfg_alloc(), n + 1));
  if (!p) return nullptr;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

template <typename T>
T *field(uvk_config *cfg, const ConfigKey *k) {
  return reinterpret_cast<T *>(reinterpret_cast<char *>(cfg) + k->offset);
}
template <typename T>
const T *field(const uvk_config *cfg, const ConfigKey *k) {
  return reinterpret_cast<const T *>(reinterpret_cast<const char *>(cfg) + k->offset);
}

void set_error(uvk_config *cfg, char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void set_error(uvk_config *cfg, char *errbuf, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cfg->last_error, sizeof cfg->last_error, fmt, ap);
  va_end(ap);
  if (errbuf && errlen) snprintf(errbuf, errlen, "%s", cfg->last_error);
}

bool parse_int(const char *s, int64_t *out) {
  if (!*s || isspace(static_cast<unsigned char>(*s))) return false;
  errno = 0;
  char *end;
  long long v = strtoll(s, &end, 10);
  if (errno || *end) return false;
  *out = v;
  return true;
}

bool parse_double(const char *s, double *out) {
  if (!*s || isspace(static_cast<unsigned char>(*s))) return false;
  errno = 0;
  char *end;
  double v = strtod(s, &end);
  if (errno || *end || !isfinite(v)) return false;
  *out = v;
  return true;
}

bool parse_bool(const char *s, bool *out) {
  static const char *const kTrue[] = {"true", "1", "yes", "on"};
  static const char *const kFalse[] = {"false", "0", "no", "off"};
  for (const char *t : kTrue)
    if (strcasecmp(s, t) == 0) return *out = true, true;
  for (const char *f : kFalse)
    if (strcasecmp(s, f) == 0) return *out = false, true;
  return false;
}

// The value a setter wants to store, before it is stored.
struct Value {
  int64_t i = 0;
  double d = 0;
  bool b = false;
  const char *s = nullptr;
};

void range_error(uvk_config *cfg, const ConfigKey *k, const char *got, char *errbuf,
                 size_t errlen) {
  if (k->type == ConfType::kDouble)
    set_error(cfg, errbuf, errlen, "%s: expected a number from %g to %g, got \"%s\"", k->name,
              k->min, k->max, got);
  else if (k->type == ConfType::kNullableInt)
    set_error(cfg, errbuf, errlen, "%s: expected an integer from %.0f to %.0f or null, got \"%s\"",
              k->name, k->min, k->max, got);
  else
    set_error(cfg, errbuf, errlen, "%s: expected an integer from %.0f to %.0f, got \"%s\"",
              k->name, k->min, k->max, got);
}

// Stores a checked value; the only place fields change.
int store(uvk_config *cfg, const ConfigKey *k, const Value &v, bool explicit_set, char *errbuf,
          size_t errlen) {
  switch (k->type) {
    case ConfType::kInt:
    case ConfType::kNullableInt:
    case ConfType::kLogLevel:
      *field<int64_t>(cfg, k) = v.i;
      break;
    case ConfType::kDouble:
      *field<double>(cfg, k) = v.d;
      break;
    case ConfType::kBool:
      *field<bool>(cfg, k) = v.b;
      break;
    case ConfType::kString: {
      char *copy = dup_str(v.s, strlen(v.s));
      if (!copy) {
        set_error(cfg, errbuf, errlen, "%s: out of memory", k->name);
        return UVK_ENOMEM;
      }
      if (k->flags & kKeyLowercase)
        for (char *p = copy; *p; p++) *p = char(tolower(static_cast<unsigned char>(*p)));
      char **slot = field<char *>(cfg, k);
      mem_free(cfg_alloc(), *slot);
      *slot = copy;
      break;
    }
    case ConfType::kBrokers: {
      uvk_brokers nb = {nullptr, 0, 0, cfg_alloc()};
      const char *p = v.s;
      char err[160];
      while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? size_t(comma - p) : strlen(p);
        int rc = brokers_add(&nb, p, len, err, sizeof err);
        if (rc != UVK_OK) {
          brokers_clear(&nb);
          set_error(cfg, errbuf, errlen, "%s: %s", k->name, err);
          return rc;
        }
        if (!comma) break;
        p = comma + 1;
        if (!*p) {
          brokers_clear(&nb);
          set_error(cfg, errbuf, errlen, "%s: empty entry after ','", k->name);
          return UVK_EINVAL;
        }
      }
      brokers_clear(&cfg->brokers);
      cfg->brokers = nb;
      cfg->brokers_cb = nullptr;
      cfg->brokers_ud = nullptr;
      break;
    }
  }
  if (explicit_set && strncmp(k->name, "retry.", 6) == 0) cfg->retry_explicit = true;
  if (explicit_set && (k->flags & kKeyImpliesSsl)) {
    bool nonempty = k->type != ConfType::kString || (v.s && *v.s);
    if (nonempty) cfg->ssl = true;
  }
  cfg->last_error[0] = '\0';
  if (errbuf && errlen) errbuf[0] = '\0';
  return UVK_OK;
}

int set_text(uvk_config *cfg, const ConfigKey *k, const char *text, bool explicit_set,
             char *errbuf, size_t errlen) {
  Value v;
  switch (k->type) {
    case ConfType::kInt:
    case ConfType::kNullableInt:
      if (k->type == ConfType::kNullableInt && (strcasecmp(text, "null") == 0 || !*text)) {
        v.i = -1;
        break;
      }
      if (!parse_int(text, &v.i) || double(v.i) < k->min || double(v.i) > k->max) {
        range_error(cfg, k, text, errbuf, errlen);
        return UVK_EINVAL;
      }
      break;
    case ConfType::kDouble:
      if (!parse_double(text, &v.d) || v.d < k->min || v.d > k->max) {
        range_error(cfg, k, text, errbuf, errlen);
        return UVK_EINVAL;
      }
      break;
    case ConfType::kBool:
      if (!parse_bool(text, &v.b)) {
        set_error(cfg, errbuf, errlen, "%s: expected true or false, got \"%s\"", k->name, text);
        return UVK_EINVAL;
      }
      break;
    case ConfType::kLogLevel: {
      int lv;
      if (!log_level_parse(text, &lv)) {
        set_error(cfg, errbuf, errlen,
                  "%s: expected one of NOTHING, ERROR, WARN, INFO, DEBUG (or 0, 1, 2, 4, 5), "
                  "got \"%s\"", k->name, text);
        return UVK_EINVAL;
      }
      v.i = lv;
      break;
    }
    case ConfType::kString:
      if (k->check) {
        char err[200];
        if (!k->check(text, err, sizeof err)) {
          set_error(cfg, errbuf, errlen, "%s: %s", k->name, err);
          return UVK_EINVAL;
        }
      }
      v.s = text;
      break;
    case ConfType::kBrokers:
      v.s = text;
      break;
  }
  return store(cfg, k, v, explicit_set, errbuf, errlen);
}

// Lower-case letters and digits only: "linger.ms", "Linger" and "LINGER_MS" compare alike.
size_t key_letters(const char *s, char *out, size_t cap) {
  size_t n = 0;
  for (; *s && n + 1 < cap; s++)
    if (isalnum(static_cast<unsigned char>(*s))) out[n++] = char(tolower(static_cast<unsigned char>(*s)));
  out[n] = '\0';
  return n;
}

// Levenshtein distance of two short strings (at most 63 characters each).
size_t edit_distance(const char *a, size_t na, const char *b, size_t nb) {
  size_t row[64];
  for (size_t j = 0; j <= nb; j++) row[j] = j;
  for (size_t i = 1; i <= na; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= nb; j++) {
      size_t up = row[j];
      size_t best = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[nb];
}

}  // namespace

const char *config_suggest_key(const char *key) {
  char want[64], have[64];
  size_t nw = key_letters(key, want, sizeof want);
  if (nw == 0) return nullptr;
  const char *best = nullptr;
  size_t best_d = SIZE_MAX;
  for (size_t t = 0; t < kConfigTableCount; t++)
    for (size_t i = 0; i < kConfigTables[t].n; i++) {
      const char *name = kConfigTables[t].keys[i].name;
      size_t nh = key_letters(name, have, sizeof have);
      if (nh == 0) continue;
      size_t d = edit_distance(want, nw, have, nh);
      // A suffix other clients add ("linger.ms", "sessionTimeoutMs") is no typo.
      if (d > 0 && nw > nh && strncmp(want, have, nh) == 0 && (!strcmp(want + nh, "ms") || !strcmp(want + nh, "s")))
        d = 0;
      if (d < best_d) best_d = d, best = name;
    }
  // Close enough to be the same word: two edits, or a third of a long name.
  return best && (best_d <= 2 || best_d * 3 <= nw) ? best : nullptr;
}

namespace {

const ConfigKey *lookup(uvk_config *cfg, const char *key, char *errbuf, size_t errlen) {
  const ConfigKey *k = key ? config_find_key(key) : nullptr;
  if (k) return k;
  if (!key) {
    set_error(cfg, errbuf, errlen, "configuration key is NULL");
    return nullptr;
  }
  if (const char *near = config_suggest_key(key)) {
    set_error(cfg, errbuf, errlen, "unknown configuration key \"%s\" (did you mean \"%s\"?)", key, near);
    return nullptr;
  }
  set_error(cfg, errbuf, errlen, "unknown configuration key \"%s\"", key);
  return nullptr;
}

void type_error(uvk_config *cfg, const ConfigKey *k, const char *given) {
  set_error(cfg, nullptr, 0, "%s: is a%s %s, not a%s %s", k->name,
            k->type == ConfType::kInt || k->type == ConfType::kNullableInt ? "n" : "",
            config_type_name(k->type), given[0] == 'i' ? "n" : "", given);
}

// Frees every owned pointer; leaves the struct otherwise as it was.
void free_owned(uvk_config *cfg) {
  for (size_t t = 0; t < kConfigTableCount; t++)
    for (size_t i = 0; i < kConfigTables[t].n; i++) {
      const ConfigKey *k = &kConfigTables[t].keys[i];
      if (k->type != ConfType::kString) continue;
      char **slot = field<char *>(cfg, k);
      mem_free(cfg_alloc(), *slot);
      *slot = nullptr;
    }
  brokers_clear(&cfg->brokers);
}

}  // namespace

const char *config_type_name(ConfType t) {
  switch (t) {
    case ConfType::kInt: return "integer";
    case ConfType::kNullableInt: return "integer or null";
    case ConfType::kDouble: return "number";
    case ConfType::kBool: return "boolean";
    case ConfType::kString: return "string";
    case ConfType::kLogLevel: return "log level";
    case ConfType::kBrokers: return "broker list";
  }
  return "?";
}

const ConfigKey *config_find_key(const char *name) {
  for (size_t t = 0; t < kConfigTableCount; t++)
    for (size_t i = 0; i < kConfigTables[t].n; i++)
      if (strcmp(kConfigTables[t].keys[i].name, name) == 0) return &kConfigTables[t].keys[i];
  return nullptr;
}

RetryOptions config_retry_options(const uvk_config *cfg) {
  RetryOptions o;
  o.max_retry_time = cfg->retry_max_retry_time;
  o.initial_retry_time = cfg->retry_initial_retry_time;
  o.factor = cfg->retry_factor;
  o.multiplier = cfg->retry_multiplier;
  o.retries = int32_t(cfg->retry_retries);
  return o;
}

bool config_version_cap(const uvk_config *cfg, int *major, int *minor, int *patch) {
  const char *v = cfg->protocol_version_cap;
  if (!v || !*v) return false;
  int parts[3] = {0, 0, 0};
  int n = sscanf(v, "%d.%d.%d", &parts[0], &parts[1], &parts[2]);
  if (n < 2) return false;
  *major = parts[0];
  *minor = parts[1];
  *patch = parts[2];
  return true;
}

const Allocator *config_allocator(const uvk_config *cfg) {
  return cfg->has_allocator ? &cfg->allocator : nullptr;
}

int config_bootstrap_brokers(const uvk_config *cfg, uvk_brokers *out) {
  if (cfg->brokers_cb) {
    int rc = cfg->brokers_cb(cfg->brokers_ud, out);
    if (rc != 0) {
      brokers_clear(out);
      return rc < 0 ? rc : UVK_ECONNECT;
    }
    return out->n ? UVK_OK : UVK_EINVAL;
  }
  return brokers_copy(out, &cfg->brokers);
}

}  // namespace uvk

using namespace uvk;

// ---- C ABI -------------------------------------------------------------------------------

uvk_config *uvk_config_new(void) {
  auto *cfg = static_cast<uvk_config *>(mem_alloc(cfg_alloc(), sizeof(uvk_config)));
  if (!cfg) return nullptr;
  memset(cfg, 0, sizeof *cfg);
  cfg->brokers.alloc = cfg_alloc();
  for (size_t t = 0; t < kConfigTableCount; t++)
    for (size_t i = 0; i < kConfigTables[t].n; i++) {
      const ConfigKey *k = &kConfigTables[t].keys[i];
      if (set_text(cfg, k, k->def, false, nullptr, 0) != UVK_OK) {
        uvk_config_free(cfg);
        return nullptr;
      }
    }
  return cfg;
}

void uvk_config_free(uvk_config *cfg) {
  if (!cfg) return;
  free_owned(cfg);
  mem_free(cfg_alloc(), cfg);
}

uvk_config *uvk_config_dup(const uvk_config *src) {
  if (!src) return nullptr;
  auto *cfg = static_cast<uvk_config *>(mem_alloc(cfg_alloc(), sizeof(uvk_config)));
  if (!cfg) return nullptr;
  memcpy(cfg, src, sizeof *cfg);
  // Drop the borrowed pointers first so a failure half-way frees only our copies.
  cfg->brokers = uvk_brokers{nullptr, 0, 0, cfg_alloc()};
  for (size_t t = 0; t < kConfigTableCount; t++)
    for (size_t i = 0; i < kConfigTables[t].n; i++) {
      const ConfigKey *k = &kConfigTables[t].keys[i];
      if (k->type == ConfType::kString) *field<char *>(cfg, k) = nullptr;
    }
  bool ok = brokers_copy(&cfg->brokers, &src->brokers) == UVK_OK;
  for (size_t t = 0; ok && t < kConfigTableCount; t++)
    for (size_t i = 0; ok && i < kConfigTables[t].n; i++) {
      const ConfigKey *k = &kConfigTables[t].keys[i];
      if (k->type != ConfType::kString) continue;
      const char *s = *field<char *>(src, k);
      if (!s) continue;
      char *c = dup_str(s, strlen(s));
      if (!c) ok = false;
      *field<char *>(cfg, k) = c;
    }
  if (!ok) {
    uvk_config_free(cfg);
    return nullptr;
  }
  return cfg;
}

int uvk_config_set(uvk_config *cfg, const char *key, const char *value, char *errbuf,
                   size_t errlen) {
  if (!cfg) {
    if (errbuf && errlen) snprintf(errbuf, errlen, "config is NULL");
    return UVK_EINVAL;
  }
  const ConfigKey *k = lookup(cfg, key, errbuf, errlen);
  if (!k) return UVK_EINVAL;
  if (!value) {
    set_error(cfg, errbuf, errlen, "%s: value is NULL", k->name);
    return UVK_EINVAL;
  }
  return set_text(cfg, k, value, true, errbuf, errlen);
}

int uvk_config_set_int(uvk_config *cfg, const char *key, int64_t value) {
  if (!cfg) return UVK_EINVAL;
  const ConfigKey *k = lookup(cfg, key, nullptr, 0);
  if (!k) return UVK_EINVAL;
  char text[32];
  snprintf(text, sizeof text, "%lld", static_cast<long long>(value));
  Value v;
  switch (k->type) {
    case ConfType::kNullableInt:
      if (value == -1) {
        v.i = -1;
        return store(cfg, k, v, true, nullptr, 0);
      }
      /* fall through */
    case ConfType::kInt:
      if (double(value) < k->min || double(value) > k->max) break;
      v.i = value;
      return store(cfg, k, v, true, nullptr, 0);
    case ConfType::kDouble:
      if (double(value) < k->min || double(value) > k->max) break;
      v.d = double(value);
      return store(cfg, k, v, true, nullptr, 0);
    case ConfType::kLogLevel:
      return set_text(cfg, k, text, true, nullptr, 0);
    default:
      type_error(cfg, k, "integer");
      return UVK_EINVAL;
  }
  range_error(cfg, k, text, nullptr, 0);
  return UVK_EINVAL;
}

int uvk_config_set_double(uvk_config *cfg, const char *key, double value) {
  if (!cfg) return UVK_EINVAL;
  const ConfigKey *k = lookup(cfg, key, nullptr, 0);
  if (!k) return UVK_EINVAL;
  char text[40];
  snprintf(text, sizeof text, "%g", value);
  Value v;
  if (k->type == ConfType::kDouble) {
    if (!isfinite(value) || value < k->min || value > k->max) {
      range_error(cfg, k, text, nullptr, 0);
      return UVK_EINVAL;
    }
    v.d = value;
    return store(cfg, k, v, true, nullptr, 0);
  }
  if (k->type == ConfType::kInt || k->type == ConfType::kNullableInt) {
    if (!isfinite(value) || value != floor(value) || value < k->min || value > k->max) {
      range_error(cfg, k, text, nullptr, 0);
      return UVK_EINVAL;
    }
    v.i = int64_t(value);
    return store(cfg, k, v, true, nullptr, 0);
  }
  type_error(cfg, k, "number");
  return UVK_EINVAL;
}

int uvk_config_set_bool(uvk_config *cfg, const char *key, int value) {
  if (!cfg) return UVK_EINVAL;
  const ConfigKey *k = lookup(cfg, key, nullptr, 0);
  if (!k) return UVK_EINVAL;
  if (k->type != ConfType::kBool) {
    type_error(cfg, k, "boolean");
    return UVK_EINVAL;
  }
  Value v;
  v.b = value != 0;
  return store(cfg, k, v, true, nullptr, 0);
}

int uvk_config_set_str(uvk_config *cfg, const char *key, const char *value) {
  if (!cfg) return UVK_EINVAL;
  const ConfigKey *k = lookup(cfg, key, nullptr, 0);
  if (!k) return UVK_EINVAL;
  if (k->type != ConfType::kString && k->type != ConfType::kBrokers &&
      k->type != ConfType::kLogLevel) {
    type_error(cfg, k, "string");
    return UVK_EINVAL;
  }
  if (!value) {
    set_error(cfg, nullptr, 0, "%s: value is NULL", k->name);
    return UVK_EINVAL;
  }
  return set_text(cfg, k, value, true, nullptr, 0);
}

const char *uvk_config_last_error(const uvk_config *cfg) { return cfg ? cfg->last_error : ""; }

int uvk_config_get(const uvk_config *cfg, const char *key, char *buf, size_t buflen) {
  if (!cfg || !key) return UVK_EINVAL;
  const ConfigKey *k = config_find_key(key);
  if (!k) return UVK_EINVAL;
  char tmp[64];
  const char *text = tmp;
  switch (k->type) {
    case ConfType::kInt:
      snprintf(tmp, sizeof tmp, "%lld", static_cast<long long>(*field<int64_t>(cfg, k)));
      break;
    case ConfType::kNullableInt: {
      int64_t v = *field<int64_t>(cfg, k);
      if (v < 0)
        text = "null";
      else
        snprintf(tmp, sizeof tmp, "%lld", static_cast<long long>(v));
      break;
    }
    case ConfType::kDouble:
      snprintf(tmp, sizeof tmp, "%.17g", *field<double>(cfg, k));
      // Shortest text that reads back the same ("0.2", not "0.20000000000000001").
      for (int prec = 1; prec <= 17; prec++) {
        char t2[64];
        snprintf(t2, sizeof t2, "%.*g", prec, *field<double>(cfg, k));
        if (strtod(t2, nullptr) == *field<double>(cfg, k)) {
          memcpy(tmp, t2, sizeof tmp);
          break;
        }
      }
      break;
    case ConfType::kBool:
      text = *field<bool>(cfg, k) ? "true" : "false";
      break;
    case ConfType::kLogLevel:
      text = log_level_label(int(*field<int64_t>(cfg, k)));
      break;
    case ConfType::kString: {
      const char *s = *field<char *>(cfg, k);
      if (!s) s = "";
      text = (k->flags & kKeySecret) && *s ? "***" : s;
      break;
    }
    case ConfType::kBrokers: {
      // host:port joined by commas, IPv6 hosts in brackets; truncated like snprintf.
      size_t need = 0;
      auto put = [&](const char *piece) {
        for (const char *p = piece; *p; p++, need++)
          if (buf && need + 1 < buflen) buf[need] = *p;
      };
      for (size_t i = 0; i < cfg->brokers.n; i++) {
        const HostPort &h = cfg->brokers.items[i];
        bool v6 = strchr(h.host, ':') != nullptr;
        char port[16];
        snprintf(port, sizeof port, ":%u", unsigned(h.port));
        if (i) put(",");
        if (v6) put("[");
        put(h.host);
        if (v6) put("]");
        put(port);
      }
      if (buf && buflen) buf[need < buflen ? need : buflen - 1] = '\0';
      return int(need);
    }
  }
  if (!text) text = "";
  if (buf && buflen) snprintf(buf, buflen, "%s", text);
  return int(strlen(text));
}

int uvk_config_set_brokers(uvk_config *cfg, const char *const *brokers, size_t n) {
  if (!cfg || (n && !brokers)) return UVK_EINVAL;
  uvk_brokers nb = {nullptr, 0, 0, cfg_alloc()};
  char err[160];
  for (size_t i = 0; i < n; i++) {
    int rc = brokers[i] ? brokers_add(&nb, brokers[i], strlen(brokers[i]), err, sizeof err)
                        : UVK_EINVAL;
    if (rc != UVK_OK) {
      brokers_clear(&nb);
      set_error(cfg, nullptr, 0, "brokers: %s", brokers[i] ? err : "NULL entry");
      return rc;
    }
  }
  brokers_clear(&cfg->brokers);
  cfg->brokers = nb;
  cfg->brokers_cb = nullptr;
  cfg->brokers_ud = nullptr;
  cfg->last_error[0] = '\0';
  return UVK_OK;
}

int uvk_config_set_brokers_cb(uvk_config *cfg, uvk_brokers_fn fn, void *ud) {
  if (!cfg || !fn) return UVK_EINVAL;
  brokers_clear(&cfg->brokers);
  cfg->brokers_cb = fn;
  cfg->brokers_ud = ud;
  return UVK_OK;
}

int uvk_brokers_add(uvk_brokers *out, const char *host_port) {
  if (!out || !host_port) return UVK_EINVAL;
  char err[160];
  return brokers_add(out, host_port, strlen(host_port), err, sizeof err);
}

int uvk_config_set_stats_cb(uvk_config *cfg, uvk_stats_fn fn, void *ud) {
  if (!cfg) return UVK_EINVAL;
  cfg->stats_fn = fn;
  cfg->stats_ud = fn ? ud : nullptr;
  return UVK_OK;
}

int uvk_config_set_logger(uvk_config *cfg, uvk_log_fn fn, void *ud) {
  if (!cfg) return UVK_EINVAL;
  cfg->log_fn = fn;
  cfg->log_ud = fn ? ud : nullptr;
  return UVK_OK;
}

int uvk_config_set_sasl_mechanism(uvk_config *cfg, const char *name, uvk_sasl_step_fn fn, void *ud) {
  if (!cfg) return UVK_EINVAL;
  if (!fn) {
    cfg->sasl_custom_name[0] = '\0';
    cfg->sasl_custom_fn = nullptr;
    cfg->sasl_custom_ud = nullptr;
    return UVK_OK;
  }
  // Kafka's mechanism names: upper-case letters, digits, '-' and '_' (RFC 4422), at most 20.
  size_t n = name ? strlen(name) : 0;
  if (n == 0 || n > 20) return UVK_EINVAL;
  for (size_t i = 0; i < n; i++) {
    char ch = name[i];
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')) return UVK_EINVAL;
  }
  memcpy(cfg->sasl_custom_name, name, n + 1);
  cfg->sasl_custom_fn = fn;
  cfg->sasl_custom_ud = ud;
  return UVK_OK;
}

int uvk_config_set_oauthbearer_provider(uvk_config *cfg, uvk_oauthbearer_fn fn, void *ud) {
  if (!cfg) return UVK_EINVAL;
  cfg->oauthbearer_fn = fn;
  cfg->oauthbearer_ud = fn ? ud : nullptr;
  return UVK_OK;
}

int uvk_config_set_allocator(uvk_config *cfg, uvk_malloc_fn malloc_fn, uvk_realloc_fn realloc_fn,
                             uvk_free_fn free_fn, void *ud) {
  if (!cfg) return UVK_EINVAL;
  if (!malloc_fn && !realloc_fn && !free_fn) {
    cfg->has_allocator = false;
    cfg->allocator = Allocator{nullptr, nullptr, nullptr, nullptr};
    return UVK_OK;
  }
  if (!malloc_fn || !realloc_fn || !free_fn) {
    set_error(cfg, nullptr, 0, "allocator: malloc, realloc and free must all be set (or all NULL)");
    return UVK_EINVAL;
  }
  cfg->has_allocator = true;
  cfg->allocator = Allocator{malloc_fn, realloc_fn, free_fn, ud};
  return UVK_OK;
}

int uvk_config_set_socket_factory(uvk_config *cfg, uvk_socket_open_fn open,
                                  uvk_socket_release_fn release, void *ud) {
  if (!cfg || (!open) != (!release)) {
    if (cfg) set_error(cfg, nullptr, 0, "socket factory: open and release must both be set");
    return UVK_EINVAL;
  }
  cfg->socket_open = open;
  cfg->socket_release = release;
  cfg->socket_ud = open ? ud : nullptr;
  return UVK_OK;
}
