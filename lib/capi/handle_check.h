// Freed-handle markers: each C ABI handle starts with a magic word that its free poisons,
// so a call on a freed handle stops with a message naming the call instead of corrupting
// memory silently (builds without NDEBUG; the default debugoptimized build has them).
#pragma once
#include <stdint.h>

namespace uvk {

inline constexpr uint32_t kMagicClient = 0x75766b43u;    // "uvkC"
inline constexpr uint32_t kMagicProducer = 0x75766b50u;  // "uvkP"
inline constexpr uint32_t kMagicConsumer = 0x75766b4eu;  // "uvkN"
inline constexpr uint32_t kMagicAdmin = 0x75766b41u;     // "uvkA"
inline constexpr uint32_t kMagicShare = 0x75766b53u;     // "uvkS"
inline constexpr uint32_t kMagicFreed = 0x66726565u;     // "free": uvk_*_free was called

// Prints what went wrong (a freed or foreign handle) and aborts.
[[noreturn]] void handle_check_failed(const char *call, const char *type, const void *h, uint32_t magic);

}  // namespace uvk

#ifndef NDEBUG
#define UVK_CHECK_HANDLE(h, want, type)                                                       \
  do {                                                                                        \
    if ((h) && (h)->magic != (want)) uvk::handle_check_failed(__func__, type, (h), (h)->magic); \
  } while (0)
#else
#define UVK_CHECK_HANDLE(h, want, type) ((void)0)
#endif
