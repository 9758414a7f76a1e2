// The statistics document as JSON, with librdkafka's field names, units and nesting where
// the meaning is the same (docs/operations.md lists every field).
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "client/stats.h"

namespace uvk {

namespace {

struct Json {
  Buf *b;
  bool first;  // nothing written yet at the current level: no comma before the next member
};

void raw(Json &j, const char *s) { put_raw(j.b, s, strlen(s)); }

void str(Json &j, const char *s) {
  put_u8(j.b, '"');
  for (const unsigned char *p = reinterpret_cast<const unsigned char *>(s ? s : ""); *p; p++) {
    if (*p == '"' || *p == '\\') {
      put_u8(j.b, '\\');
      put_u8(j.b, *p);
    } else if (*p < 0x20) {
      char esc[8];
      snprintf(esc, sizeof esc, "\\u%04x", unsigned(*p));
      raw(j, esc);
    } else {
      put_u8(j.b, *p);
    }
  }
  put_u8(j.b, '"');
}

void key(Json &j, const char *k) {
  if (!j.first) put_u8(j.b, ',');
  j.first = false;
  str(j, k);
  put_u8(j.b, ':');
}

void open(Json &j, const char *k) {
  key(j, k);
  put_u8(j.b, '{');
  j.first = true;
}

void close(Json &j) {
  put_u8(j.b, '}');
  j.first = false;
}

void num(Json &j, const char *k, int64_t v) {
  key(j, k);
  char t[24];
  snprintf(t, sizeof t, "%" PRId64, v);
  raw(j, t);
}

void text(Json &j, const char *k, const char *v) {
  key(j, k);
  str(j, v);
}

// librdkafka's window object; `scale` turns our ms into the field's unit.
void window(Json &j, const char *k, const StatsHist &h, int64_t scale) {
  open(j, k);
  num(j, "min", h.min * scale);
  num(j, "max", h.max * scale);
  num(j, "avg", hist_avg(&h) * scale);
  num(j, "sum", h.sum * scale);
  num(j, "cnt", h.cnt);
  num(j, "p50", hist_percentile(&h, 50) * scale);
  num(j, "p75", hist_percentile(&h, 75) * scale);
  num(j, "p90", hist_percentile(&h, 90) * scale);
  num(j, "p95", hist_percentile(&h, 95) * scale);
  num(j, "p99", hist_percentile(&h, 99) * scale);
  num(j, "p99_99", hist_percentile(&h, 99.99) * scale);
  close(j);
}

void broker_name(const BrokerStats *bs, char *out, size_t n) {
  if (bs->node_id >= 0) snprintf(out, n, "%s/%d", bs->label, int(bs->node_id));
  else snprintf(out, n, "%s/bootstrap", bs->label);
}

int32_t leader_of(Engine *e, const StatsPart &p) {
  int32_t node = -1;
  if (engine_leader(e, p.topic, p.partition, &node) != 0) return -1;
  return node;
}

void brokers(Json &j, Engine *e, const StatsClient &cl, const StatsCollector &sc) {
  open(j, "brokers");
  for (BrokerStats *bs = e->bstats; bs; bs = bs->next) {
    BrokerLive l;
    broker_stats_live(e, bs, cl.now_ms, &l);
    char name[112];
    broker_name(bs, name, sizeof name);
    open(j, name);
    text(j, "name", name);
    num(j, "nodeid", bs->node_id);
    text(j, "nodename", bs->label);
    text(j, "source", bs->node_id >= 0 ? "learned" : "configured");
    text(j, "state", broker_state_name(l.state));
    num(j, "stateage", int64_t(l.stateage_ms) * 1000);
    num(j, "outbuf_cnt", l.outbuf_cnt);
    num(j, "waitresp_cnt", l.waitresp_cnt);
    num(j, "tx", int64_t(l.tx));
    num(j, "txbytes", int64_t(l.txbytes));
    num(j, "txerrs", int64_t(l.txerrs));
    num(j, "req_timeouts", int64_t(bs->req_timeouts));
    num(j, "rx", int64_t(l.rx));
    num(j, "rxbytes", int64_t(l.rxbytes));
    num(j, "rxerrs", int64_t(l.rxerrs));
    num(j, "connects", int64_t(bs->connects));
    num(j, "disconnects", int64_t(bs->disconnects));
    num(j, "conns", l.conns);
    window(j, "rtt", bs->rtt, 1000);
    window(j, "throttle", bs->throttle, 1);
    open(j, "toppars");
    for (size_t i = 0; bs->node_id >= 0 && i < sc.n_parts; i++) {
      const StatsPart &p = sc.parts[i];
      if (leader_of(e, p) != bs->node_id) continue;
      char tp[320];
      snprintf(tp, sizeof tp, "%s-%d", p.topic, int(p.partition));
      open(j, tp);
      text(j, "topic", p.topic);
      num(j, "partition", p.partition);
      close(j);
    }
    close(j);
    close(j);
  }
  close(j);
}

int64_t lag(int64_t hi, int64_t offset) {
  if (hi < 0 || offset < 0) return -1;
  return hi > offset ? hi - offset : 0;
}

void partition(Json &j, Engine *e, const StatsPart &p) {
  char id[16];
  snprintf(id, sizeof id, "%d", int(p.partition));
  open(j, id);
  int32_t leader = leader_of(e, p);
  num(j, "partition", p.partition);
  num(j, "broker", leader);
  num(j, "leader", leader);
  num(j, "msgq_cnt", p.msgq_cnt);
  num(j, "msgq_bytes", p.msgq_bytes);
  num(j, "xmit_msgq_cnt", p.xmit_msgq_cnt);
  num(j, "xmit_msgq_bytes", p.xmit_msgq_bytes);
  num(j, "txmsgs", p.txmsgs);
  num(j, "txbytes", p.txbytes);
  num(j, "rxmsgs", p.rxmsgs);
  num(j, "rxbytes", p.rxbytes);
  text(j, "fetch_state", p.consumer && p.fetch_state ? p.fetch_state : "none");
  num(j, "next_offset", p.next_offset);
  num(j, "app_offset", p.app_offset);
  num(j, "stored_offset", p.stored_offset);
  num(j, "committed_offset", p.committed_offset);
  num(j, "hi_offset", p.hi_offset);
  num(j, "consumer_lag", lag(p.hi_offset, p.committed_offset));
  num(j, "consumer_lag_stored", lag(p.hi_offset, p.stored_offset));
  close(j);
}

void topics(Json &j, Engine *e, const StatsCollector &sc) {
  open(j, "topics");
  for (size_t i = 0; i < sc.n_parts;) {
    const char *t = sc.parts[i].topic;
    open(j, t);
    text(j, "topic", t);
    open(j, "partitions");
    for (; i < sc.n_parts && strcmp(sc.parts[i].topic, t) == 0; i++) partition(j, e, sc.parts[i]);
    close(j);
    close(j);
  }
  close(j);
}

void group(Json &j, const StatsGroup &g) {
  text(j, "group_id", g.group_id);
  text(j, "state", g.state);
  num(j, "stateage", int64_t(g.stateage_ms));
  text(j, "join_state", g.join_state);
  num(j, "rebalance_age", g.rebalance_age_ms);
  num(j, "rebalance_cnt", g.rebalance_cnt);
  num(j, "assignment_size", g.assignment_size);
}

}  // namespace

void stats_json(Engine *e, const StatsClient &cl, const StatsCollector &sc, Buf *out) {
  uvk_client_stats s;
  s.struct_size = sizeof s;
  stats_summary(e, cl, sc, &s);
  Json j{out, true};
  put_u8(out, '{');
  text(j, "name", cl.name);
  text(j, "client_id", cl.client_id);
  text(j, "type", stats_type(sc));
  num(j, "ts", s.ts);
  num(j, "time", s.time);
  num(j, "age", s.age);
  num(j, "msg_cnt", s.msg_cnt);
  num(j, "msg_size", s.msg_size);
  num(j, "msg_max", s.msg_max);
  num(j, "msg_size_max", s.msg_size_max);
  num(j, "tx", s.tx);
  num(j, "tx_bytes", s.tx_bytes);
  num(j, "rx", s.rx);
  num(j, "rx_bytes", s.rx_bytes);
  num(j, "txmsgs", s.txmsgs);
  num(j, "txmsg_bytes", s.txmsg_bytes);
  num(j, "rxmsgs", s.rxmsgs);
  num(j, "rxmsg_bytes", s.rxmsg_bytes);
  brokers(j, e, cl, sc);
  topics(j, e, sc);
  if (sc.n_groups > 0) {
    open(j, "cgrp");  // librdkafka's one group: the first consumer's
    group(j, sc.groups[0]);
    close(j);
  }
  if (sc.n_groups > 1) {  // more consumers on this client: every group, in order
    key(j, "cgrps");
    put_u8(out, '[');
    for (size_t i = 0; i < sc.n_groups; i++) {
      if (i) put_u8(out, ',');
      put_u8(out, '{');
      j.first = true;
      group(j, sc.groups[i]);
      put_u8(out, '}');
    }
    put_u8(out, ']');
    j.first = false;
  }
  if (sc.eos.present) {
    open(j, "eos");
    text(j, "idemp_state", sc.eos.idemp_state);
    text(j, "txn_state", sc.eos.txn_state ? sc.eos.txn_state : "Init");
    num(j, "producer_id", sc.eos.producer_id);
    num(j, "producer_epoch", sc.eos.producer_epoch);
    close(j);
  }
  put_u8(out, '}');
}

}  // namespace uvk
