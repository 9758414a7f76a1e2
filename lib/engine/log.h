// Level-filtered logging with KafkaJS's levels, a default JSON-lines sink and a C callback.
//
// UVK_LOG(lg, UVK_LOG_INFO, "Connection", "connected to %s", addr) costs one compare when
// the level filters the entry out: the arguments are not even evaluated. An entry that
// passes is formatted into a stack buffer (heap only for messages over 512 bytes) and
// handed to the sink.
#pragma once
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "uvkafka/uvkafka.h"

namespace uvk {

// An extra field. `raw` values are written into the JSON as they are (numbers, true,
// false, null); others become JSON strings.
struct LogField {
  const char *key;
  const char *value;
  bool raw;
};

// At most this many extra fields reach a sink; more are dropped.
constexpr size_t kLogMaxFields = 16;

struct Logger {
  int level = UVK_LOG_INFO;  // effective level (after UVKAFKA_LOG_LEVEL)
  uvk_log_fn fn = nullptr;   // null: the default JSON sink
  void *ud = nullptr;
  const Allocator *alloc = nullptr;
  // Where the default sink writes a finished line (possibly in pieces); null: stderr.
  void (*write)(void *wud, const char *data, size_t len) = nullptr;
  void *wud = nullptr;
  // Wall-clock milliseconds since the epoch for timestamps (lib/capi sets the io layer's
  // io_wall_ms: the engine reads no clock); null: timestamps are the epoch.
  int64_t (*clock)(void *cud) = nullptr;
  void *cud = nullptr;
};

// Sets level, sink and allocator; UVKAFKA_LOG_LEVEL, when it holds a valid level, wins
// over `configured_level`.
void log_init(Logger *l, int configured_level, uvk_log_fn fn, void *ud, const Allocator *a);

// "NOTHING"/"ERROR"/"WARN"/"INFO"/"DEBUG" in any case, or "0","1","2","4","5".
bool log_level_parse(const char *s, int *level);
const char *log_level_label(int level);  // "INFO"; null for non-levels
// The level UVKAFKA_LOG_LEVEL selects, else `configured`.
int log_level_with_env(int configured);

inline bool log_enabled(const Logger *l, int level) {
  return level > UVK_LOG_NOTHING && level <= l->level;
}

void log_emit(Logger *l, int level, const char *ns, const LogField *fields, size_t nfields,
              const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;
void log_emitv(Logger *l, int level, const char *ns, const LogField *fields, size_t nfields,
               const char *fmt, va_list ap);

// "2017-12-29T13:39:54.575Z" into buf (at least 25 bytes).
void log_format_timestamp(int64_t ms_since_epoch, char *buf, size_t buflen);

// Appends `s` as JSON string contents (no quotes) through `out`; invalid UTF-8 becomes
// U+FFFD so the line is always valid JSON. Exposed for tests.
struct JsonOut {
  char buf[2048];
  size_t len = 0;
  void (*write)(void *wud, const char *data, size_t len) = nullptr;
  void *wud = nullptr;
};
void json_put_raw(JsonOut *o, const char *s, size_t n);
void json_put_escaped(JsonOut *o, const char *s, size_t n);
void json_flush(JsonOut *o);

}  // namespace uvk

#define UVK_LOG(lg, lvl, ns, ...)                                                   \
  do {                                                                              \
    if (::uvk::log_enabled((lg), (lvl))) ::uvk::log_emit((lg), (lvl), (ns), nullptr, 0, \
                                                         __VA_ARGS__);              \
  } while (0)

#define UVK_LOG_FIELDS(lg, lvl, ns, fields, nfields, ...)                              \
  do {                                                                                 \
    if (::uvk::log_enabled((lg), (lvl)))                                               \
      ::uvk::log_emit((lg), (lvl), (ns), (fields), (nfields), __VA_ARGS__);            \
  } while (0)
