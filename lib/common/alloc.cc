#include "common/alloc.h"

#include <stdlib.h>

namespace uvk {
namespace {
void *libc_malloc(void *, size_t n) { return malloc(n); }
void *libc_realloc(void *, void *p, size_t n) { return realloc(p, n); }
void libc_free(void *, void *p) { free(p); }
const Allocator kLibc = {libc_malloc, libc_realloc, libc_free, nullptr};
}  // namespace

const Allocator *default_allocator() { return &kLibc; }

}  // namespace uvk
