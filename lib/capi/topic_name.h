// Kafka's rule for topic names (what the broker enforces on create): 1 to 249 characters,
// each an ASCII letter or digit, '.', '_' or '-', and not "." or "..". A name outside it
// can never exist on a broker, so the C ABI refuses it at the call with UVK_EINVAL
// (bytes that are not UTF-8 included) instead of failing later in a metadata round trip.
#pragma once
#include <string.h>

namespace uvk {

inline bool kafka_topic_name_ok(const char *name) {
  size_t n = name ? strlen(name) : 0;
  if (n == 0 || n > 249 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) return false;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace uvk
