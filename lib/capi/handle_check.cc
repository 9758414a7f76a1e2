// The message of a failed freed-handle check (handle_check.h).
#include "capi/handle_check.h"

#include <stdio.h>
#include <stdlib.h>

namespace uvk {

void handle_check_failed(const char *call, const char *type, const void *h, uint32_t magic) {
  fprintf(stderr, "uvkafka: %s() called on %s %s %p\n", call, magic == kMagicFreed ? "a freed" : "an invalid", type, h);
  fflush(stderr);
  abort();
}

}  // namespace uvk
