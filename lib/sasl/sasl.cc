#include "sasl/sasl.h"

#include <string.h>
#include <strings.h>
#include <errno.h>
#include <sys/random.h>

#include <mbedtls/base64.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/version.h>

#include "uvkafka/uvk_errors.h"

namespace uvk {

namespace {

const uint32_t kMaxIterations = 1000000;  // a hostile server cannot make us spin for hours

enum ScramState { kScramStart = 0, kScramSentFirst, kScramSentFinal, kScramDone };

mbedtls_md_type_t md_type(SaslMechanismId m) {
  return m == kSaslScramSha512 ? MBEDTLS_MD_SHA512 : MBEDTLS_MD_SHA256;
}

int hmac(SaslMechanismId m, const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
         uint8_t *out) {
  const mbedtls_md_info_t *info = mbedtls_md_info_from_type(md_type(m));
  return info && mbedtls_md_hmac(info, key, key_len, data, len, out) == 0 ? 0 : UVK_EAUTH;
}

int hash(SaslMechanismId m, const uint8_t *data, size_t len, uint8_t *out) {
  const mbedtls_md_info_t *info = mbedtls_md_info_from_type(md_type(m));
  return info && mbedtls_md(info, data, len, out) == 0 ? 0 : UVK_EAUTH;
}

void put_str(Buf *b, const char *s) { put_raw(b, s, strlen(s)); }

// saslname: ',' and '=' escaped as =2C and =3D (RFC 5802 5.1).
void put_saslname(Buf *b, const char *s) {
  for (; *s; s++) {
    if (*s == ',') put_str(b, "=2C");
    else if (*s == '=') put_str(b, "=3D");
    else put_u8(b, uint8_t(*s));
  }
}

bool make_nonce(char *out, size_t n) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  uint8_t raw[32];
  if (n < sizeof raw + 1 || !secure_random(raw, sizeof raw)) return false;
  for (size_t i = 0; i < sizeof raw; i++) out[i] = kAlphabet[raw[i] & 63];
  out[sizeof raw] = '\0';
  return true;
}

// Finds "k=" attribute values in a comma-separated SCRAM message.
bool attr(const uint8_t *in, size_t len, char key, const uint8_t **v, size_t *vlen) {
  size_t i = 0;
  while (i < len) {
    size_t end = i;
    while (end < len && in[end] != ',') end++;
    if (end - i >= 2 && in[i] == uint8_t(key) && in[i + 1] == '=') {
      *v = in + i + 2;
      *vlen = end - i - 2;
      return true;
    }
    i = end + 1;
  }
  return false;
}

int scram_start(SaslSession *s, Buf *out) {
  const SaslConfig *cfg = s->cfg;
  if (cfg->test_nonce) {
    if (strlen(cfg->test_nonce) >= sizeof s->nonce) return UVK_EINVAL;
    strcpy(s->nonce, cfg->test_nonce);
  } else if (!make_nonce(s->nonce, sizeof s->nonce)) {
    return UVK_EAUTH;
  }
  buf_clear(&s->client_first_bare);
  put_str(&s->client_first_bare, "n=");
  put_saslname(&s->client_first_bare, cfg->username);
  put_str(&s->client_first_bare, ",r=");
  put_str(&s->client_first_bare, s->nonce);
  put_str(out, "n,,");
  put_raw(out, s->client_first_bare.data, s->client_first_bare.len);
  s->state = kScramSentFirst;
  return s->client_first_bare.failed || out->failed ? UVK_ENOMEM : 0;
}

int scram_client_final(SaslSession *s, const uint8_t *in, size_t len, Buf *out) {
  SaslMechanismId m = s->cfg->mechanism;
  const uint8_t *r, *salt64, *iters;
  size_t rlen, salt64_len, iters_len;
  if (!attr(in, len, 'r', &r, &rlen) || !attr(in, len, 's', &salt64, &salt64_len) ||
      !attr(in, len, 'i', &iters, &iters_len))
    return UVK_EAUTH;
  size_t cn = strlen(s->nonce);
  if (rlen <= cn || memcmp(r, s->nonce, cn) != 0) return UVK_EAUTH;  // must extend our nonce
  uint32_t i = 0;
  if (iters_len == 0 || iters_len > 7) return UVK_EAUTH;
  for (size_t k = 0; k < iters_len; k++) {
    if (iters[k] < '0' || iters[k] > '9') return UVK_EAUTH;
    i = i * 10 + uint32_t(iters[k] - '0');
  }
  if (i == 0 || i > kMaxIterations) return UVK_EAUTH;
  uint8_t salt[256];
  size_t salt_len = 0;
  if (mbedtls_base64_decode(salt, sizeof salt, &salt_len, salt64, salt64_len) != 0) return UVK_EAUTH;
  uint8_t salted[64], client_key[64], stored_key[64], signature[64], server_key[64];
  size_t hl = s->hash_len;
  int rc = scram_salted_password(m, s->cfg->password, salt, salt_len, i, salted);
  if (rc == 0) rc = hmac(m, salted, hl, reinterpret_cast<const uint8_t *>("Client Key"), 10, client_key);
  if (rc == 0) rc = hash(m, client_key, hl, stored_key);
  if (rc != 0) return rc;
  // AuthMessage = client-first-bare "," server-first "," client-final-without-proof
  Buf without_proof;
  put_str(&without_proof, "c=biws,r=");
  put_raw(&without_proof, r, rlen);
  buf_clear(&s->auth_message);
  put_raw(&s->auth_message, s->client_first_bare.data, s->client_first_bare.len);
  put_u8(&s->auth_message, ',');
  put_raw(&s->auth_message, in, len);
  put_u8(&s->auth_message, ',');
  put_raw(&s->auth_message, without_proof.data, without_proof.len);
  if (s->auth_message.failed || without_proof.failed) {
    buf_free(&without_proof);
    return UVK_ENOMEM;
  }
  rc = hmac(m, stored_key, hl, s->auth_message.data, s->auth_message.len, signature);
  if (rc == 0) rc = hmac(m, salted, hl, reinterpret_cast<const uint8_t *>("Server Key"), 10, server_key);
  if (rc == 0)
    rc = hmac(m, server_key, hl, s->auth_message.data, s->auth_message.len, s->server_signature);
  if (rc != 0) {
    buf_free(&without_proof);
    return rc;
  }
  uint8_t proof[64];
  for (size_t k = 0; k < hl; k++) proof[k] = client_key[k] ^ signature[k];
  unsigned char proof64[128];
  size_t proof64_len = 0;
  mbedtls_base64_encode(proof64, sizeof proof64, &proof64_len, proof, hl);
  put_raw(out, without_proof.data, without_proof.len);
  put_str(out, ",p=");
  put_raw(out, proof64, proof64_len);
  buf_free(&without_proof);
  // Nothing secret stays on the stack longer than needed.
  memset(salted, 0, sizeof salted);
  memset(client_key, 0, sizeof client_key);
  memset(stored_key, 0, sizeof stored_key);
  memset(server_key, 0, sizeof server_key);
  s->state = kScramSentFinal;
  return out->failed ? UVK_ENOMEM : 0;
}

int scram_verify_server(SaslSession *s, const uint8_t *in, size_t len) {
  const uint8_t *v;
  size_t vlen;
  if (!attr(in, len, 'v', &v, &vlen)) return UVK_EAUTH;  // "e=..." or garbage
  uint8_t sig[96];
  size_t sig_len = 0;
  if (mbedtls_base64_decode(sig, sizeof sig, &sig_len, v, vlen) != 0) return UVK_EAUTH;
  if (sig_len != s->hash_len) return UVK_EAUTH;
  uint8_t diff = 0;
  for (size_t k = 0; k < sig_len; k++) diff |= uint8_t(sig[k] ^ s->server_signature[k]);
  if (diff != 0) return UVK_EAUTH;  // the broker does not know the password: not our broker
  s->state = kScramDone;
  return 0;
}

}  // namespace

