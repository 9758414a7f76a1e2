// NUL-terminated string copies in an arena: the one way the client keeps a name that must
// outlive the caller's buffer or the received frame.
#pragma once
#include <stddef.h>
#include <string.h>

#include "common/arena.h"

namespace uvk {

// A copy of n bytes of s (s may be null when n is 0) and a NUL; nullptr when memory runs out.
inline char *arena_strndup(Arena *a, const char *s, size_t n) {
  char *d = static_cast<char *>(arena_alloc(a, n + 1, 1));
  if (d && n) memcpy(d, s, n);
  return d;  // arena memory is zero-filled: the NUL is there
}

inline char *arena_strdup(Arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

}  // namespace uvk
