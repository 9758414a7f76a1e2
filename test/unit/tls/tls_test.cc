// lib/tls's client against an mbedTLS server in the same process, bytes moved by hand: the
// handshake state machine, data both ways, and each verification failure with its message.
// Certificates: test/unit/tls/certs (made with openssl for these tests; valid until 2126):
// ca.pem signed server.pem (broker.uvkafka.test and 127.0.0.1) and client.pem; other-ca.pem
// signed nothing here; expired-ca.pem signed expired-server.pem, valid only in 2020.
#include <catch2/catch.hpp>

#include <string.h>

#include <string>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include "tls/tls.h"
#include "uvkafka/uvk_errors.h"

using namespace uvk;

namespace {

std::string cert_path(const char *name) { return std::string(UVK_SOURCE_ROOT) + "/test/unit/tls/certs/" + name; }

// The peer: a plain mbedTLS server over two strings.
struct Server {
  mbedtls_ssl_context ssl;
  mbedtls_ssl_config conf;
  mbedtls_x509_crt cert, ca;
  mbedtls_pk_context key;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  std::string in;   // from the client, not yet read
  std::string out;  // to the client
  bool done = false;
  int error = 0;

  explicit Server(bool require_client_cert, const std::string &prefix = "") {
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&cert);
    mbedtls_x509_crt_init(&ca);
    mbedtls_pk_init(&key);
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    REQUIRE(mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, nullptr, 0) == 0);
    REQUIRE(mbedtls_x509_crt_parse_file(&cert, cert_path((prefix + "server.pem").c_str()).c_str()) == 0);
    REQUIRE(mbedtls_x509_crt_parse_file(&ca, cert_path("ca.pem").c_str()) == 0);
#if MBEDTLS_VERSION_MAJOR >= 3
    REQUIRE(mbedtls_pk_parse_keyfile(&key, cert_path((prefix + "server.key").c_str()).c_str(), nullptr,
                                     mbedtls_ctr_drbg_random, &drbg) == 0);
#else
    REQUIRE(mbedtls_pk_parse_keyfile(&key, cert_path((prefix + "server.key").c_str()).c_str(), nullptr) == 0);
#endif
    REQUIRE(mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                        MBEDTLS_SSL_PRESET_DEFAULT) == 0);
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    REQUIRE(mbedtls_ssl_conf_own_cert(&conf, &cert, &key) == 0);
    mbedtls_ssl_conf_ca_chain(&conf, &ca, nullptr);
    mbedtls_ssl_conf_authmode(&conf, require_client_cert ? MBEDTLS_SSL_VERIFY_REQUIRED : MBEDTLS_SSL_VERIFY_NONE);
    REQUIRE(mbedtls_ssl_setup(&ssl, &conf) == 0);
    mbedtls_ssl_set_bio(&ssl, this, send_cb, recv_cb, nullptr);
  }
  ~Server() {
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&cert);
    mbedtls_x509_crt_free(&ca);
    mbedtls_pk_free(&key);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
  static int send_cb(void *ud, const unsigned char *b, size_t n) {
    static_cast<Server *>(ud)->out.append(reinterpret_cast<const char *>(b), n);
    return int(n);
  }
  static int recv_cb(void *ud, unsigned char *b, size_t n) {
    Server *s = static_cast<Server *>(ud);
    if (s->in.empty()) return MBEDTLS_ERR_SSL_WANT_READ;
    size_t k = n < s->in.size() ? n : s->in.size();
    memcpy(b, s->in.data(), k);
    s->in.erase(0, k);
    return int(k);
  }
  void step() {
    if (done || error) return;
    int rc = mbedtls_ssl_handshake(&ssl);
    if (rc == 0) done = true;
    else if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) error = rc;
  }
};

struct Client {
  TlsContext *ctx = nullptr;
  TlsConn *conn = nullptr;
  int rc = 0;  // tls_context_new
  char err[256] = {0};
  Client(const TlsOptions &o, const char *host) {
    rc = tls_context_new(o, nullptr, &ctx, err, sizeof err);
    if (rc == 0) conn = tls_conn_new(ctx, host);
  }
  ~Client() {
    tls_conn_free(conn);
    tls_context_free(ctx);
  }
};

// Moves bytes both ways until the client's handshake ends: 1 done, else UVK_ETLS.
int pump_handshake(Client &c, Server &s) {
  int rc = tls_conn_handshake(c.conn);  // the ClientHello
  for (int round = 0; round < 50 && rc == 0; round++) {
    Buf *out = tls_conn_output(c.conn);
    s.in.append(reinterpret_cast<const char *>(out->data), out->len);
    buf_clear(out);
    s.step();
    if (!s.out.empty()) {
      REQUIRE(tls_conn_feed(c.conn, reinterpret_cast<const uint8_t *>(s.out.data()), s.out.size()) == 0);
      s.out.clear();
    }
    rc = tls_conn_handshake(c.conn);
  }
  // The client's last flight (Finished) reaches the server.
  Buf *out = tls_conn_output(c.conn);
  s.in.append(reinterpret_cast<const char *>(out->data), out->len);
  buf_clear(out);
  s.step();
  return rc;
}