const char *sasl_mechanism_name(SaslMechanismId m) {
  switch (m) {
    case kSaslPlain: return "PLAIN";
    case kSaslScramSha256: return "SCRAM-SHA-256";
    case kSaslScramSha512: return "SCRAM-SHA-512";
    default: return nullptr;
  }
}

const char *sasl_config_name(const SaslConfig *cfg) {
  if (cfg->mechanism == kSaslExternal) return cfg->external ? cfg->external->name : "";
  return sasl_mechanism_name(cfg->mechanism);
}

SaslMechanismId sasl_mechanism_from_config(const char *name) {
  if (!name) return kSaslNone;
  if (strcasecmp(name, "plain") == 0) return kSaslPlain;
  if (strcasecmp(name, "scram-sha-256") == 0) return kSaslScramSha256;
  if (strcasecmp(name, "scram-sha-512") == 0) return kSaslScramSha512;
  return kSaslNone;
}

bool secure_random(uint8_t *out, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(out + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    got += size_t(r);
  }
  return true;
}

int scram_salted_password(SaslMechanismId m, const char *password, const uint8_t *salt,
                          size_t salt_len, uint32_t iterations, uint8_t *out) {
  const mbedtls_md_info_t *info = mbedtls_md_info_from_type(md_type(m));
  if (!info) return UVK_EAUTH;
  size_t hl = mbedtls_md_get_size(info);
#if MBEDTLS_VERSION_NUMBER >= 0x03030000
  int rc = mbedtls_pkcs5_pbkdf2_hmac_ext(md_type(m), reinterpret_cast<const unsigned char *>(password),
                                         strlen(password), salt, salt_len, iterations, uint32_t(hl), out);
#else
  mbedtls_md_context_t ctx;
  mbedtls_md_init(&ctx);
  int rc = mbedtls_md_setup(&ctx, info, 1);
  if (rc == 0)
    rc = mbedtls_pkcs5_pbkdf2_hmac(&ctx, reinterpret_cast<const unsigned char *>(password), strlen(password),
                                   salt, salt_len, iterations, uint32_t(hl), out);
  mbedtls_md_free(&ctx);
#endif
  return rc == 0 ? 0 : UVK_EAUTH;
}

