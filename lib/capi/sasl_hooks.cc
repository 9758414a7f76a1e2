// Custom SASL mechanisms and OAUTHBEARER (RFC 7628) over the connection's external hook.
#include "capi/sasl_hooks.h"

#include <stdio.h>
#include <string.h>

#include "capi/client_internal.h"
#include "capi/config.h"
#include "common/buf.h"
#include "engine/engine_io.h"

using namespace uvk;

namespace {

void put_text(Buf *b, const char *s) { put_raw(b, s, strlen(s)); }

// A step id carries the connection and the step: uvk_sasl_* find both again, and a stale id
// (the connection closed, or moved on) finds nothing.
uint64_t step_id(uint64_t conn_id, uint32_t exchange) { return conn_id << 32 | exchange; }
ConnId id_conn(uint64_t id) { return ConnId(id >> 32); }
uint32_t id_exchange(uint64_t id) { return uint32_t(id & 0xffffffffu); }

void on_step(void *ud, uint64_t conn_id, uint32_t exchange, const char *broker, const uint8_t *server, size_t len) {
  SaslHooks *h = static_cast<SaslHooks *>(ud);
  uint64_t id = step_id(conn_id, exchange);
  if (h->oauthbearer) {
    if (!server) {
      h->oauth_fn(h->oauth_ud, h->client, id);
      return;
    }
    // After the client's message the broker answers empty on success, else with an error
    // description; RFC 7628 3.2.2: the client then sends %x01 and the broker fails the
    // exchange with its message (which becomes the authentication error).
    static const uint8_t kAck = 0x01;
    engine_sasl_reply(client_engine(h->client), ConnId(conn_id), exchange, len == 0 ? kSaslReplyDone : kSaslReplySend,
                      &kAck, len == 0 ? 0 : 1, nullptr, client_now(h->client));
    return;
  }
  uvk_sasl_step st{id, broker, server, len};
  h->custom_fn(h->custom_ud, h->client, &st);
}

bool extension_key_ok(const char *k) {
  if (!k || !*k || strcmp(k, "auth") == 0) return false;
  for (const char *p = k; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) return false;
  return true;
}

bool printable(const char *v, bool allow_space) {
  if (!v) return false;
  for (const unsigned char *p = reinterpret_cast<const unsigned char *>(v); *p; p++)
    if (*p < 0x21 || *p > 0x7e) {
      if (!(allow_space && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))) return false;
    }
  return true;
}

}  // namespace

namespace uvk {

int sasl_hooks_init(SaslHooks *h, uvk_client *c, const uvk_config *cfg, SaslConfig *sasl) {
  h->client = c;
  h->ext.step = on_step;
  h->ext.ud = h;
  if (cfg->sasl_custom_fn && cfg->sasl_custom_name[0]) {
    h->custom_fn = cfg->sasl_custom_fn;
    h->custom_ud = cfg->sasl_custom_ud;
    snprintf(h->ext.name, sizeof h->ext.name, "%s", cfg->sasl_custom_name);
  } else if (cfg->sasl_mechanism && strcmp(cfg->sasl_mechanism, "oauthbearer") == 0) {
    if (!cfg->oauthbearer_fn) return UVK_EINVAL;
    h->oauthbearer = true;
    h->oauth_fn = cfg->oauthbearer_fn;
    h->oauth_ud = cfg->oauthbearer_ud;
    snprintf(h->ext.name, sizeof h->ext.name, "%s", "OAUTHBEARER");
  } else {
    return 0;
  }
  sasl->mechanism = kSaslExternal;
  sasl->external = &h->ext;
  return 0;
}

}  // namespace uvk

extern "C" {

UVK_EXTERN int uvk_sasl_send(uvk_client *c, uint64_t id, const void *message, size_t len) {
  if (!c || (len && !message) || len > (1u << 20)) return UVK_EINVAL;
  ClientScope scope(c, false);  // a failed exchange may reach the application's callbacks
  return engine_sasl_reply(client_engine(c), id_conn(id), id_exchange(id), kSaslReplySend,
                           static_cast<const uint8_t *>(message), len, nullptr, client_now(c));
}

UVK_EXTERN int uvk_sasl_done(uvk_client *c, uint64_t id) {
  if (!c) return UVK_EINVAL;
  ClientScope scope(c, false);
  return engine_sasl_reply(client_engine(c), id_conn(id), id_exchange(id), kSaslReplyDone, nullptr, 0, nullptr,
                           client_now(c));
}

UVK_EXTERN int uvk_sasl_fail(uvk_client *c, uint64_t id, const char *why) {
  if (!c) return UVK_EINVAL;
  ClientScope scope(c, false);
  return engine_sasl_reply(client_engine(c), id_conn(id), id_exchange(id), kSaslReplyFail, nullptr, 0, why,
                           client_now(c));
}

UVK_EXTERN int uvk_oauthbearer_token(uvk_client *c, uint64_t id, const char *token, const char *const *extensions,
                                     size_t n_extensions) {
  if (!c || !token || !*token || !printable(token, false) || strlen(token) > (64u << 10) ||
      (n_extensions && !extensions) || n_extensions > 64)
    return UVK_EINVAL;
  for (size_t i = 0; i < n_extensions; i++)
    if (!extension_key_ok(extensions[2 * i]) || !printable(extensions[2 * i + 1], true)) return UVK_EINVAL;
  // RFC 7628 client first message: gs2-header, then kvpairs separated by %x01, ending %x01%x01.
  Buf msg;
  msg.alloc = client_alloc(c);
  put_text(&msg, "n,,\x01" "auth=Bearer ");
  put_text(&msg, token);
  put_u8(&msg, 0x01);
  for (size_t i = 0; i < n_extensions; i++) {
    put_text(&msg, extensions[2 * i]);
    put_u8(&msg, '=');
    put_text(&msg, extensions[2 * i + 1]);
    put_u8(&msg, 0x01);
  }
  put_u8(&msg, 0x01);
  ClientScope scope(c, false);  // ends after buf_free(&msg) below (msg uses the client's allocator)
  int rc = msg.failed ? UVK_ENOMEM
                      : engine_sasl_reply(client_engine(c), id_conn(id), id_exchange(id), kSaslReplySend, msg.data,
                                          msg.len, nullptr, client_now(c));
  if (msg.data) memset(msg.data, 0, msg.cap);  // the token is a secret
  buf_free(&msg);
  return rc;
}

UVK_EXTERN int uvk_oauthbearer_fail(uvk_client *c, uint64_t id, const char *why) { return uvk_sasl_fail(c, id, why); }

}  // extern "C"