TlsOptions trusting(const std::string &ca) {
  TlsOptions o;
  o.ca = ca.c_str();
  return o;
}

}  // namespace

TEST_CASE("tls: a verified handshake, then data both ways", "[tls]") {
  std::string ca = cert_path("ca.pem");
  Client c(trusting(ca), "broker.uvkafka.test");
  REQUIRE(c.rc == 0);
  Server s(false);
  REQUIRE(pump_handshake(c, s) == 1);
  CHECK(s.done);
  // Client -> server.
  const char hello[] = "produce request bytes";
  REQUIRE(tls_conn_write(c.conn, reinterpret_cast<const uint8_t *>(hello), sizeof hello) == 0);
  Buf *out = tls_conn_output(c.conn);
  s.in.append(reinterpret_cast<const char *>(out->data), out->len);
  buf_clear(out);
  unsigned char got[64] = {0};
  REQUIRE(mbedtls_ssl_read(&s.ssl, got, sizeof got) == int(sizeof hello));
  CHECK(memcmp(got, hello, sizeof hello) == 0);
  // Server -> client, in two pieces fed byte by byte: records split anywhere still decode.
  const char answer[] = "a response frame";
  REQUIRE(mbedtls_ssl_write(&s.ssl, reinterpret_cast<const unsigned char *>(answer), sizeof answer) ==
          int(sizeof answer));
  Buf plain;
  for (char ch : s.out) {
    REQUIRE(tls_conn_feed(c.conn, reinterpret_cast<const uint8_t *>(&ch), 1) == 0);
    REQUIRE(tls_conn_read(c.conn, &plain) == 0);
  }
  s.out.clear();
  REQUIRE(plain.len == sizeof answer);
  CHECK(memcmp(plain.data, answer, sizeof answer) == 0);
  buf_free(&plain);
}

TEST_CASE("tls: the IP address in the certificate's subjectAltName is checked", "[tls]") {
  std::string ca = cert_path("ca.pem");
  {
    Client c(trusting(ca), "127.0.0.1");
    Server s(false);
    CHECK(pump_handshake(c, s) == 1);
  }
  {
    Client c(trusting(ca), "127.0.0.2");
    Server s(false);
    CHECK(pump_handshake(c, s) == UVK_ETLS);
    std::string why = tls_conn_error(c.conn);
    INFO(why);
    CHECK(why.find("certificate verification failed") != std::string::npos);
    CHECK(why.find("does not match") != std::string::npos);
  }
}

TEST_CASE("tls: an unknown CA fails with a message that says so", "[tls]") {
  std::string other = cert_path("other-ca.pem");
  Client c(trusting(other), "broker.uvkafka.test");
  REQUIRE(c.rc == 0);
  Server s(false);
  CHECK(pump_handshake(c, s) == UVK_ETLS);
  std::string why = tls_conn_error(c.conn);
  INFO(why);
  CHECK(why.find("certificate verification failed") != std::string::npos);
  CHECK(why.find("not correctly signed by the trusted CA") != std::string::npos);
}

TEST_CASE("tls: a name the certificate does not carry fails", "[tls]") {
  std::string ca = cert_path("ca.pem");
  Client c(trusting(ca), "evil.example");
  Server s(false);
  CHECK(pump_handshake(c, s) == UVK_ETLS);
  std::string why = tls_conn_error(c.conn);
  INFO(why);
  CHECK(why.find("certificate verification failed") != std::string::npos);
  CHECK(why.find("does not match") != std::string::npos);
}

TEST_CASE("tls: rejectUnauthorized false accepts what verification would refuse", "[tls]") {
  std::string other = cert_path("other-ca.pem");
  TlsOptions o = trusting(other);
  o.reject_unauthorized = false;
  Client c(o, "evil.example");
  Server s(false);
  CHECK(pump_handshake(c, s) == 1);
}

TEST_CASE("tls: servername overrides the host for verification", "[tls]") {
  std::string ca = cert_path("ca.pem");
  TlsOptions o = trusting(ca);
  o.servername = "broker.uvkafka.test";
  Client c(o, "10.9.8.7");
  Server s(false);
  CHECK(pump_handshake(c, s) == 1);
}

