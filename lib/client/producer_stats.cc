// A producer's part of a statistics document: queued and acknowledged messages per
// partition, the idempotence state (librdkafka's "eos").
#include "client/producer_internal.h"
#include "client/stats.h"

namespace uvk {

const char *txn_state_name(const Producer *p);  // producer_txn.cc

namespace {

const char *idemp_state(const Producer *p) {
  switch (p->pid_state) {
    case 1: return "WaitPID";
    case 2: return "Assigned";
    default: return "Init";
  }
}

void collect(void *ud, StatsCollector *sc) {
  const Producer *p = static_cast<const Producer *>(ud);
  sc->producers++;
  sc->msg_cnt += p->st_msg_cnt;
  sc->msg_size += int64_t(p->buffered);
  sc->msg_size_max += int64_t(p->cfg.buffer_memory);
  for (const TopicState *t = p->topics; t; t = t->next)
    for (int32_t i = 0; i < t->n_queues; i++) {
      const PartitionQueue *q = t->queues[i];
      if (!q) continue;
      sc->txmsgs += q->st_txmsgs;
      sc->txmsg_bytes += q->st_txbytes;
      StatsPart *sp = stats_add_part(sc, t->name, q->partition);
      if (!sp) return;
      sp->producer = true;
      sp->msgq_cnt = q->n;
      sp->msgq_bytes = int64_t(q->bytes);
      for (const ProducerBatch *b = q->ready; b; b = b->next) {
        sp->xmit_msgq_cnt += b->n;
        sp->xmit_msgq_bytes += int64_t(b->bytes);
      }
      sp->txmsgs = q->st_txmsgs;
      sp->txbytes = q->st_txbytes;
    }
  if (p->idempotent && !sc->eos.present) {
    sc->eos.present = true;
    sc->eos.idemp_state = idemp_state(p);
    sc->eos.txn_state = p->txn ? txn_state_name(p) : nullptr;
    sc->eos.producer_id = p->pid;
    sc->eos.producer_epoch = p->epoch;
  }
}

}  // namespace

void producer_stats_register(Producer *p) {
  p->stats_src.collect = collect;
  p->stats_src.ud = p;
  engine_stats_add_source(p->e, &p->stats_src);
}

void producer_stats_acked(const ProducerBatch *b) {
  PartitionQueue *q = b->q;
  if (!q) return;
  q->st_txmsgs += b->n;
  // The records' estimated size in the batch (librdkafka counts framing too): per run, not
  // per message, to keep acknowledgements cheap.
  for (const MsgRun *r = b->head; r; r = r->next) q->st_txbytes += int64_t(r->bytes);
}

}  // namespace uvk
