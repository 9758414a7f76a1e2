// Per-broker statistics; see broker_stats.h.
#include "engine/broker_stats.h"

#include <stdio.h>
#include <string.h>

#include "engine/engine.h"

namespace uvk {

namespace {

bool same_broker(const BrokerStats *bs, int32_t node_id, const char *label) {
  return node_id >= 0 ? bs->node_id == node_id : bs->node_id < 0 && strcmp(bs->label, label) == 0;
}

BrokerStats *find_or_add(Engine *e, int32_t node_id, const char *label, uint64_t now) {
  BrokerStats **tail = &e->bstats;
  for (BrokerStats *bs = e->bstats; bs; bs = bs->next) {
    if (same_broker(bs, node_id, label)) {
      if (node_id >= 0 && strcmp(bs->label, label) != 0) snprintf(bs->label, sizeof bs->label, "%s", label);
      return bs;
    }
    tail = &bs->next;
  }
  BrokerStats *bs = static_cast<BrokerStats *>(mem_alloc(e->alloc, sizeof(BrokerStats)));
  if (!bs) return nullptr;  // statistics go without this broker; the client works on
  memset(static_cast<void *>(bs), 0, sizeof *bs);
  bs->node_id = node_id;
  snprintf(bs->label, sizeof bs->label, "%s", label);
  bs->state = kBrokerInit;
  bs->state_since = now;
  *tail = bs;  // appended: documents list brokers in the order they were first seen
  return bs;
}

BrokerStats *of_conn(Engine *e, const EngineConn *c, uint64_t now) {
  return find_or_add(e, c->node_id, c->label, now);
}

void set_state(BrokerStats *bs, int state, uint64_t now) {
  if (bs->state == state) return;
  bs->state = state;
  bs->state_since = now;
}

int conn_state(const EngineConn *c) {
  if (!c->started) return kBrokerTryConnect;
  if (!c->connected) return kBrokerConnect;
  switch (c->conn.state) {
    case kConnApiVersions: return kBrokerApiVersionQuery;
    case kConnAuthenticating: return kBrokerAuth;
    case kConnReady: return kBrokerUp;
    case kConnConnecting: return kBrokerConnect;
    case kConnClosed: default: return kBrokerDown;
  }
}

}  // namespace

const char *broker_state_name(int state) {
  static const char *const names[] = {"INIT", "DOWN", "TRY_CONNECT", "CONNECT", "APIVERSION_QUERY", "AUTH", "UP"};
  return state >= 0 && state <= kBrokerUp ? names[state] : "UNKNOWN";
}

void engine_stats_add_source(Engine *e, StatsSource *s) {
  s->next = e->stats_sources;
  e->stats_sources = s;
}

void engine_stats_remove_source(Engine *e, StatsSource *s) {
  for (StatsSource **p = &e->stats_sources; *p; p = &(*p)->next)
    if (*p == s) {
      *p = s->next;
      return;
    }
}

void broker_stats_conn_event(Engine *e, EngineConn *c, ConnEventKind kind, const Request *r, uint64_t now) {
  BrokerStats *bs = of_conn(e, c, now);
  if (!bs) return;
  switch (kind) {
    case kConnEventReady:
      set_state(bs, kBrokerUp, now);
      break;
    case kConnEventResponse:
      hist_add(&bs->rtt, int64_t(now - r->sent_at));
      break;
    case kConnEventTimeout:
      bs->req_timeouts++;
      break;
    case kConnEventThrottled:
      hist_add(&bs->throttle, c->conn.throttle_asked);
      break;
    default:
      break;
  }
}

void broker_stats_conn_started(Engine *e, EngineConn *c, uint64_t now) {
  BrokerStats *bs = of_conn(e, c, now);
  if (!bs) return;
  bs->connects++;  // attempts, as librdkafka counts them
  if (bs->state != kBrokerUp) set_state(bs, conn_state(c), now);
}

void broker_stats_conn_gone(Engine *e, EngineConn *c, uint64_t now) {
  BrokerStats *bs = of_conn(e, c, now);
  if (!bs) return;
  const Conn &k = c->conn;
  bs->tx += k.tx_reqs;
  bs->txbytes += k.tx_bytes;
  bs->rx += k.responses;
  bs->rxbytes += k.rx_bytes;
  bs->txerrs += k.tx_errs;
  bs->rxerrs += k.rx_errs;
  if (c->ready_seen) bs->disconnects++;
  bool other_up = false;
  for (const EngineConn *o = e->conns; o; o = o->next)
    if (o != c && same_broker(bs, o->node_id, o->label) && o->conn.state == kConnReady) other_up = true;
  if (!other_up) set_state(bs, kBrokerDown, now);
}

void broker_stats_sync(Engine *e, uint64_t now) {
  char label[80];
  for (size_t i = 0; i < e->n_brokers; i++) {
    const BrokerAddr &b = e->brokers[i];
    snprintf(label, sizeof label, strchr(b.host, ':') ? "[%s]:%u" : "%s:%u", b.host, unsigned(b.port));
    find_or_add(e, b.node_id, label, now);
  }
}

void broker_stats_live(Engine *e, BrokerStats *bs, uint64_t now, BrokerLive *out) {
  memset(out, 0, sizeof *out);
  out->tx = bs->tx;
  out->txbytes = bs->txbytes;
  out->rx = bs->rx;
  out->rxbytes = bs->rxbytes;
  out->txerrs = bs->txerrs;
  out->rxerrs = bs->rxerrs;
  int best = -1;
  for (const EngineConn *c = e->conns; c; c = c->next) {
    if (!same_broker(bs, c->node_id, c->label)) continue;
    const Conn &k = c->conn;
    out->tx += k.tx_reqs;
    out->txbytes += k.tx_bytes;
    out->rx += k.responses;
    out->rxbytes += k.rx_bytes;
    out->txerrs += k.tx_errs;
    out->rxerrs += k.rx_errs;
    out->outbuf_cnt += k.n_queued;
    out->waitresp_cnt += k.n_in_flight;
    out->conns++;
    int s = conn_state(c);
    if (s > best) best = s;
  }
  // The most advanced state of its connections; none open: DOWN once it was used.
  if (best < 0) best = bs->state == kBrokerInit ? kBrokerInit : kBrokerDown;
  set_state(bs, best, now);
  out->state = bs->state;
  out->stateage_ms = now >= bs->state_since ? now - bs->state_since : 0;
}

void broker_stats_roll(Engine *e) {
  for (BrokerStats *bs = e->bstats; bs; bs = bs->next) {
    hist_reset(&bs->rtt);
    hist_reset(&bs->throttle);
  }
}

void broker_stats_free(Engine *e) {
  while (BrokerStats *bs = e->bstats) {
    e->bstats = bs->next;
    mem_free(e->alloc, bs);
  }
}

}  // namespace uvk
