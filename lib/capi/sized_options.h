// Options structs that start with `size_t struct_size` (the ABI note in uvkafka.h): the
// application may have been compiled against an older header, so only the first
// struct_size bytes are its own; the fields after them keep the library's defaults.
#pragma once

#include <stddef.h>
#include <string.h>

#include "uvkafka/uvkafka.h"

namespace uvk {

// The size of each options struct in the first release: nothing smaller is valid.
constexpr size_t kSendOptionsMinSize = offsetof(uvk_send_options, borrow) + sizeof(int);
constexpr size_t kRunOptionsMinSize =
    offsetof(uvk_run_options, partitions_consumed_concurrently) + sizeof(int);
constexpr size_t kTopicOptionsMinSize = offsetof(uvk_admin_topic_options, timeout) + sizeof(int32_t);

// Overlays the application's `in` (NULL: keep the defaults) on `out`, which already holds
// the defaults. UVK_EINVAL when struct_size says the struct was never initialised,
// UVK_EUNSUPPORTED when it comes from a header newer than this library.
template <typename T>
int adopt_sized_options(const T *in, size_t min_size, T *out) {
  if (!in) return UVK_OK;
  if (in->struct_size < min_size) return UVK_EINVAL;
  if (in->struct_size > sizeof(T)) return UVK_EUNSUPPORTED;
  memcpy(static_cast<void *>(out), in, in->struct_size);
  out->struct_size = sizeof(T);
  return UVK_OK;
}

}  // namespace uvk