TEST_CASE("tls: ssl.ca takes a comma-separated list of files and directories", "[tls]") {
  std::string list = cert_path("other-ca.pem") + ", " + cert_path("ca.pem");
  Client c(trusting(list), "broker.uvkafka.test");
  REQUIRE(c.rc == 0);
  Server s(false);
  CHECK(pump_handshake(c, s) == 1);
  std::string dir = std::string(UVK_SOURCE_ROOT) + "/test/unit/tls/certs";
  Client d(trusting(dir), "broker.uvkafka.test");
  REQUIRE(d.rc == 0);
  Server t(false);
  CHECK(pump_handshake(d, t) == 1);
  std::string missing = cert_path("ca.pem") + "," + cert_path("no-such.pem");
  Client e(trusting(missing), "broker.uvkafka.test");
  CHECK(e.rc == UVK_ETLS);
  CHECK(std::string(e.err).find("no-such.pem") != std::string::npos);
}

TEST_CASE("tls: mutual TLS: the client certificate is sent when the server asks", "[tls]") {
  std::string ca = cert_path("ca.pem"), cert = cert_path("client.pem"), key = cert_path("client.key");
  {
    TlsOptions o = trusting(ca);
    o.cert = cert.c_str();
    o.key = key.c_str();
    Client c(o, "broker.uvkafka.test");
    REQUIRE(c.rc == 0);
    Server s(true);
    CHECK(pump_handshake(c, s) == 1);
    CHECK(s.done);
  }
  {
    Client c(trusting(ca), "broker.uvkafka.test");  // no client certificate
    Server s(true);
    pump_handshake(c, s);
    CHECK_FALSE(s.done);  // the server refuses the handshake
    CHECK(s.error != 0);
  }
}

TEST_CASE("tls: garbage from the peer fails the handshake, it does not crash", "[tls]") {
  std::string ca = cert_path("ca.pem");
  Client c(trusting(ca), "broker.uvkafka.test");
  REQUIRE(tls_conn_handshake(c.conn) == 0);
  std::string junk(300, '\x16');
  for (size_t i = 0; i < junk.size(); i++) junk[i] = char(i * 37);
  REQUIRE(tls_conn_feed(c.conn, reinterpret_cast<const uint8_t *>(junk.data()), junk.size()) == 0);
  CHECK(tls_conn_handshake(c.conn) == UVK_ETLS);
}

TEST_CASE("tls: an expired broker certificate says so and what to do", "[tls]") {
  std::string ca = cert_path("expired-ca.pem");
  Client c(trusting(ca), "broker.uvkafka.test");
  REQUIRE(c.rc == 0);
  Server s(false, "expired-");
  CHECK(pump_handshake(c, s) == UVK_ETLS);
  std::string why = tls_conn_error(c.conn);
  INFO(why);
  CHECK(why.find("certificate verification failed: the broker's certificate has expired: renew it") == 0);
  CHECK(why.find("validity has expired") != std::string::npos);  // mbedTLS's own words follow
}

TEST_CASE("tls: each verification failure names its likely fix", "[tls]") {
  std::string ca = cert_path("ca.pem"), other = cert_path("other-ca.pem");
  {
    Client c(trusting(ca), "evil.example");
    Server s(false);
    CHECK(pump_handshake(c, s) == UVK_ETLS);
    std::string why = tls_conn_error(c.conn);
    INFO(why);
    CHECK(why.find("does not carry the name connected to: use a name it lists, or set ssl.servername") !=
          std::string::npos);
  }
  {
    Client c(trusting(other), "broker.uvkafka.test");
    Server s(false);
    CHECK(pump_handshake(c, s) == UVK_ETLS);
    std::string why = tls_conn_error(c.conn);
    INFO(why);
    CHECK(why.find("not signed by a trusted CA: set ssl.ca") != std::string::npos);
  }
}

TEST_CASE("tls: the broker's alert is named, with what it likely wants", "[tls]") {
  // A listener that requires client certificates (ssl.client.auth=required), none given.
  std::string ca = cert_path("ca.pem");
  Client c(trusting(ca), "broker.uvkafka.test");
  Server s(true);
  CHECK(pump_handshake(c, s) == 0);  // the client's flight is out; the server refused it
  REQUIRE(s.error != 0);
  // mbedTLS's server stops without an alert; a Kafka broker sends bad_certificate.
  REQUIRE(mbedtls_ssl_send_alert_message(&s.ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL, MBEDTLS_SSL_ALERT_MSG_BAD_CERT) == 0);
  REQUIRE(tls_conn_feed(c.conn, reinterpret_cast<const uint8_t *>(s.out.data()), s.out.size()) == 0);
  CHECK(tls_conn_handshake(c.conn) == UVK_ETLS);
  std::string why = tls_conn_error(c.conn);
  INFO(why);
  CHECK(why == "TLS handshake failed: the broker sent the alert bad_certificate (42): the listener wants a client "
               "certificate it trusts (mTLS): set ssl.cert and ssl.key");
}
