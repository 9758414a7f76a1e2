// Kafka's rule for topic names (what the broker enforces on create): 1 to 249 characters,
// each an ASCII letter or digit, '.', '_' or '-', and not "." or "..". A name outside it
// can never exist on a broker, so the C ABI refuses it at the call with UVK_EINVAL
// (bytes that are not UTF-8 included) instead of failing later in a metadata round trip;
// uvk_name_check (names.cc) says which rule a name breaks.
#pragma once
#include <string.h>

namespace uvk {

// The index of the first character outside the allowed set (strlen(name) when none is).
inline size_t kafka_topic_name_bad_at(const char *name) {
  size_t i = 0;
  for (; name[i]; i++) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    if (!ok) break;
  }
  return i;
}

inline bool kafka_topic_name_ok(const char *name) {
  size_t n = name ? strlen(name) : 0;
  if (n == 0 || n > 249 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) return false;
  return kafka_topic_name_bad_at(name) == n;
}

}  // namespace uvk
