#include "client/telemetry.h"

#include <stdio.h>
#include <string.h>

#include "codec/codec.h"
#include "common/arena_str.h"
#include "engine/log.h"
#include "proto/client_versions.h"
#include "proto/gen/api_table.h"
#include "proto/gen/get_telemetry_subscriptions.h"
#include "proto/gen/push_telemetry.h"
#include "uvk_build_config.h"
#include "uvkafka/uvkafka.h"

namespace uvk {

namespace {

const int16_t kInvalidRequest = 42, kUnsupportedVersion = 35, kUnsupportedCompression = 76, kInvalidRecord = 87,
              kThrottlingQuota = 89, kUnknownSubscription = 117, kTelemetryTooLarge = 118;
// Caps on what a broker's subscription may make us hold (hostile input).
const size_t kMaxPrefixes = 1024, kMaxPrefixLen = 512, kMaxMetrics = 2048, kMaxLast = 4096;
const int32_t kDefaultIntervalMs = 300000;  // KIP-714's default push interval
const int32_t kMinIntervalMs = 100;
// Our preference among the broker's accepted types is the broker's order; these we can do.
bool codec_ok(int8_t id) { return id == kCodecNone || (id > 0 && id <= kCodecZstd && codec_available(id)); }

}  // namespace

struct TelemetryLast {
  char *key;  // name, then each attribute's key and value, '\x1f'-separated
  bool is_double;
  double d;
  int64_t i;
};

struct TelemetrySink {
  Telemetry *t;
  Arena *arena;
  OtlpMetric *metrics;
  size_t n;
  uint64_t now_ns;
  bool commit;  // update the delta table (a real push)
};

namespace {

struct Pending {  // one request; outlives the Telemetry when that is freed meanwhile
  Request req;
  Telemetry *t;
  const Allocator *alloc;
  proto::GetTelemetrySubscriptionsRequest sub;
  proto::PushTelemetryRequest push;
  Buf body;  // the push's metrics bytes
};

// The engine's logger, or one that logs nothing (an engine without a logger, in tests).
Logger *log_of(const Telemetry *t) {
  static Logger quiet = [] {
    Logger l;
    l.level = UVK_LOG_NOTHING;
    return l;
  }();
  return t->e && t->e->hooks.log ? t->e->hooks.log : &quiet;
}

void free_prefixes(Telemetry *t) {
  for (size_t k = 0; k < t->n_prefixes; k++) mem_free(t->alloc, t->prefixes[k]);
  mem_free(t->alloc, t->prefixes);
  t->prefixes = nullptr;
  t->n_prefixes = 0;
  t->all = false;
}

void pending_free(Pending *p) {
  buf_free(&p->body);
  mem_free(p->alloc, p);
}

void schedule(Telemetry *t, uint64_t at, EngineTimerFn fn) { engine_add_timer(t->e, &t->timer, at, fn, t); }
void on_timer(void *ud, uint64_t now);
void subscribe(Telemetry *t, uint64_t now);
void push(Telemetry *t, uint64_t now, bool terminating);

void turn_off(Telemetry *t, const char *why) {
  t->state = kTelemetryOff;
  engine_cancel_timer(t->e, &t->timer);
  UVK_LOG(log_of(t), UVK_LOG_DEBUG, "Telemetry", "client telemetry off: %s", why);
}

// The ready shared connection whose broker offers `key`; null if none is ready; *none set
// when ready connections exist and none offers it.
EngineConn *ready_conn(Telemetry *t, int16_t key, bool *none) {
  *none = false;
  bool any = false;
  for (EngineConn *c = t->e->conns; c; c = c->next) {
    if (c->lane != 0 || c->conn.state != kConnReady) continue;
    any = true;
    if (c->conn.versions[key].max >= 0) return c;
  }
  *none = any;
  return nullptr;
}

void cancel_pending(Request *r) { static_cast<Pending *>(r->ud)->t = nullptr; }

int encode_sub(void *ud, Buf *out, int16_t version) {
  return proto::encode(out, static_cast<Pending *>(ud)->sub, version);
}
int encode_push(void *ud, Buf *out, int16_t version) {
  return proto::encode(out, static_cast<Pending *>(ud)->push, version);
}

void finish_close(Telemetry *t) {
  t->state = kTelemetryOff;
  engine_cancel_timer(t->e, &t->timer);
  if (t->closed) {
    void (*fn)(void *) = t->closed;
    t->closed = nullptr;
    fn(t->closed_ud);
  }
}

bool wanted(const Telemetry *t, const char *name) {
  if (t->all) return true;
  for (size_t k = 0; k < t->n_prefixes; k++)
    if (strncmp(name, t->prefixes[k], strlen(t->prefixes[k])) == 0) return true;
  return false;
}

void on_subscription(void *ud, int err, int16_t version, Reader *body, const Request *) {
  Pending *p = static_cast<Pending *>(ud);
  Telemetry *t = p->t;
  Arena arena;
  arena.alloc = p->alloc;
  proto::GetTelemetrySubscriptionsResponse resp;
  if (err == 0) err = proto::decode(body, &arena, &resp, version);
  pending_free(p);
  if (!t) {
    arena_free(&arena);
    return;
  }
  t->in_flight = false;
  uint64_t now = t->e->now;
  if (t->closed) {  // closing while subscribing: nothing to push
    arena_free(&arena);
    finish_close(t);
    return;
  }
  if (err == UVK_EUNSUPPORTED || (err == 0 && (resp.error_code == kUnsupportedVersion ||
                                               resp.error_code == kInvalidRequest))) {
    arena_free(&arena);
    turn_off(t, "the broker does not take GetTelemetrySubscriptions");
    return;
  }
  if (err != 0 || resp.error_code != 0) {
    t->last_error = err == 0 ? resp.error_code : 0;
    arena_free(&arena);
    if (t->e->shutting_down) return;
    t->state = kTelemetryWaiting;
    int32_t wait = t->push_interval_ms > 0 ? t->push_interval_ms : 30000;
    schedule(t, now + uint64_t(wait), [](void *u, uint64_t n) { subscribe(static_cast<Telemetry *>(u), n); });
    return;
  }
  t->subscriptions++;
  if (!proto::uuid_is_zero(resp.client_instance_id)) t->instance_id = resp.client_instance_id;
  t->subscription_id = resp.subscription_id;
  int32_t interval = resp.push_interval_ms > 0 ? resp.push_interval_ms : kDefaultIntervalMs;
  t->push_interval_ms = interval < kMinIntervalMs ? kMinIntervalMs : interval;
  t->max_bytes = resp.telemetry_max_bytes;
  t->delta = resp.delta_temporality;
  t->compression = 0;
  for (int32_t k = 0; k < resp.accepted_compression_types.count; k++) {
    int8_t id = resp.accepted_compression_types.items[k];
    if (id != kCodecNone && codec_ok(id) && !(t->refused_codecs & (1u << id))) {
      t->compression = id;
      break;
    }
  }
  free_prefixes(t);
  size_t n = size_t(resp.requested_metrics.count);
  if (n > kMaxPrefixes) n = kMaxPrefixes;
  t->prefixes = static_cast<char **>(mem_alloc(t->alloc, (n ? n : 1) * sizeof(char *)));
  for (size_t k = 0; t->prefixes && k < n; k++) {
    const proto::Str &s = resp.requested_metrics.items[k];
    size_t len = s.len < 0 ? 0 : size_t(s.len);
    if (len > kMaxPrefixLen) continue;
    if (len == 1 && s.data[0] == '*') t->all = true;
    char *copy = static_cast<char *>(mem_alloc(t->alloc, len + 1));
    if (!copy) break;
    memcpy(copy, s.data, len);
    copy[len] = '\0';
    t->prefixes[t->n_prefixes++] = copy;
  }
  arena_free(&arena);
  // Also when the delta table's sums were against another subscription: start afresh.
  for (size_t k = 0; k < t->n_last; k++) mem_free(t->alloc, t->last[k].key);
  t->n_last = 0;
  t->state = kTelemetryWaiting;
  if (t->n_prefixes == 0) {
    // Nothing asked for: ask again after the interval.
    schedule(t, now + uint64_t(t->push_interval_ms), [](void *u, uint64_t n2) { subscribe(static_cast<Telemetry *>(u), n2); });
    return;
  }
  // The first push after a random 0.5-1.5 intervals (KIP-714), so clients started together spread.
  double jitter = 0.5 + rng_unit(&t->e->rng);
  if (t->last_push_ns == 0) t->last_push_ns = t->start_ns;
  schedule(t, now + uint64_t(double(t->push_interval_ms) * jitter), on_timer);
}

void subscribe(Telemetry *t, uint64_t now) {
  if (t->state == kTelemetryOff || t->in_flight || t->e->shutting_down) return;
  bool none;
  EngineConn *c = ready_conn(t, proto::kGetTelemetrySubscriptions, &none);
  if (!c) {
    if (none) {
      turn_off(t, "the brokers do not offer GetTelemetrySubscriptions (Kafka before 3.7, or no metrics plugin)");
      return;
    }
    // No connection is ready yet: look again shortly (a client still connecting), less often
    // the longer none is (200 ms doubling up to 10 s).
    t->state = kTelemetrySubscribing;
    t->ready_wait_ms = t->ready_wait_ms ? (t->ready_wait_ms >= 5000 ? 10000 : t->ready_wait_ms * 2) : 200;
    schedule(t, now + t->ready_wait_ms, [](void *u, uint64_t n) { subscribe(static_cast<Telemetry *>(u), n); });
    return;
  }
  t->ready_wait_ms = 0;
  Pending *p = static_cast<Pending *>(mem_alloc(t->alloc, sizeof(Pending)));
  if (!p) {  // out of memory: try again in a second
    schedule(t, now + 1000, [](void *u, uint64_t n) { subscribe(static_cast<Telemetry *>(u), n); });
    return;
  }
  new (p) Pending();
  p->t = t;
  p->alloc = t->alloc;
  p->body.alloc = t->alloc;
  p->sub.client_instance_id = t->instance_id;
  p->req.api_key = proto::kGetTelemetrySubscriptions;
  p->req.min_version = 0;
  p->req.max_version = proto::kUseGetTelemetrySubscriptions;
  p->req.encode = encode_sub;
  p->req.done = on_subscription;
  p->req.ud = p;
  p->req.owner = t;
  t->state = kTelemetrySubscribing;
  int rc = engine_send(t->e, c->node_id, &p->req, now);
  if (rc != 0) {
    pending_free(p);
    if (rc == UVK_EUNSUPPORTED) turn_off(t, "no common GetTelemetrySubscriptions version");
    return;
  }
  t->in_flight = true;
}

void on_push(void *ud, int err, int16_t version, Reader *body, const Request *) {
  Pending *p = static_cast<Pending *>(ud);
  Telemetry *t = p->t;
  proto::PushTelemetryResponse resp;
  Arena arena;
  arena.alloc = p->alloc;
  if (err == 0) err = proto::decode(body, &arena, &resp, version);
  arena_free(&arena);
  pending_free(p);
  if (!t) return;
  t->in_flight = false;
  if (t->closed && !t->terminating && !t->e->shutting_down) {
    push(t, t->e->now, true);  // closed while a regular push was out: the last one now
    if (!t->in_flight) finish_close(t);
    return;
  }
  if (t->terminating || t->closed) {
    finish_close(t);
    return;
  }
  uint64_t now = t->e->now;
  int16_t code = err == 0 ? resp.error_code : 0;
  if (err == 0 && code == 0) t->pushes++;
  else t->push_errors++;
  t->last_error = code;
  if (err == UVK_EUNSUPPORTED || code == kInvalidRequest || code == kInvalidRecord || code == kUnsupportedVersion) {
    UVK_LOG(log_of(t), UVK_LOG_ERROR, "Telemetry", "the broker refused the client's metrics (error %d): telemetry off",
            int(code ? code : -1));
    turn_off(t, "refused");
    return;
  }
  if (t->e->shutting_down) return;
  if (code == kUnsupportedCompression && t->compression > 0 && t->compression < 8)
    t->refused_codecs |= uint8_t(1u << t->compression);  // the next subscription picks another
  if (code == kUnknownSubscription || code == kUnsupportedCompression) {
    subscribe(t, now);  // the subscription changed: ask again at once
    return;
  }
  // Success, TELEMETRY_TOO_LARGE, THROTTLING_QUOTA_EXCEEDED, a lost connection: the next
  // push after the interval, or after the broker's throttle time if that is longer.
  (void)kTelemetryTooLarge;
  (void)kThrottlingQuota;
  uint64_t wait = uint64_t(t->push_interval_ms);
  if (err == 0 && resp.throttle_time_ms > 0 && uint64_t(resp.throttle_time_ms) > wait) wait = uint64_t(resp.throttle_time_ms);
  t->state = kTelemetryWaiting;
  schedule(t, now + wait, on_timer);
}

// One last-value entry per sum: the delta since the previous push.
TelemetryLast *last_for(Telemetry *t, const char *key) {
  for (size_t k = 0; k < t->n_last; k++)
    if (strcmp(t->last[k].key, key) == 0) return &t->last[k];
  if (t->n_last == t->cap_last) {
    if (t->cap_last >= kMaxLast) return nullptr;
    size_t cap = t->cap_last ? t->cap_last * 2 : 32;
    void *m = mem_realloc(t->alloc, t->last, cap * sizeof(TelemetryLast));
    if (!m) return nullptr;
    t->last = static_cast<TelemetryLast *>(m);
    t->cap_last = cap;
  }
  TelemetryLast *l = &t->last[t->n_last];
  l->key = mem_strdup(t->alloc, key);
  if (!l->key) return nullptr;
  l->is_double = false;
  l->d = 0;
  l->i = 0;
  t->n_last++;
  return l;
}

const char *arena_str(Arena *a, const char *s) { return arena_strndup(a, s, s ? strlen(s) : 0); }

int build(Telemetry *t, Buf *out, uint64_t now_ns, bool commit) {
  Arena arena;
  arena.alloc = t->alloc;
  TelemetrySink s{t, &arena, arena_new_array<OtlpMetric>(&arena, kMaxMetrics), 0, now_ns, commit};
  if (!s.metrics) {
    arena_free(&arena);
    return UVK_ENOMEM;
  }
  if (t->collect) t->collect(t->collect_ud, &s);
  OtlpScope scope{t->resource, t->n_resource, "uvkafka", UVK_VERSION_STRING};
  int rc = otlp_encode_metrics(out, scope, s.metrics, s.n);
  t->last_metrics = int32_t(s.n);
  arena_free(&arena);
  return rc;
}

void push(Telemetry *t, uint64_t now, bool terminating) {
  uint64_t now_ns = uint64_t(engine_wall_ms(t->e)) * 1000000u;
  buf_clear(&t->payload);
  buf_clear(&t->packed);
  int rc = build(t, &t->payload, now_ns, true);
  Buf *send = &t->payload;
  if (rc == 0 && t->compression != kCodecNone) {
    rc = codec_compress(t->compression, t->payload.data, t->payload.len, &t->packed);
    send = &t->packed;
  }
  if (rc == 0 && t->max_bytes > 0 && send->len > size_t(t->max_bytes)) {
    // KIP-714: never send more than TelemetryMaxBytes; this interval's metrics are dropped.
    UVK_LOG(log_of(t), UVK_LOG_WARN, "Telemetry", "metrics of %zu bytes exceed the broker's %d: not pushed",
            send->len, int(t->max_bytes));
    rc = UVK_ETOOLARGE;
  }
  Pending *p = rc == 0 ? static_cast<Pending *>(mem_alloc(t->alloc, sizeof(Pending))) : nullptr;
  if (p) {
    new (p) Pending();
    p->t = t;
    p->alloc = t->alloc;
    p->body.alloc = t->alloc;
    put_raw(&p->body, send->data, send->len);
    p->push.client_instance_id = t->instance_id;
    p->push.subscription_id = t->subscription_id;
    p->push.terminating = terminating;
    p->push.compression_type = t->compression;
    p->push.metrics = proto::Bytes{p->body.data, int32_t(p->body.len)};
    p->req.api_key = proto::kPushTelemetry;
    p->req.min_version = 0;
    p->req.max_version = proto::kUsePushTelemetry;
    p->req.encode = encode_push;
    p->req.done = on_push;
    p->req.ud = p;
    p->req.owner = t;
    rc = p->body.failed ? UVK_ENOMEM : engine_send(t->e, -1, &p->req, now);
    if (rc != 0) pending_free(p);
  }
  t->last_push_ns = now_ns;
  if (rc == 0) {
    t->in_flight = true;
    t->terminating = terminating;
    t->state = kTelemetryPushing;
    return;
  }
  if (terminating) {
    finish_close(t);
    return;
  }
  if (rc == UVK_EUNSUPPORTED) {
    turn_off(t, "no common PushTelemetry version");
    return;
  }
  if (t->e->shutting_down) return;
  t->state = kTelemetryWaiting;
  schedule(t, now + uint64_t(t->push_interval_ms), on_timer);
}

void on_timer(void *ud, uint64_t now) {
  Telemetry *t = static_cast<Telemetry *>(ud);
  if (t->e->shutting_down || t->state != kTelemetryWaiting || t->in_flight) return;
  push(t, now, false);
}

void on_close_timer(void *ud, uint64_t) { finish_close(static_cast<Telemetry *>(ud)); }

}  // namespace

bool telemetry_wants(const TelemetrySink *s, const char *name) { return wanted(s->t, name); }
bool telemetry_sink_pushing(const TelemetrySink *s) { return s->commit; }

void telemetry_add(TelemetrySink *s, const TelemetryValue &v) {
  Telemetry *t = s->t;
  if (!v.name || !wanted(t, v.name) || s->n >= kMaxMetrics) return;
  size_t na = v.n_attrs > 3 ? 3 : v.n_attrs;
  OtlpAttr *attrs = arena_new_array<OtlpAttr>(s->arena, na + 1);
  OtlpPoint *pt = arena_new_array<OtlpPoint>(s->arena, 1);
  if (!attrs || !pt) return;
  char key[1024];
  size_t kl = size_t(snprintf(key, sizeof key, "%s", v.name));
  for (size_t k = 0; k < na; k++) {
    attrs[k].key = arena_str(s->arena, v.attrs[k].key);
    attrs[k].str = v.attrs[k].str ? arena_str(s->arena, v.attrs[k].str) : nullptr;
    attrs[k].int_value = v.attrs[k].int_value;
    if (kl < sizeof key) {
      if (v.attrs[k].str)
        kl += size_t(snprintf(key + kl, sizeof key - kl, "\x1f%s\x1f%s", v.attrs[k].key, v.attrs[k].str));
      else
        kl += size_t(snprintf(key + kl, sizeof key - kl, "\x1f%s\x1f%lld", v.attrs[k].key, (long long)v.attrs[k].int_value));
    }
  }
  *pt = OtlpPoint{attrs, na, 0, s->now_ns, v.is_double, v.d, v.i};
  OtlpMetric &m = s->metrics[s->n];
  m = OtlpMetric{arena_str(s->arena, v.name), arena_str(s->arena, v.description), arena_str(s->arena, v.unit),
                 v.sum, kOtlpUnspecified, pt, 1};
  if (v.sum) {
    m.temporality = t->delta ? kOtlpDelta : kOtlpCumulative;
    pt->start_ns = t->start_ns;
    if (t->delta) {
      pt->start_ns = t->last_push_ns ? t->last_push_ns : t->start_ns;
      TelemetryLast *l = last_for(t, key);
      if (l) {
        double pd = l->d;
        int64_t pi = l->i;
        if (v.is_double) pt->d = v.d - pd;
        else pt->i = v.i - pi;
        if (s->commit) {  // a dry run (telemetry_encode) leaves the table as it was
          l->d = v.d;
          l->i = v.i;
        }
      }
    }
  }
  s->n++;
}

void telemetry_init(Telemetry *t, Engine *e, const Allocator *a, TelemetryCollectFn collect, void *ud) {
  *t = Telemetry();
  t->e = e;
  t->alloc = a;
  t->collect = collect;
  t->collect_ud = ud;
  t->payload.alloc = a;
  t->packed.alloc = a;
}

void telemetry_start(Telemetry *t, uint64_t now) {
  if (t->state != kTelemetryIdle) return;
  t->start_ns = uint64_t(engine_wall_ms(t->e)) * 1000000u;
  t->state = kTelemetrySubscribing;
  // On the engine's next turn, never inside the caller's call.
  schedule(t, now, [](void *u, uint64_t n) { subscribe(static_cast<Telemetry *>(u), n); });
}

int telemetry_close(Telemetry *t, void (*closed)(void *ud), void *ud, uint64_t now) {
  bool none;
  if (t->state == kTelemetryOff || t->state == kTelemetryIdle || t->n_prefixes == 0 ||
      (!t->in_flight && !ready_conn(t, proto::kPushTelemetry, &none))) {
    // Nothing subscribed, or nothing connected: no connection is opened just for this.
    if (t->e) engine_cancel_timer(t->e, &t->timer);
    t->state = kTelemetryOff;
    return 1;
  }
  engine_cancel_timer(t->e, &t->timer);
  if (!t->in_flight) {
    push(t, now, true);
    if (!t->in_flight) {
      t->state = kTelemetryOff;
      return 1;
    }
  }
  // The answer to what is in flight ends it (a push) or finds nothing more to do (a
  // subscription); a broker that does not answer within a second does not hold the close.
  t->closed = closed;
  t->closed_ud = ud;
  schedule(t, now + 1000, on_close_timer);
  return 0;
}

void telemetry_free(Telemetry *t) {
  if (t->e) {
    engine_cancel_timer(t->e, &t->timer);
    engine_cancel_owner(t->e, t, cancel_pending);
  }
  free_prefixes(t);
  for (size_t k = 0; k < t->n_last; k++) mem_free(t->alloc, t->last[k].key);
  mem_free(t->alloc, t->last);
  t->last = nullptr;
  t->n_last = t->cap_last = 0;
  buf_free(&t->payload);
  buf_free(&t->packed);
  t->e = nullptr;
}

int telemetry_encode(Telemetry *t, Buf *out, uint64_t now_ns) { return build(t, out, now_ns, false); }

}  // namespace uvk
