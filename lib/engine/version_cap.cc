#include <stdint.h>

#include "engine/version_table.h"

namespace uvk {

static long release_order(int major, int minor, int patch) {
  return (long(major) * 1000 + minor) * 1000 + patch;
}

const KafkaRelease *version_table_find(int major, int minor, int patch) {
  if (major != 0) patch = 0;
  long want = release_order(major, minor, patch);
  const KafkaRelease *last = &kVersionTable[kVersionTableReleases - 1];
  // Newer than the newest release we know: nothing to cap.
  if (want > release_order(last->major, last->minor, last->patch)) return nullptr;
  const KafkaRelease *best = &kVersionTable[0];
  for (int i = 0; i < kVersionTableReleases; i++) {
    const KafkaRelease *r = &kVersionTable[i];
    if (release_order(r->major, r->minor, r->patch) <= want) best = r;
  }
  return best;
}

int16_t version_cap(const KafkaRelease *rel, int16_t api_key) {
  if (!rel || api_key < 0 || api_key >= kVersionTableApis) return INT16_MAX;
  return rel->max_version[api_key];
}

}  // namespace uvk
