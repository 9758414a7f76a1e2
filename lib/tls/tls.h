// TLS over in-memory buffers with mbedTLS: no socket in here. The driver (lib/io) feeds the
// ciphertext it reads, takes the ciphertext to write, and moves plaintext between the
// engine and this layer. One TlsContext per client (trust store, client certificate, RNG),
// one TlsConn per broker connection.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/buf.h"

namespace uvk {

struct TlsOptions {
  const char *ca = "";          // PEM text, or a file path; empty: the system trust store
  const char *cert = "";        // client certificate chain (PEM text or path), for mTLS
  const char *key = "";         // its private key (PEM text or path)
  const char *passphrase = "";  // of an encrypted key
  bool reject_unauthorized = true;
  const char *servername = "";  // SNI and the name to verify; empty: the broker's host
};

struct TlsContext;
struct TlsConn;

// Builds the shared context. UVK_ETLS with a message in err (bad PEM, unreadable file,
// wrong passphrase), UVK_ENOMEM. UVKAFKA_EXTRA_CA_CERTS (a PEM file) adds trusted CAs.
int tls_context_new(const TlsOptions &o, const Allocator *a, TlsContext **out, char *err,
                    size_t errlen);
void tls_context_free(TlsContext *ctx);

TlsConn *tls_conn_new(TlsContext *ctx, const char *host);
void tls_conn_free(TlsConn *c);
// Ciphertext from the network.
int tls_conn_feed(TlsConn *c, const uint8_t *data, size_t len);
// Advances the handshake as far as the bytes allow: 1 done, 0 waiting for the peer,
// UVK_ETLS failed (tls_conn_error says why: unknown CA, expired, name mismatch, ...).
int tls_conn_handshake(TlsConn *c);
// Plaintext to send: encrypted into the pending output. 0 or UVK_ETLS / UVK_ENOMEM.
int tls_conn_write(TlsConn *c, const uint8_t *data, size_t len);
// Decrypts what was fed into out (appends). 0 (maybe nothing yet), UVK_ECLOSED when the
// peer closed the session, UVK_ETLS.
int tls_conn_read(TlsConn *c, Buf *out);
// Ciphertext waiting to go out; the caller takes it and clears the Buf.
Buf *tls_conn_output(TlsConn *c);
const char *tls_conn_error(const TlsConn *c);

}  // namespace uvk