int sasl_start(SaslSession *s, const SaslConfig *cfg, Buf *out) {
  s->cfg = cfg;
  s->state = 0;
  if (!cfg->username || !cfg->password) return UVK_EINVAL;
  switch (cfg->mechanism) {
    case kSaslPlain:
      // authzid (empty) NUL authcid NUL passwd
      put_u8(out, 0);
      put_str(out, cfg->username);
      put_u8(out, 0);
      put_str(out, cfg->password);
      s->state = 1;
      return out->failed ? UVK_ENOMEM : 0;
    case kSaslScramSha256:
    case kSaslScramSha512:
      s->hash_len = cfg->mechanism == kSaslScramSha512 ? 64 : 32;
      return scram_start(s, out);
    default:
      return UVK_EINVAL;
  }
}

int sasl_step(SaslSession *s, const uint8_t *in, size_t len, Buf *out, bool *done) {
  *done = false;
  if (!s->cfg) return UVK_EINVAL;
  if (s->cfg->mechanism == kSaslPlain) {
    *done = true;  // the broker's answer carries no bytes that matter
    return 0;
  }
  switch (s->state) {
    case kScramSentFirst:
      return scram_client_final(s, in, len, out);
    case kScramSentFinal: {
      int rc = scram_verify_server(s, in, len);
      *done = rc == 0;
      return rc;
    }
    default:
      return UVK_EAUTH;
  }
}

void sasl_session_free(SaslSession *s) {
  buf_free(&s->client_first_bare);
  buf_free(&s->auth_message);
  memset(s->server_signature, 0, sizeof s->server_signature);
  s->cfg = nullptr;
}

}  // namespace uvk
