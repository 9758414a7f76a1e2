#include "engine/conn.h"

#include <stdio.h>
#include <string.h>

#include "common/tls_record.h"
#include "engine/kafka_errors.h"
#include "engine/throttle_field.h"
#include "proto/gen/api_table.h"
#include "proto/gen/api_versions.h"
#include "proto/gen/headers.h"
#include "proto/gen/sasl_authenticate.h"
#include "proto/gen/sasl_handshake.h"
#include "uvkafka/uvk_errors.h"
#include "uvkafka/uvkafka.h"
#include "proto/client_versions.h"

namespace uvk {

namespace {

const int16_t kUnsupportedVersion = 35;  // Kafka's UNSUPPORTED_VERSION

uint64_t request_timeout(const Conn *c, const Request *r) {
  return r->min_timeout_ms > c->cfg.request_timeout_ms ? r->min_timeout_ms : c->cfg.request_timeout_ms;
}

void push(Request **head, Request **tail, Request *r) {
  r->next = nullptr;
  if (*tail) (*tail)->next = r; else *head = r;
  *tail = r;
}

Request *pop(Request **head, Request **tail) {
  Request *r = *head;
  if (r) {
    *head = r->next;
    if (!*head) *tail = nullptr;
    r->next = nullptr;
  }
  return r;
}

// Frames one request: size, header, body. Returns 0 or the encoder's error (nothing written).
int write_request(Conn *c, Request *r, int16_t version, uint64_t now) {
  size_t start = c->out.len;
  put_i32(&c->out, 0);  // size, patched below
  proto::RequestHeader h;
  h.request_api_key = r->api_key;
  h.request_api_version = version;
  h.correlation_id = c->next_correlation;
  h.client_id = proto::cstr(c->cfg.client_id);
  int rc = proto::encode(&c->out, h, proto::request_header_version(r->api_key, version));
  if (rc == 0) rc = r->encode(r->ud, &c->out, version);
  if (rc == 0 && c->out.failed) rc = UVK_ENOMEM;
  if (rc != 0) {
    if (!c->out.failed) c->out.len = start;
    return rc;
  }
  patch_be32(&c->out, start, uint32_t(c->out.len - start - 4));
  r->version = version;
  r->correlation_id = c->next_correlation++;
  if (c->next_correlation == INT32_MAX) c->next_correlation = 1;
  r->sent_at = now;
  r->conn = c;
  r->size = c->out.len - start;
  c->tx_reqs++;
  c->tx_bytes += r->size;
  r->deadline = c->cfg.enforce_request_timeout ? now + request_timeout(c, r) : UINT64_MAX;
  return 0;
}

void notify(Conn *c, ConnEventKind kind, const Request *r, size_t size) {
  if (c->observer.fn) c->observer.fn(c->observer.ud, kind, r, size, c->now);
}

// KIP-219: r's response asked for `ms` without requests. Capped at the request timeout, so a
// hostile broker cannot stall the connection for INT32_MAX ms; a negative value is ignored.
// Queued requests' deadlines move out by the added hold: time held back is not theirs.
void throttle(Conn *c, const Request *r, int32_t ms) {
  if (ms <= 0 || c->state == kConnClosed) return;
  uint64_t held = uint64_t(ms) < c->cfg.request_timeout_ms ? uint64_t(ms) : c->cfg.request_timeout_ms;
  c->throttles++;
  c->throttle_asked = ms;
  notify(c, kConnEventThrottled, r, size_t(held));
  uint64_t until = c->now + held;
  if (until <= c->throttle_until) return;
  uint64_t from = c->throttle_until > c->now ? c->throttle_until : c->now;
  for (Request *q = c->queued; q; q = q->next)
    if (q->deadline != UINT64_MAX) q->deadline += until - from;
  c->throttle_until = until;
}

Request *pop_queued(Conn *c) {
  Request *r = pop(&c->queued, &c->queued_tail);
  if (r) {
    c->n_queued--;
    notify(c, kConnEventQueueSize, nullptr, size_t(c->n_queued));
  }
  return r;
}

void complete(Request *r, int err, int16_t version, Reader *body) {
  if (r->done) r->done(r->ud, err, version, body, r);
}

// Sends queued requests while the connection is ready and below max_in_flight.
void flush_queue(Conn *c, uint64_t now) {
  while (c->state == kConnReady && c->queued && c->throttle_until <= now &&
         (c->cfg.max_in_flight < 0 || c->n_in_flight < c->cfg.max_in_flight)) {
    if (c->out_lent > 0 || c->out.len - c->out_done >= kConnMaxUnwritten) {
      c->output_held = true;  // conn_output_done / conn_output_return say when there is room again
      break;
    }
    Request *r = pop_queued(c);
    int16_t v = conn_pick_version(c, r->api_key, r->min_version, r->max_version);
    int rc = v < 0 ? UVK_EUNSUPPORTED : write_request(c, r, v, now);
    if (v < 0 && c->observer.fn) c->observer.fn(c->observer.ud, kConnEventNoVersion, r, 0, now);
    if (rc != 0) {
      complete(r, rc, v, nullptr);
      continue;
    }
    if (r->expects_response) {
      push(&c->in_flight, &c->in_flight_tail, r);
      c->n_in_flight++;
    } else {
      complete(r, 0, v, nullptr);  // acks=0: done once handed to the socket
    }
  }
}

int encode_api_versions(void *ud, Buf *out, int16_t version) {
  Conn *c = static_cast<Conn *>(ud);
  proto::ApiVersionsRequest req;
  req.client_software_name = proto::cstr(c->cfg.software_name);
  req.client_software_version = proto::cstr(c->cfg.software_version);
  return proto::encode(out, req, version);
}

void send_api_versions(Conn *c, uint64_t now);
void start_sasl(Conn *c);
void ask_external(Conn *c, const uint8_t *server, size_t len);

// After an authentication: when the broker gave the session a lifetime, the next one is due
// reauthenticationThreshold before it ends (at 85 % of a lifetime shorter than that).
void schedule_reauth(Conn *c) {
  c->reauth_at = UINT64_MAX;
  if (!c->cfg.sasl || c->cfg.sasl->mechanism == kSaslNone || c->session_lifetime_ms <= 0) return;
  uint64_t life = uint64_t(c->session_lifetime_ms);
  uint64_t threshold = c->cfg.reauthentication_threshold_ms;
  c->reauth_at = c->now + (life > threshold ? life - threshold : life * 85 / 100);
}

void become_ready(Conn *c) {
  bool again = c->reauthenticating;
  c->reauthenticating = false;
  c->state = kConnReady;
  schedule_reauth(c);
  if (again) {
    c->reauthentications++;
    notify(c, kConnEventReauthenticated, nullptr, size_t(c->session_lifetime_ms));
  } else {
    notify(c, kConnEventReady, nullptr, 0);
  }
  flush_queue(c, c->now);
}

void send_sasl_handshake(Conn *c);

// KIP-368: the session is about to end. Stop sending; authenticate once nothing is in flight.
void begin_reauth(Conn *c) {
  c->reauth_at = UINT64_MAX;
  c->reauthenticating = true;
  c->reauth_waiting = true;
  c->state = kConnAuthenticating;
}

void maybe_send_reauth(Conn *c) {
  if (!c->reauth_waiting || c->n_in_flight > 0 || c->state != kConnAuthenticating) return;
  c->reauth_waiting = false;
  send_sasl_handshake(c);
}

void auth_fail(Conn *c, int err, const char *fmt, const char *detail) {
  snprintf(c->error_message, sizeof c->error_message, fmt, detail ? detail : "");
  notify(c, kConnEventAuthFailed, nullptr, 0);
  conn_fail(c, err);
}

void api_versions_done(void *ud, int err, int16_t version, Reader *body, const Request *) {
  Conn *c = static_cast<Conn *>(ud);
  if (err != 0 || c->state != kConnApiVersions) return;  // the connection is closing
  Arena arena;
  proto::ApiVersionsResponse resp;
  // Every version starts with the error code; UNSUPPORTED_VERSION comes in v0 format.
  bool unsupported = rd_left(body) >= 2 && int16_t(body->p[0] << 8 | body->p[1]) == kUnsupportedVersion;
  int rc = proto::decode(body, &arena, &resp, unsupported ? 0 : version);
  if (unsupported && rc != 0 && version > 0) {
    body->err = 0;  // expected, not corruption: conn_read must not close for it
    // Not even v0 format (librdkafka's mock cluster answers in a flexible layout): the
    // error code is enough, ask again at v0 like the Java client does.
    arena_free(&arena);
    c->api_versions_version = 0;
    send_api_versions(c, c->api_versions_req.sent_at);
    return;
  }
  if (rc == 0 && resp.error_code == kUnsupportedVersion) {
    // The broker answered in v0 format with what it supports; ask again at a version it knows.
    int16_t broker_max = 0;
    for (int32_t i = 0; i < resp.api_keys.count; i++)
      if (resp.api_keys.items[i].api_key == proto::kApiVersions)
        broker_max = resp.api_keys.items[i].max_version;
    arena_free(&arena);
    c->api_versions_version = broker_max < version ? broker_max : 0;
    send_api_versions(c, c->api_versions_req.sent_at);
    return;
  }
  if (rc == 0 && resp.error_code != 0) rc = UVK_ERR_KAFKA(resp.error_code);
  if (rc == 0) {
    for (ApiRange &r : c->versions) r = ApiRange();
    for (int32_t i = 0; i < resp.api_keys.count; i++) {
      const auto &k = resp.api_keys.items[i];
      if (k.api_key >= 0 && k.api_key < int16_t(sizeof c->versions / sizeof c->versions[0]))
        c->versions[k.api_key] = ApiRange{k.min_version, k.max_version};
    }
    c->features_epoch = resp.finalized_features_epoch;
    c->transaction_version = 0;
    for (int32_t i = 0; i < resp.finalized_features.count; i++) {
      const auto &f = resp.finalized_features.items[i];
      if (f.name.len == 19 && memcmp(f.name.data, "transaction.version", 19) == 0)
        c->transaction_version = f.max_version_level;
    }
  }
  int32_t throttle_ms = rc == 0 && version >= 1 ? resp.throttle_time_ms : 0;
  arena_free(&arena);
  if (rc != 0) {
    conn_fail(c, rc);
    return;
  }
  throttle(c, &c->api_versions_req, throttle_ms);  // holds the queue back from become_ready
  if (c->cfg.sasl && c->cfg.sasl->mechanism != kSaslNone) {
    start_sasl(c);
    return;
  }
  become_ready(c);
}

// ---- SASL -------------------------------------------------------------------------------

int encode_sasl_handshake(void *ud, Buf *out, int16_t version) {
  Conn *c = static_cast<Conn *>(ud);
  proto::SaslHandshakeRequest req;
  req.mechanism = proto::cstr(sasl_config_name(c->cfg.sasl));
  return proto::encode(out, req, version);
}

int encode_sasl_authenticate(void *ud, Buf *out, int16_t version) {
  Conn *c = static_cast<Conn *>(ud);
  proto::SaslAuthenticateRequest req;
  req.auth_bytes = proto::Bytes{c->sasl_out.data ? c->sasl_out.data : reinterpret_cast<const uint8_t *>(""),
                                int32_t(c->sasl_out.len)};
  return proto::encode(out, req, version);
}

// Sends one SASL request now, ahead of anything queued (the queue waits for READY).
void send_sasl(Conn *c, int16_t api_key, int16_t version, RequestEncodeFn encode, RequestDoneFn done) {
  Request *r = &c->sasl_req;
  *r = Request();
  r->api_key = api_key;
  r->encode = encode;
  r->done = done;
  r->ud = c;
  r->created_at = c->now;
  if (write_request(c, r, version, c->now) != 0) {
    conn_fail(c, UVK_ENOMEM);
    return;
  }
  r->deadline = c->now + c->cfg.authentication_timeout_ms;
  push(&c->in_flight, &c->in_flight_tail, r);
  c->n_in_flight++;
}

void sasl_authenticate_done(void *ud, int err, int16_t version, Reader *body, const Request *);

void send_sasl_authenticate(Conn *c) {
  int16_t v = conn_pick_version(c, proto::kSaslAuthenticate, 0, proto::SaslAuthenticateRequest::kMaxVersion);
  send_sasl(c, proto::kSaslAuthenticate, v, encode_sasl_authenticate, sasl_authenticate_done);
}

void sasl_handshake_done(void *ud, int err, int16_t version, Reader *body, const Request *) {
  Conn *c = static_cast<Conn *>(ud);
  if (err != 0 || c->state != kConnAuthenticating) return;
  Arena arena;
  proto::SaslHandshakeResponse resp;
  int rc = proto::decode(body, &arena, &resp, version);
  if (rc != 0) {
    arena_free(&arena);
    conn_fail(c, rc);
    return;
  }
  if (resp.error_code != 0) {
    char offered[160] = {0};
    size_t used = 0;
    for (int32_t i = 0; i < resp.mechanisms.count && used + 2 < sizeof offered; i++) {
      const proto::Str &m = resp.mechanisms.items[i];
      int n = snprintf(offered + used, sizeof offered - used, "%s%.*s", i ? ", " : "", int(m.len), m.data);
      if (n < 0) break;
      used += size_t(n) < sizeof offered - used ? size_t(n) : sizeof offered - used - 1;
    }
    arena_free(&arena);
    c->error_kafka_code = resp.error_code;
    if (offered[0] == '\0') {
      // A listener without SASL answers SaslHandshake with ILLEGAL_SASL_STATE and no list.
      auth_fail(c, UVK_EAUTH, "%s", "this listener does not use SASL (it answered SaslHandshake with no "
                                    "mechanisms): drop sasl, or connect to a SASL_PLAINTEXT / SASL_SSL listener");
      return;
    }
    char why[240];
    snprintf(why, sizeof why, "the broker does not enable SASL %s on this listener; it offers: %s",
             sasl_config_name(c->cfg.sasl), offered);
    auth_fail(c, UVK_EAUTH, "%s", why);
    return;
  }
  arena_free(&arena);
  buf_clear(&c->sasl_out);
  if (c->cfg.sasl->mechanism == kSaslExternal) {
    ask_external(c, nullptr, 0);
    return;
  }
  rc = sasl_start(&c->sasl, c->cfg.sasl, &c->sasl_out);
  if (rc != 0) {
    auth_fail(c, rc, "could not start SASL %s", sasl_config_name(c->cfg.sasl));
    return;
  }
  send_sasl_authenticate(c);
}

void sasl_authenticate_done(void *ud, int err, int16_t version, Reader *body, const Request *) {
  Conn *c = static_cast<Conn *>(ud);
  if (err != 0 || c->state != kConnAuthenticating) return;
  Arena arena;
  proto::SaslAuthenticateResponse resp;
  int rc = proto::decode(body, &arena, &resp, version);
  if (rc != 0) {
    arena_free(&arena);
    conn_fail(c, rc);
    return;
  }
  if (resp.error_code != 0) {
    char msg[200];
    snprintf(msg, sizeof msg, "%.*s", int(resp.error_message.len), resp.error_message.data ? resp.error_message.data : "");
    arena_free(&arena);
    auth_fail(c, UVK_EAUTH, "authentication failed: %s", msg);
    return;
  }
  buf_clear(&c->sasl_out);
  bool done = false;
  const uint8_t *in = resp.auth_bytes.data ? resp.auth_bytes.data : reinterpret_cast<const uint8_t *>("");
  if (c->cfg.sasl->mechanism == kSaslExternal) {
    c->session_lifetime_ms = resp.session_lifetime_ms;
    // Copy: the frame is gone once this returns, and the mechanism may answer later.
    size_t n = size_t(resp.auth_bytes.len > 0 ? resp.auth_bytes.len : 0);
    Buf server;
    server.alloc = c->alloc;
    put_raw(&server, in, n);
    arena_free(&arena);
    if (server.failed) {
      buf_free(&server);
      conn_fail(c, UVK_ENOMEM);
      return;
    }
    ask_external(c, server.data ? server.data : in, n);
    buf_free(&server);
    return;
  }
  rc = sasl_step(&c->sasl, in, size_t(resp.auth_bytes.len > 0 ? resp.auth_bytes.len : 0), &c->sasl_out, &done);
  c->session_lifetime_ms = resp.session_lifetime_ms;
  arena_free(&arena);
  if (rc != 0) {
    auth_fail(c, UVK_EAUTH, "%s", "the broker's SASL answer failed verification (wrong server, or not "
                                  "the password it stores)");
    return;
  }
  if (done) {
    sasl_session_free(&c->sasl);
    become_ready(c);
    return;
  }
  send_sasl_authenticate(c);
}

// Hands the next step to the external mechanism and waits (authenticationTimeout) for
// conn_sasl_reply. server null: the first step. The mechanism may answer from inside.
void ask_external(Conn *c, const uint8_t *server, size_t len) {
  const SaslExternal *x = c->cfg.sasl->external;
  if (!x || !x->step) {
    auth_fail(c, UVK_EINVAL, "%s", "no SASL mechanism callback is set");
    return;
  }
  c->sasl_exchange++;
  c->sasl_waiting = true;
  c->sasl_wait_deadline = c->now + c->cfg.authentication_timeout_ms;
  c->in_external_step = true;
  x->step(x->ud, c->id, c->sasl_exchange, c->cfg.broker_label, server, len);
  c->in_external_step = false;
}

void start_sasl(Conn *c) {
  if (c->versions[proto::kSaslHandshake].max < 1 || c->versions[proto::kSaslAuthenticate].max < 0 ||
      version_cap(c->cfg.cap, proto::kSaslHandshake) < 1) {
    auth_fail(c, UVK_EUNSUPPORTED, "%s", "the broker (or protocolVersionCap) has no SaslHandshake v1 / "
                                         "SaslAuthenticate (Kafka 1.0+ needed for SASL)");
    return;
  }
  c->state = kConnAuthenticating;
  send_sasl_handshake(c);
}

void send_sasl_handshake(Conn *c) {
  send_sasl(c, proto::kSaslHandshake, 1, encode_sasl_handshake, sasl_handshake_done);
}

void send_api_versions(Conn *c, uint64_t now) {
  Request *r = &c->api_versions_req;
  *r = Request();
  r->api_key = proto::kApiVersions;
  r->encode = encode_api_versions;
  r->done = api_versions_done;
  r->ud = c;
  r->created_at = now;
  int16_t v = c->api_versions_version;
  int16_t cap = version_cap(c->cfg.cap, proto::kApiVersions);
  if (v > cap) v = cap < 0 ? 0 : cap;
  if (write_request(c, r, v, now) != 0) {
    conn_fail(c, UVK_ENOMEM);
    return;
  }
  push(&c->in_flight, &c->in_flight_tail, r);
  c->n_in_flight++;
}

// Skips a response header v1's tagged fields.
bool skip_tags(Reader *r) {
  uint32_t n = get_uvarint32(r);
  for (uint32_t i = 0; i < n && rd_ok(r); i++) {
    get_uvarint32(r);
    rd_take(r, get_uvarint32(r));
  }
  return rd_ok(r);
}

}  // namespace

void conn_init(Conn *c, const ConnConfig &cfg, const Allocator *a) {
  c->cfg = cfg;
  c->alloc = a;
  c->out.alloc = c->in.alloc = c->sasl_out.alloc = a;
  c->sasl.client_first_bare.alloc = c->sasl.auth_message.alloc = a;
  c->state = kConnConnecting;
  c->api_versions_version = proto::kUseApiVersions;
}

void conn_destroy(Conn *c) {
  conn_fail(c, UVK_ECLOSED);
  buf_free(&c->out);
  buf_free(&c->in);
  buf_free(&c->sasl_out);
  sasl_session_free(&c->sasl);
}

void conn_connected(Conn *c, uint64_t now) {
  c->now = now;
  if (c->state != kConnConnecting) return;
  c->state = kConnApiVersions;
  send_api_versions(c, now);
}

void conn_send(Conn *c, Request *r, uint64_t now) {
  c->now = now;
  r->created_at = now;
  r->version = -1;
  r->conn = nullptr;
  if (c->cfg.enforce_request_timeout)
    r->deadline = now + request_timeout(c, r) + (c->throttle_until > now ? c->throttle_until - now : 0);
  push(&c->queued, &c->queued_tail, r);
  c->n_queued++;
  notify(c, kConnEventQueueSize, nullptr, size_t(c->n_queued));
  flush_queue(c, now);
}

size_t conn_output(Conn *c, const uint8_t **data) {
  *data = c->out.data + c->out_done;
  return c->out.len - c->out_done;
}

bool conn_output_done(Conn *c, size_t n, uint64_t now) {
  (void)now;
  c->out_done += n;
  if (c->out_done >= c->out.len) {
    buf_clear(&c->out);
    c->out_done = 0;
  }
  if (!c->output_held || c->out.len - c->out_done >= kConnMaxUnwritten) return false;
  c->output_held = false;
  return c->queued != nullptr;
}

size_t conn_output_take(Conn *c, Buf *dst, size_t *from) {
  size_t n = c->out.len - c->out_done;
  if (n == 0 || c->out_lent > 0 || dst->data) return 0;
  *dst = c->out;
  *from = c->out_done;
  c->out = Buf();
  c->out.alloc = c->alloc;
  c->out_done = 0;
  c->out_lent = n;
  return n;
}

bool conn_output_return(Conn *c, Buf *b, uint64_t now) {
  (void)now;
  c->out_lent = 0;
  // One buffer per connection: the larger one stays, unless frames were written meanwhile.
  if (c->out.len == 0 && b->cap > c->out.cap) {
    Buf t = c->out;
    c->out = *b;
    *b = t;
    buf_clear(&c->out);
    c->out_done = 0;
  }
  buf_free(b);
  if (!c->output_held || c->out.len - c->out_done >= kConnMaxUnwritten) return false;
  c->output_held = false;
  return c->queued != nullptr;
}

void conn_flush(Conn *c, uint64_t now) {
  c->now = now;
  flush_queue(c, now);
}

static int parse_frames(Conn *c, uint64_t now);

int conn_read(Conn *c, const uint8_t *data, size_t len, uint64_t now) {
  c->now = now;
  if (c->state == kConnClosed) return c->error;
  put_raw(&c->in, data, len);
  if (c->in.failed) {
    conn_fail(c, UVK_ENOMEM);
    return UVK_ENOMEM;
  }
  return parse_frames(c, now);
}

size_t conn_read_window(Conn *c, size_t min, uint8_t **at) {
  if (c->state == kConnClosed || c->in.len < 4 || c->responses == 0) return 0;
  Reader hr = reader_make(c->in.data, 4);
  int32_t size = get_i32(&hr);
  // A bad length is refused by parse_frames when bytes come; no room is made for it here.
  if (size < 4 || size_t(size) > c->cfg.max_response_size) return 0;
  size_t frame = 4 + size_t(size);
  if (c->in.len >= frame) return 0;
  size_t need = frame - c->in.len;
  if (need < min) return 0;
  // Room grows by at most what is buffered (as with put_raw): a hostile length
  // below the cap reserves no more than the bytes actually sent for it.
  size_t room = c->in.cap - c->in.len;
  if (room < need && room < c->in.len) {
    if (!buf_grow(&c->in, need < c->in.len ? need : c->in.len)) {
      c->in.failed = false;  // the copying read reports it
      return 0;
    }
    room = c->in.cap - c->in.len;
  }
  if (room < min) return 0;
  *at = c->in.data + c->in.len;
  return room < need ? room : need;
}

int conn_read_landed(Conn *c, size_t len, uint64_t now) {
  c->now = now;
  if (c->state == kConnClosed) return c->error;
  c->in.len += len;
  return parse_frames(c, now);
}

static int parse_frames(Conn *c, uint64_t now) {
  size_t pos = 0;
  while (c->state != kConnClosed && c->in.len - pos >= 4) {
    if (c->responses == 0 && looks_like_tls_record(c->in.data + pos, c->in.len - pos)) {
      snprintf(c->error_message, sizeof c->error_message, "%s",
               "the broker answered with TLS: this listener needs ssl (--tls), or connect to a PLAINTEXT one");
      conn_fail(c, UVK_ETLS);
      return UVK_ETLS;
    }
    Reader hr = reader_make(c->in.data + pos, 4);
    int32_t size = get_i32(&hr);
    if (size < 4 || size_t(size) > c->cfg.max_response_size) {
      // Refused before anything is buffered for it: a 2 GB length costs nothing.
      snprintf(c->error_message, sizeof c->error_message, "response frame length %ld %s (maxResponseSize %zu)",
               long(size), size < 4 ? "is below 4" : "is over the limit", c->cfg.max_response_size);
      conn_fail(c, UVK_EPROTO);
      return UVK_EPROTO;
    }
    if (c->in.len - pos - 4 < size_t(size)) break;
    Reader frame = reader_make(c->in.data + pos + 4, size_t(size));
    pos += 4 + size_t(size);
    int32_t correlation = get_i32(&frame);
    Request *r = c->in_flight;
    if (!r || r->correlation_id != correlation) {
      if (r)
        snprintf(c->error_message, sizeof c->error_message, "response correlation id %ld, expected %ld",
                 long(correlation), long(r->correlation_id));
      else
        snprintf(c->error_message, sizeof c->error_message, "a response (correlation id %ld) to no request",
                 long(correlation));
      conn_fail(c, UVK_EPROTO);  // Kafka answers in order: anything else is corruption
      return UVK_EPROTO;
    }
    pop(&c->in_flight, &c->in_flight_tail);
    c->n_in_flight--;
    c->responses++;
    c->rx_bytes += 4 + uint64_t(size);
    if (proto::response_header_version(r->api_key, r->version) >= 1 && !skip_tags(&frame)) {
      complete(r, UVK_EPROTO, r->version, nullptr);
      conn_fail(c, UVK_EPROTO);
      return UVK_EPROTO;
    }
    notify(c, kConnEventResponse, r, 4 + size_t(size));
    // Before the callback: what it sends in answer is held back too.
    int32_t at = throttle_field_offset(r->api_key, r->version);
    if (at >= 0 && rd_left(&frame) >= size_t(at) + 4) {
      Reader t = reader_make(frame.p + at, 4);
      throttle(c, r, get_i32(&t));
    }
    int16_t api_key = r->api_key, version = r->version;
    complete(r, 0, version, &frame);
    // The callback decoded the body: a body that failed to decode (the decoder left
    // frame.err set; a records reader that found a corrupt batch sets it too) means the
    // peer sends garbage, so the connection closes. ENOMEM (an arena limit) is ours, not
    // the peer's fault. Before this, such a connection stayed open and was used again.
    if (frame.err != 0 && frame.err != UVK_ENOMEM && c->state != kConnClosed) {
      const proto::ApiInfo *info = proto::api_info(api_key);
      snprintf(c->error_message, sizeof c->error_message, "%s in a %s v%d response",
               frame.err == UVK_EPROTO ? "undecodable data" : "corrupt records", info ? info->name : "?",
               int(version));
      conn_fail(c, frame.err);
      return frame.err;
    }
  }
  if (c->state == kConnClosed) return c->error;
  if (pos > 0) {
    memmove(c->in.data, c->in.data + pos, c->in.len - pos);
    c->in.len -= pos;
  }
  maybe_send_reauth(c);
  flush_queue(c, now);
  return 0;
}

void conn_fail(Conn *c, int err) {
  if (c->state == kConnClosed) return;
  c->state = kConnClosed;
  c->error = err;
  if (err == UVK_EPROTO) c->rx_errs++;
  c->tx_errs += uint64_t(c->n_in_flight) + uint64_t(c->n_queued);
  notify(c, kConnEventFailed, nullptr, 0);  // before the requests: their error objects read why
  // Take both lists first: a callback may queue new requests, which then fail at once.
  Request *flight = c->in_flight, *queued = c->queued;
  c->in_flight = c->in_flight_tail = c->queued = c->queued_tail = nullptr;
  c->n_in_flight = 0;
  if (c->n_queued) {
    c->n_queued = 0;
    notify(c, kConnEventQueueSize, nullptr, 0);
  }
  for (Request *r = flight; r;) {
    Request *next = r->next;
    complete(r, err, r->version, nullptr);
    r = next;
  }
  for (Request *r = queued; r;) {
    Request *next = r->next;
    complete(r, err, -1, nullptr);
    r = next;
  }
}

int conn_sasl_reply(Conn *c, uint32_t exchange, SaslReplyKind kind, const uint8_t *bytes, size_t len,
                    const char *why) {
  if (c->state != kConnAuthenticating || !c->sasl_waiting || exchange != c->sasl_exchange) return UVK_ENOTFOUND;
  c->sasl_waiting = false;
  c->sasl_wait_deadline = UINT64_MAX;
  switch (kind) {
    case kSaslReplySend:
      buf_clear(&c->sasl_out);
      if (len) put_raw(&c->sasl_out, bytes, len);
      if (c->sasl_out.failed) {
        conn_fail(c, UVK_ENOMEM);
        return 0;
      }
      send_sasl_authenticate(c);
      return 0;
    case kSaslReplyDone:
      become_ready(c);
      return 0;
    case kSaslReplyFail:
    default:
      auth_fail(c, UVK_EAUTH, "the SASL mechanism failed: %s", why && *why ? why : "no reason given");
      return 0;
  }
}

uint64_t conn_next_deadline(const Conn *c) {
  uint64_t d = c->sasl_waiting ? c->sasl_wait_deadline : UINT64_MAX;
  if (c->state == kConnReady && c->reauth_at < d) d = c->reauth_at;
  if (c->in_flight && c->in_flight->deadline < d) d = c->in_flight->deadline;
  if (c->queued && c->state == kConnReady && c->throttle_until > c->now && c->throttle_until < d)
    d = c->throttle_until;  // the hold ends: queued requests go out
  for (const Request *r = c->queued; r; r = r->next)
    if (r->deadline < d) d = r->deadline;
  return d;
}

int conn_timer(Conn *c, uint64_t now) {
  c->now = now;
  if (c->state == kConnClosed) return c->error;
  // Requests still waiting for the connection time out alone.
  Request **link = &c->queued;
  Request *prev = nullptr;
  while (*link) {
    Request *r = *link;
    if (r->deadline <= now) {
      *link = r->next;
      if (c->queued_tail == r) c->queued_tail = prev;
      r->next = nullptr;
      c->n_queued--;
      notify(c, kConnEventQueueSize, nullptr, size_t(c->n_queued));
      notify(c, kConnEventTimeout, r, 0);
      complete(r, UVK_ETIMEDOUT, -1, nullptr);
      if (c->state == kConnClosed) return c->error;
      continue;
    }
    prev = r;
    link = &r->next;
  }
  if (c->state == kConnReady && c->reauth_at <= now) {
    begin_reauth(c);
    maybe_send_reauth(c);
    if (c->state == kConnClosed) return c->error;
  }
  if (c->sasl_waiting && c->sasl_wait_deadline <= now) {
    c->sasl_waiting = false;
    auth_fail(c, UVK_EAUTH, "%s", "the SASL mechanism gave no answer within authenticationTimeout");
    c->error = UVK_EAUTH;
    return UVK_EAUTH;
  }
  // A sent request that timed out takes the connection down with it.
  if (c->in_flight && c->in_flight->deadline <= now) {
    Request *r = pop(&c->in_flight, &c->in_flight_tail);
    c->n_in_flight--;
    notify(c, kConnEventTimeout, r, 0);
    const proto::ApiInfo *info = proto::api_info(r->api_key);
    snprintf(c->error_message, sizeof c->error_message,
             "no answer to %s v%d within requestTimeout (%u ms): the broker is overloaded, stuck or unreachable",
             info ? info->name : "a request", int(r->version), unsigned(c->cfg.request_timeout_ms));
    c->error = UVK_ETIMEDOUT;
    notify(c, kConnEventFailed, nullptr, 0);  // before the request: its error object reads why
    complete(r, UVK_ETIMEDOUT, r->version, nullptr);
    conn_fail(c, UVK_ECLOSED);
    c->error = UVK_ETIMEDOUT;
    return UVK_ETIMEDOUT;
  }
  flush_queue(c, now);  // a throttle hold may have ended
  return c->state == kConnClosed ? c->error : 0;
}

void request_report_throttle(const Request *r, int32_t throttle_time_ms) {
  if (r && r->conn) throttle(r->conn, r, throttle_time_ms);
}

int16_t conn_pick_version(const Conn *c, int16_t api_key, int16_t min_v, int16_t max_v) {
  if (api_key < 0 || api_key >= int16_t(sizeof c->versions / sizeof c->versions[0])) return -1;
  const ApiRange &b = c->versions[api_key];
  if (b.max < 0) return -1;
  int16_t hi = max_v < b.max ? max_v : b.max;
  int16_t cap = version_cap(c->cfg.cap, api_key);
  if (cap < hi) hi = cap;
  int16_t lo = min_v > b.min ? min_v : b.min;
  return hi >= lo ? hi : -1;
}

}  // namespace uvk
