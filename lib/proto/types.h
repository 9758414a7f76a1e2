// lib/proto/types.h: shared value types for the generated Kafka wire codecs (lib/proto/gen).
// Plain C-compatible structs, no STL. Decoders point Str/Bytes INTO the input buffer
// (no copying) and place Array items in an Arena.
#pragma once
#include <stdint.h>
#include <string.h>

namespace uvk {
namespace proto {

// UTF-8 string; data == nullptr means null (only legal for nullable fields).
struct Str {
    const char *data = nullptr;
    int32_t len = 0;
};

// A NUL-terminated string as a (non-null) Str; the caller keeps s alive while it is used.
inline Str cstr(const char *s) { return Str{s, int32_t(strlen(s))}; }

// Binary data ("bytes" and "records" fields); data == nullptr means null.
struct Bytes {
    const uint8_t *data = nullptr;
    int32_t len = 0;
};

// Array of T; count == -1 (with items == nullptr) means null for nullable arrays.
template <class T>
struct Array {
    T *items = nullptr;
    int32_t count = 0;
    bool is_null() const { return count < 0; }
};

struct Uuid {
    uint8_t b[16] = {};
};

} // namespace proto
} // namespace uvk
