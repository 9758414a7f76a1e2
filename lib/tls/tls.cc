#include "tls/tls.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <new>

#include <mbedtls/asn1.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include "common/tls_record.h"
#include "uvkafka/uvk_errors.h"

#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>  // TLS 1.3 in mbedTLS 3.x runs on PSA, which must be initialised
#endif

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define UVK_MBED_FIELD(f) MBEDTLS_PRIVATE(f)
#else
#define UVK_MBED_FIELD(f) f
#endif

namespace uvk {

struct TlsContext {
  const Allocator *alloc;
  mbedtls_ssl_config conf;
  mbedtls_x509_crt ca;
  mbedtls_x509_crt cert;
  mbedtls_pk_context key;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  bool reject_unauthorized;
  char servername[256];
};

struct TlsConn {
  TlsContext *ctx;
  mbedtls_ssl_context ssl;
  Buf in;         // ciphertext fed, not yet consumed
  size_t in_pos;
  Buf out;        // ciphertext to send
  bool ip_host;   // the name to verify is an IP address: checked against iPAddress SANs
  uint8_t ip[16];
  size_t ip_len;
  bool done;
  char error[320];
};

namespace {

void mbed_error(int rc, char *err, size_t errlen, const char *what) {
  char buf[128];
  mbedtls_strerror(rc, buf, sizeof buf);
  snprintf(err, errlen, "%s: %s", what, buf);
}

bool is_pem(const char *s) { return strstr(s, "-----BEGIN") != nullptr; }

// One file or directory of certificates (a directory: every file in it that parses).
int load_path(mbedtls_x509_crt *crt, const char *path) {
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return mbedtls_x509_crt_parse_path(crt, path);
  return mbedtls_x509_crt_parse_file(crt, path);
}

// PEM text (one or more certificates), or a comma-separated list of files / directories.
int load_certs(mbedtls_x509_crt *crt, const char *v, char *err, size_t errlen, const char *what) {
  int rc = 0;
  if (is_pem(v)) {
    rc = mbedtls_x509_crt_parse(crt, reinterpret_cast<const unsigned char *>(v), strlen(v) + 1);
  } else {
    for (const char *p = v; *p && rc >= 0;) {
      while (*p == ' ' || *p == ',') p++;
      const char *end = strchr(p, ',');
      size_t n = end ? size_t(end - p) : strlen(p);
      while (n > 0 && p[n - 1] == ' ') n--;
      if (n > 0) {
        char path[4096];
        if (n >= sizeof path) {
          snprintf(err, errlen, "%s: a path is too long", what);
          return UVK_ETLS;
        }
        memcpy(path, p, n);
        path[n] = '\0';
        rc = load_path(crt, path);
        if (rc < 0) {
          char buf[128];
          mbedtls_strerror(rc, buf, sizeof buf);
          snprintf(err, errlen, "%s: %s: %s", what, path, buf);
          return UVK_ETLS;
        }
      }
      p = end ? end + 1 : p + strlen(p);
    }
  }
  if (rc < 0) {
    mbed_error(rc, err, errlen, what);
    return UVK_ETLS;
  }
  if (rc > 0 && crt->version == 0) {
    snprintf(err, errlen, "%s: no certificate could be read", what);
    return UVK_ETLS;
  }
  return 0;
}

int bio_send(void *ud, const unsigned char *buf, size_t len) {
  TlsConn *c = static_cast<TlsConn *>(ud);
  put_raw(&c->out, buf, len);
  return c->out.failed ? MBEDTLS_ERR_SSL_ALLOC_FAILED : int(len);
}

int bio_recv(void *ud, unsigned char *buf, size_t len) {
  TlsConn *c = static_cast<TlsConn *>(ud);
  size_t avail = c->in.len - c->in_pos;
  if (avail == 0) return MBEDTLS_ERR_SSL_WANT_READ;
  size_t n = avail < len ? avail : len;
  memcpy(buf, c->in.data + c->in_pos, n);
  c->in_pos += n;
  if (c->in_pos == c->in.len) {
    buf_clear(&c->in);
    c->in_pos = 0;
  }
  return int(n);
}

// Whether the certificate's subjectAltName lists this IP address (mbedTLS 2.28 keeps only
// DNS names in its parsed list, so the extension is read from the DER here).
bool cert_has_ip(const mbedtls_x509_crt *crt, const uint8_t *ip, size_t ip_len) {
  static const uint8_t kSanOid[] = {0x06, 0x03, 0x55, 0x1d, 0x11};
  const uint8_t *p = crt->UVK_MBED_FIELD(v3_ext).p;
  size_t n = crt->UVK_MBED_FIELD(v3_ext).len;
  if (!p || n < sizeof kSanOid) return false;
  const uint8_t *end = p + n;
  for (const uint8_t *q = p; q + sizeof kSanOid <= end; q++) {
    if (memcmp(q, kSanOid, sizeof kSanOid) != 0) continue;
    unsigned char *cur = const_cast<unsigned char *>(q + sizeof kSanOid);
    unsigned char *lim = const_cast<unsigned char *>(end);
    int critical = 0;
    mbedtls_asn1_get_bool(&cur, lim, &critical);  // optional
    size_t len;
    if (mbedtls_asn1_get_tag(&cur, lim, &len, MBEDTLS_ASN1_OCTET_STRING) != 0) return false;
    lim = cur + len;
    if (mbedtls_asn1_get_tag(&cur, lim, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) return false;
    lim = cur + len;
    while (cur < lim) {
      unsigned char tag = *cur++;
      if (mbedtls_asn1_get_len(&cur, lim, &len) != 0) return false;
      if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && len == ip_len && memcmp(cur, ip, ip_len) == 0) return true;
      cur += len;
    }
    return false;
  }
  return false;
}

// The description byte of the fatal alert mbedTLS just received (it leaves the record in in_msg).
int peer_alert(const TlsConn *c) {
#if MBEDTLS_VERSION_MAJOR >= 3
  const unsigned char *m = c->ssl.MBEDTLS_PRIVATE(in_msg);
#else
  const unsigned char *m = c->ssl.in_msg;
#endif
  return m ? int(m[1]) : -1;
}

void set_verify_error(TlsConn *c, uint32_t flags) {
  char info[200];
  int n = mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
  if (n > 0 && info[n - 1] == '\n') info[n - 1] = '\0';
  for (char *p = info; *p; p++)
    if (*p == '\n') *p = ';';
  // The likely fix first: the mbedTLS text after it names every flag.
  const char *fix = (flags & MBEDTLS_X509_BADCERT_EXPIRED) ? "the broker's certificate has expired: renew it "
                                                             "(or check this machine's clock)"
                    : (flags & MBEDTLS_X509_BADCERT_FUTURE) ? "the broker's certificate is not valid yet: check the clocks"
                    : (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) ? "the broker's certificate does not carry the name "
                                                                  "connected to: use a name it lists, or set ssl.servername"
                    : (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) ? "the broker's certificate is not signed by a trusted CA: "
                                                                  "set ssl.ca to the CA that signed it"
                                                                : "the broker's certificate was refused";
  snprintf(c->error, sizeof c->error, "certificate verification failed: %s (%.150s)", fix,
           n > 0 ? info : "unknown reason");
}

}  // namespace

int tls_context_new(const TlsOptions &o, const Allocator *a, TlsContext **out, char *err, size_t errlen) {
  *out = nullptr;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
  if (psa_crypto_init() != PSA_SUCCESS) {  // idempotent; TLS 1.3 (offered by default) needs it
    snprintf(err, errlen, "PSA crypto could not be initialised");
    return UVK_ETLS;
  }
#endif
  TlsContext *ctx = static_cast<TlsContext *>(mem_alloc(a, sizeof(TlsContext)));
  if (!ctx) return UVK_ENOMEM;
  memset(static_cast<void *>(ctx), 0, sizeof *ctx);
  ctx->alloc = a;
  ctx->reject_unauthorized = o.reject_unauthorized;
  snprintf(ctx->servername, sizeof ctx->servername, "%s", o.servername ? o.servername : "");
  mbedtls_ssl_config_init(&ctx->conf);
  mbedtls_x509_crt_init(&ctx->ca);
  mbedtls_x509_crt_init(&ctx->cert);
  mbedtls_pk_init(&ctx->key);
  mbedtls_entropy_init(&ctx->entropy);
  mbedtls_ctr_drbg_init(&ctx->drbg);
  int rc = mbedtls_ctr_drbg_seed(&ctx->drbg, mbedtls_entropy_func, &ctx->entropy,
                                 reinterpret_cast<const unsigned char *>("uvkafka"), 7);
  int result = 0;
  if (rc != 0) {
    mbed_error(rc, err, errlen, "TLS random generator");
    result = UVK_ETLS;
  }
  if (result == 0) {
    if (o.ca && *o.ca) {
      result = load_certs(&ctx->ca, o.ca, err, errlen, "ssl.ca");
    } else if (o.reject_unauthorized) {
      // The system store (Debian's bundle; a directory of PEM files otherwise).
      if (mbedtls_x509_crt_parse_file(&ctx->ca, "/etc/ssl/certs/ca-certificates.crt") < 0 &&
          mbedtls_x509_crt_parse_path(&ctx->ca, "/etc/ssl/certs") < 0) {
        snprintf(err, errlen, "no system trust store found (/etc/ssl/certs); set ssl.ca");
        result = UVK_ETLS;
      }
    }
  }
  const char *extra = getenv("UVKAFKA_EXTRA_CA_CERTS");
  if (result == 0 && extra && *extra) result = load_certs(&ctx->ca, extra, err, errlen, "UVKAFKA_EXTRA_CA_CERTS");
  if (result == 0 && o.cert && *o.cert) {
    result = load_certs(&ctx->cert, o.cert, err, errlen, "ssl.cert");
    if (result == 0) {
      const char *pw = o.passphrase && *o.passphrase ? o.passphrase : nullptr;
      size_t pwlen = pw ? strlen(pw) : 0;
      const unsigned char *upw = reinterpret_cast<const unsigned char *>(pw);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
      rc = is_pem(o.key) ? mbedtls_pk_parse_key(&ctx->key, reinterpret_cast<const unsigned char *>(o.key),
                                                strlen(o.key) + 1, upw, pwlen, mbedtls_ctr_drbg_random, &ctx->drbg)
                         : mbedtls_pk_parse_keyfile(&ctx->key, o.key, pw, mbedtls_ctr_drbg_random, &ctx->drbg);
#else
      rc = is_pem(o.key) ? mbedtls_pk_parse_key(&ctx->key, reinterpret_cast<const unsigned char *>(o.key),
                                                strlen(o.key) + 1, upw, pwlen)
                         : mbedtls_pk_parse_keyfile(&ctx->key, o.key, pw);
#endif
      if (rc != 0) {
        mbed_error(rc, err, errlen, "ssl.key");
        result = UVK_ETLS;
      }
    }
  }
  if (result == 0) {
    rc = mbedtls_ssl_config_defaults(&ctx->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                     MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) {
      mbed_error(rc, err, errlen, "TLS configuration");
      result = UVK_ETLS;
    }
  }
  if (result == 0) {
    mbedtls_ssl_conf_rng(&ctx->conf, mbedtls_ctr_drbg_random, &ctx->drbg);
    mbedtls_ssl_conf_min_version(&ctx->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    // Verification happens after the handshake (so IP addresses can be checked too);
    // OPTIONAL keeps the handshake going and reports the flags.
    mbedtls_ssl_conf_authmode(&ctx->conf, o.reject_unauthorized ? MBEDTLS_SSL_VERIFY_OPTIONAL : MBEDTLS_SSL_VERIFY_NONE);
    mbedtls_ssl_conf_ca_chain(&ctx->conf, &ctx->ca, nullptr);
    if (o.cert && *o.cert) {
      rc = mbedtls_ssl_conf_own_cert(&ctx->conf, &ctx->cert, &ctx->key);
      if (rc != 0) {
        mbed_error(rc, err, errlen, "ssl.cert/ssl.key");
        result = UVK_ETLS;
      }
    }
  }
  if (result != 0) {
    tls_context_free(ctx);
    return result;
  }
  *out = ctx;
  return 0;
}

void tls_context_free(TlsContext *ctx) {
  if (!ctx) return;
  mbedtls_ssl_config_free(&ctx->conf);
  mbedtls_x509_crt_free(&ctx->ca);
  mbedtls_x509_crt_free(&ctx->cert);
  mbedtls_pk_free(&ctx->key);
  mbedtls_ctr_drbg_free(&ctx->drbg);
  mbedtls_entropy_free(&ctx->entropy);
  mem_free(ctx->alloc, ctx);
}

TlsConn *tls_conn_new(TlsContext *ctx, const char *host) {
  TlsConn *c = static_cast<TlsConn *>(mem_alloc(ctx->alloc, sizeof(TlsConn)));
  if (!c) return nullptr;
  memset(static_cast<void *>(c), 0, sizeof *c);
  c->ctx = ctx;
  c->in.alloc = c->out.alloc = ctx->alloc;
  mbedtls_ssl_init(&c->ssl);
  if (mbedtls_ssl_setup(&c->ssl, &ctx->conf) != 0) {
    mbedtls_ssl_free(&c->ssl);
    mem_free(ctx->alloc, c);
    return nullptr;
  }
  const char *name = ctx->servername[0] ? ctx->servername : host;
  in6_addr a6;
  in_addr a4;
  if (inet_pton(AF_INET, name, &a4) == 1) {
    c->ip_host = true;
    memcpy(c->ip, &a4, 4);
    c->ip_len = 4;
  } else if (inet_pton(AF_INET6, name, &a6) == 1) {
    c->ip_host = true;
    memcpy(c->ip, &a6, 16);
    c->ip_len = 16;
  }
  // A DNS name goes to SNI and is verified by mbedTLS; an IP address (no SNI for those)
  // is checked against the certificate's iPAddress entries after the handshake.
  mbedtls_ssl_set_hostname(&c->ssl, c->ip_host ? nullptr : name);
  mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, nullptr);
  return c;
}

void tls_conn_free(TlsConn *c) {
  if (!c) return;
  mbedtls_ssl_free(&c->ssl);
  buf_free(&c->in);
  buf_free(&c->out);
  mem_free(c->ctx->alloc, c);
}

int tls_conn_feed(TlsConn *c, const uint8_t *data, size_t len) {
  put_raw(&c->in, data, len);
  return c->in.failed ? UVK_ENOMEM : 0;
}

int tls_conn_handshake(TlsConn *c) {
  if (c->done) return 1;
  int rc = mbedtls_ssl_handshake(&c->ssl);
  if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return 0;
  if (rc != 0) {
    char buf[160];
    mbedtls_strerror(rc, buf, sizeof buf);
    uint32_t flags = mbedtls_ssl_get_verify_result(&c->ssl);
    if (flags != 0 && flags != uint32_t(-1) && c->ctx->reject_unauthorized) {
      set_verify_error(c, flags);
    } else if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
      int d = peer_alert(c);
      snprintf(c->error, sizeof c->error, "TLS handshake failed: the broker sent the alert %s (%d): %s",
               tls_alert_name(d), d, tls_alert_hint(d));
    } else {
      snprintf(c->error, sizeof c->error, "TLS handshake failed: %s", buf);
    }
    return UVK_ETLS;
  }
  if (c->ctx->reject_unauthorized) {
    uint32_t flags = mbedtls_ssl_get_verify_result(&c->ssl);
    if (c->ip_host) {
      // mbedTLS did not check a name; check the IP address ourselves.
      flags &= ~uint32_t(MBEDTLS_X509_BADCERT_CN_MISMATCH);
      const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&c->ssl);
      if (!peer || !cert_has_ip(peer, c->ip, c->ip_len)) flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
    }
    if (flags != 0) {
      set_verify_error(c, flags);
      return UVK_ETLS;
    }
  }
  c->done = true;
  return 1;
}

