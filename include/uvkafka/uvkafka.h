/* uvkafka: a Kafka client on one libuv loop, with a C ABI.
 * This header compiles as C99 and as C++; nothing but plain C types crosses it. */
#ifndef UVKAFKA_H
#define UVKAFKA_H

#include <stddef.h>
#include <stdint.h>

#include "uvkafka/uvk_errors.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  define UVK_EXTERN __declspec(dllexport)
#elif defined(__GNUC__)
#  define UVK_EXTERN __attribute__((visibility("default")))
#else
#  define UVK_EXTERN
#endif

#define UVK_VERSION_MAJOR 0
#define UVK_VERSION_MINOR 1
#define UVK_VERSION_PATCH 0
/* 0xMMmmpp, comparable with < and >. */
#define UVK_VERSION_HEX ((UVK_VERSION_MAJOR << 16) | (UVK_VERSION_MINOR << 8) | UVK_VERSION_PATCH)

/* The library's version as "MAJOR.MINOR.PATCH". */
UVK_EXTERN const char *uvk_version(void);

#ifdef __cplusplus
}
#endif

#endif /* UVKAFKA_H */
