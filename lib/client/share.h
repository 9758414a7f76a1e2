// The share consumer's engine side (KIP-932): membership by ShareGroupHeartbeat (the broker
// assigns partitions, the member id is the client's own), ShareFetch per partition leader in
// a share session (acknowledgements of the records handled since ride on it), ShareAcknowledge
// when acknowledgements wait and no fetch is due, records handed to the application's
// handler with their delivery count, and a close that releases what was not handled.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "engine/retry.h"
#include "uvkafka/uvkafka.h"

namespace uvk {

struct ShareConfig {
  const char *group_id = nullptr;  // required; copied
  int32_t heartbeat_interval = 3000;  // until the broker says
  int32_t max_wait_ms = 5000;
  int32_t min_bytes = 1;
  int32_t max_bytes = 10485760;
  RetryOptions retry;
};

struct ShareConsumer;

struct ShareHooks {
  void *owner = nullptr;  // handed to handlers as the uvk_share_consumer *
  void (*crashed)(void *owner, const uvk_error *err) = nullptr;
  // Acknowledgements ended (err null: done); offsets borrowed for the call.
  void (*acked)(void *owner, const char *topic, int32_t partition, const int64_t *offsets, size_t n,
                const uvk_error *err) = nullptr;
};

typedef void (*ShareDoneFn)(void *ud, const uvk_error *err);

// 0 and *out, UVK_EINVAL (no group id) or UVK_ENOMEM.
int share_new(Engine *e, const ShareConfig &cfg, const ShareHooks &hooks, const Allocator *a, ShareConsumer **out);
// A close callback still waiting runs with UVK_ECLOSED; requests in flight complete into
// nothing. Not from inside its own callbacks (the C ABI defers it: share_detach first).
void share_free(ShareConsumer *s);
void share_detach(ShareConsumer *s);
int share_subscribe(ShareConsumer *s, const char *topic);
int share_run(ShareConsumer *s, const uvk_share_run_options &opts, uint64_t now);
int share_ack(ShareConsumer *s, const char *topic, int32_t partition, int64_t offset, int type, uint64_t now);
size_t share_held(const ShareConsumer *s);
int share_close(ShareConsumer *s, ShareDoneFn fn, void *ud, uint64_t now);
const char *share_member_id(const ShareConsumer *s);
int32_t share_member_epoch(const ShareConsumer *s);
size_t share_assignment(const ShareConsumer *s, uvk_topic_partition *out, size_t cap);

}  // namespace uvk
