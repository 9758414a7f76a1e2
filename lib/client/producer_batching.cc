// The default batching policy: how large a partition's next batch may get. It starts at
// batchSize and doubles (up to batchSizeMax) each time a batch fills up while earlier
// batches of the partition still wait for the broker; it halves back once the partition is
// idle and its batches stay small. So a partition the broker keeps up with sends what it has
// as soon as linger allows (latency), and one with a backlog sends fewer, larger batches,
// which is what the broker's cost per batch rewards (throughput); a seal packs what is
// queued into batches of up to batchSizeMax. Decided from the queue's
// own state at seal time: no clock.
#include "client/producer_internal.h"

namespace uvk {

size_t queue_batch_limit(const Producer *p, const PartitionQueue *q) {
  return q->batch_limit ? q->batch_limit : p->cfg.batch_size;
}

void queue_adapt_limit(const Producer *p, PartitionQueue *q) {
  size_t base = p->cfg.batch_size;
  size_t cap = q->batch_cap ? q->batch_cap : p->cfg.batch_size_max;
  if (cap < base) cap = base;
  size_t lim = queue_batch_limit(p, q);
  bool backlog = q->in_flight > 0 || q->ready != nullptr;
  if (backlog && q->bytes >= lim) lim = lim > cap / 2 ? cap : lim * 2;
  else if (!backlog && q->bytes < lim / 2) lim = lim / 2 > base ? lim / 2 : base;
  q->batch_limit = lim;
}

// What a seal cuts the queue into: everything queued leaves now, so a queue longer than the
// limit goes in batches as large as batchSizeMax allows; cutting it at the limit would only
// multiply the broker's per-batch and per-request cost without sending anything sooner.
size_t queue_seal_limit(const Producer *p, const PartitionQueue *q) {
  size_t lim = queue_batch_limit(p, q);
  size_t cap = q->batch_cap ? q->batch_cap : p->cfg.batch_size_max;
  size_t want = q->bytes < cap ? q->bytes : cap;
  return want > lim ? want : lim;
}

// A broker serves one request per connection at a time, so a batch sent while an earlier one
// of its partition is unanswered would only wait behind it on the broker: keeping it open
// until the answer costs no latency, and under a backlog (acks=all on a busy cluster) it
// turns many small requests, each paying a replication round, into one larger one. A full
// batch still leaves at once.
bool queue_hold(const PartitionQueue *q) { return q->in_flight > 0; }

void queue_batch_too_large(const Producer *p, PartitionQueue *q, size_t bytes) {
  size_t half = bytes / 2;
  q->batch_cap = half > p->cfg.batch_size ? half : p->cfg.batch_size;
  if (queue_batch_limit(p, q) > q->batch_cap) q->batch_limit = q->batch_cap;
}

}  // namespace uvk
