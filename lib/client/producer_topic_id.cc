// Topic ids on the producer side (Produce v13 names topics by id): the ids a request is sent
// with, and a topic deleted and created again under the same name noticed by its new id.
#include "client/producer.h"
#include "client/producer_internal.h"

#include <string.h>

#include "engine/log.h"
#include "engine/metadata_cache.h"
#include "proto/client_versions.h"

namespace uvk {

static bool zero_id(const uint8_t *id) {
  for (int i = 0; i < 16; i++)
    if (id[i]) return false;
  return true;
}

void producer_note_topic_id(Producer *p, TopicState *t) {
  const CachedTopic *ct = metadata_cache_topic(&p->e->mcache, t->name);
  if (!ct || zero_id(ct->topic_id) || memcmp(ct->topic_id, t->topic_id, 16) == 0) return;
  bool had = !zero_id(t->topic_id);
  memcpy(t->topic_id, ct->topic_id, 16);
  if (!had || !p->idempotent) return;
  // The old topic's sequence numbers mean nothing in the new one: each partition starts
  // again at 0, and a batch not acknowledged yet is numbered afresh when it goes out (one in
  // flight per partition until the first is acknowledged, as after a new epoch).
  if (p->e->hooks.log)
    UVK_LOG(p->e->hooks.log, UVK_LOG_WARN, "Producer",
            "Topic %s was deleted and created again (a new topic id): its sequence numbers start again", t->name);
  for (int32_t i = 0; i < t->n_queues; i++) {
    PartitionQueue *q = t->queues[i];
    if (q) queue_restart_seqs(q);
  }
}

int16_t producer_fill_topic_ids(const Producer *p, ProduceReq *r) {
  bool all = true;
  for (size_t i = 0; i < r->n; i++) {
    const TopicState *t = r->batches[i]->q->t;
    memcpy(r->topic_ids[i].b, t->topic_id, 16);
    all = all && !zero_id(t->topic_id);
  }
  (void)p;
  return all ? proto::kUseProduce : int16_t(proto::kUseProduce < 12 ? proto::kUseProduce : 12);
}

bool producer_batch_of_old_topic(const ProducerBatch *b, const proto::Uuid &sent) {
  return !zero_id(sent.b) && memcmp(sent.b, b->q->t->topic_id, 16) != 0;
}

}  // namespace uvk