int tls_conn_write(TlsConn *c, const uint8_t *data, size_t len) {
  while (len > 0) {
    int rc = mbedtls_ssl_write(&c->ssl, data, len);
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ) continue;  // memory BIO: never stalls
    if (rc < 0) {
      char buf[160];
      mbedtls_strerror(rc, buf, sizeof buf);
      snprintf(c->error, sizeof c->error, "TLS write failed: %s", buf);
      return UVK_ETLS;
    }
    data += rc;
    len -= size_t(rc);
  }
  return c->out.failed ? UVK_ENOMEM : 0;
}

int tls_conn_read(TlsConn *c, Buf *out) {
  uint8_t buf[16384];
  for (;;) {
    int rc = mbedtls_ssl_read(&c->ssl, buf, sizeof buf);
    if (rc > 0) {
      put_raw(out, buf, size_t(rc));
      if (out->failed) return UVK_ENOMEM;
      continue;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return 0;
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) return UVK_ECLOSED;
    char msg[160];
    mbedtls_strerror(rc, msg, sizeof msg);
    snprintf(c->error, sizeof c->error, "TLS read failed: %s", msg);
    return UVK_ETLS;
  }
}

Buf *tls_conn_output(TlsConn *c) { return &c->out; }

const char *tls_conn_error(const TlsConn *c) { return c->error; }

}  // namespace uvk
