// Statistics: collecting from producers and consumers, merging partitions, the headline
// numbers; see stats.h. The JSON text is stats_json.cc.
#include "client/stats.h"

#include <stdlib.h>
#include <string.h>

namespace uvk {

namespace {

template <typename T>
T *grow(StatsCollector *sc, T **items, size_t *n, size_t *cap) {
  if (*n == *cap) {
    size_t ncap = *cap ? *cap * 2 : 16;
    void *p = mem_realloc(sc->alloc, *items, ncap * sizeof(T));
    if (!p) {
      sc->failed = true;
      return nullptr;
    }
    *items = static_cast<T *>(p);
    *cap = ncap;
  }
  T *t = &(*items)[(*n)++];
  memset(static_cast<void *>(t), 0, sizeof *t);
  return t;
}

int by_topic_partition(const void *a, const void *b) {
  const StatsPart *x = static_cast<const StatsPart *>(a), *y = static_cast<const StatsPart *>(b);
  int c = strcmp(x->topic, y->topic);
  if (c) return c;
  return x->partition < y->partition ? -1 : x->partition > y->partition ? 1 : 0;
}

// A producer's and a consumer's view of the same partition become one object.
void merge_into(StatsPart *into, const StatsPart &p) {
  if (p.producer) {
    into->producer = true;
    into->msgq_cnt += p.msgq_cnt;
    into->msgq_bytes += p.msgq_bytes;
    into->xmit_msgq_cnt += p.xmit_msgq_cnt;
    into->xmit_msgq_bytes += p.xmit_msgq_bytes;
    into->txmsgs += p.txmsgs;
    into->txbytes += p.txbytes;
  }
  if (p.consumer) {
    if (!into->consumer) {  // the first consumer's offsets (one consumer per partition is the norm)
      into->fetch_state = p.fetch_state;
      into->next_offset = p.next_offset;
      into->app_offset = p.app_offset;
      into->stored_offset = p.stored_offset;
      into->committed_offset = p.committed_offset;
      into->hi_offset = p.hi_offset;
    }
    into->consumer = true;
    into->rxmsgs += p.rxmsgs;
    into->rxbytes += p.rxbytes;
  }
}

}  // namespace

StatsPart *stats_add_part(StatsCollector *sc, const char *topic, int32_t partition) {
  StatsPart *p = grow(sc, &sc->parts, &sc->n_parts, &sc->cap_parts);
  if (!p) return nullptr;
  p->topic = topic;
  p->partition = partition;
  p->next_offset = p->app_offset = p->stored_offset = p->committed_offset = p->hi_offset = -1;
  return p;
}

StatsGroup *stats_add_group(StatsCollector *sc) { return grow(sc, &sc->groups, &sc->n_groups, &sc->cap_groups); }

void stats_collect(Engine *e, uint64_t now, StatsCollector *sc) {
  sc->now = now;
  for (StatsSource *s = e->stats_sources; s; s = s->next) s->collect(s->ud, sc);
  if (sc->n_parts > 1) qsort(sc->parts, sc->n_parts, sizeof(StatsPart), by_topic_partition);
  size_t w = 0;
  for (size_t r = 0; r < sc->n_parts; r++) {
    if (w > 0 && by_topic_partition(&sc->parts[w - 1], &sc->parts[r]) == 0) {
      merge_into(&sc->parts[w - 1], sc->parts[r]);
      continue;
    }
    StatsPart p = sc->parts[r];
    StatsPart &out = sc->parts[w++];
    memset(static_cast<void *>(&out), 0, sizeof out);
    out.topic = p.topic;
    out.partition = p.partition;
    out.next_offset = out.app_offset = out.stored_offset = out.committed_offset = out.hi_offset = -1;
    merge_into(&out, p);
  }
  sc->n_parts = w;
  broker_stats_sync(e, now);
}

void stats_collector_free(StatsCollector *sc) {
  mem_free(sc->alloc, sc->parts);
  mem_free(sc->alloc, sc->groups);
  sc->parts = nullptr;
  sc->groups = nullptr;
  sc->n_parts = sc->cap_parts = sc->n_groups = sc->cap_groups = 0;
}

const char *stats_type(const StatsCollector &sc) {
  if (sc.producers > 0 && sc.consumers == 0) return "producer";
  if (sc.consumers > 0 && sc.producers == 0) return "consumer";
  return "client";
}

void stats_summary(Engine *e, const StatsClient &cl, const StatsCollector &sc, uvk_client_stats *out) {
  uvk_client_stats s;
  memset(&s, 0, sizeof s);
  s.struct_size = out->struct_size;
  s.ts = int64_t(cl.now_ms) * 1000;
  s.time = cl.wall_ms / 1000;
  s.age = int64_t(cl.now_ms - cl.created_ms) * 1000;
  s.msg_cnt = sc.msg_cnt;
  s.msg_size = sc.msg_size;
  s.msg_max = 0;
  s.msg_size_max = sc.msg_size_max;
  s.txmsgs = sc.txmsgs;
  s.txmsg_bytes = sc.txmsg_bytes;
  s.rxmsgs = sc.rxmsgs;
  s.rxmsg_bytes = sc.rxmsg_bytes;
  StatsHist rtt, thr;
  hist_reset(&rtt);
  hist_reset(&thr);
  for (BrokerStats *bs = e->bstats; bs; bs = bs->next) {
    BrokerLive l;
    broker_stats_live(e, bs, cl.now_ms, &l);
    s.brokers++;
    if (l.state == kBrokerUp) s.brokers_up++;
    s.tx += int64_t(l.tx);
    s.tx_bytes += int64_t(l.txbytes);
    s.rx += int64_t(l.rx);
    s.rx_bytes += int64_t(l.rxbytes);
    s.txerrs += int64_t(l.txerrs);
    s.rxerrs += int64_t(l.rxerrs);
    s.req_timeouts += int64_t(bs->req_timeouts);
    s.connects += int64_t(bs->connects);
    s.disconnects += int64_t(bs->disconnects);
    hist_merge(&rtt, &bs->rtt);
    hist_merge(&thr, &bs->throttle);
  }
  s.rtt_min = rtt.min * 1000;
  s.rtt_max = rtt.max * 1000;
  s.rtt_avg = hist_avg(&rtt) * 1000;
  s.rtt_p50 = hist_percentile(&rtt, 50) * 1000;
  s.rtt_p95 = hist_percentile(&rtt, 95) * 1000;
  s.rtt_p99 = hist_percentile(&rtt, 99) * 1000;
  s.rtt_cnt = rtt.cnt;
  s.throttle_max = thr.max;
  s.consumer_lag = -1;
  for (size_t i = 0; i < sc.n_parts; i++) {
    const StatsPart &p = sc.parts[i];
    if (p.consumer && p.hi_offset >= 0 && p.committed_offset >= 0)
      s.consumer_lag = (s.consumer_lag < 0 ? 0 : s.consumer_lag) + (p.hi_offset - p.committed_offset);
  }
  for (size_t i = 0; i < sc.n_groups; i++) {
    s.rebalance_cnt += sc.groups[i].rebalance_cnt;
    s.assignment_size += sc.groups[i].assignment_size;
  }
  s.partitions = int32_t(sc.n_parts);
  size_t n = out->struct_size < sizeof s ? out->struct_size : sizeof s;
  memcpy(out, &s, n);
}

}  // namespace uvk
