// SASL mechanisms as I/O-free steps: the connection (lib/engine/conn.cc) carries their
// bytes in SaslAuthenticate requests. PLAIN (RFC 4616) and SCRAM-SHA-256 / SCRAM-SHA-512
// (RFC 5802 / RFC 7677, with the server's signature verified). Secrets stay in here and in
// the config: nothing is logged.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

namespace uvk {

enum SaslMechanismId { kSaslNone = 0, kSaslPlain, kSaslScramSha256, kSaslScramSha512, kSaslExternal };

// A mechanism that lives outside the library (a custom mechanism, OAUTHBEARER's token
// provider): the connection asks it for each client message and waits, without blocking,
// until the answer comes back through conn_sasl_reply (engine_sasl_reply). `server` is null
// on the first step, else the broker's last message. conn_id and exchange name the step.
struct SaslExternal {
  char name[64];  // sent in SaslHandshake, e.g. "OAUTHBEARER"
  void (*step)(void *ud, uint64_t conn_id, uint32_t exchange, const char *broker, const uint8_t *server,
               size_t len);
  void *ud;
};

struct SaslConfig {
  SaslMechanismId mechanism = kSaslNone;
  const char *username = "";
  const char *password = "";
  const char *test_nonce = nullptr;  // tests only: a fixed SCRAM client nonce
  const SaslExternal *external = nullptr;  // kSaslExternal
};

// "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512" (Kafka's names); null for kSaslNone and
// kSaslExternal (its name is in the SaslExternal).
const char *sasl_mechanism_name(SaslMechanismId m);
// The name the handshake sends for cfg.
const char *sasl_config_name(const SaslConfig *cfg);
// From the config's lower-case names ("plain", "scram-sha-256", ...); kSaslNone otherwise.
SaslMechanismId sasl_mechanism_from_config(const char *name);

struct SaslSession {
  const SaslConfig *cfg = nullptr;
  int state = 0;
  Buf client_first_bare;
  Buf auth_message;
  char nonce[64] = {0};
  uint8_t server_signature[64] = {0};
  size_t hash_len = 0;
};

// The client's first message into out. 0 or UVK_EINVAL / UVK_ENOMEM.
int sasl_start(SaslSession *s, const SaslConfig *cfg, Buf *out);
// The server's message; the next client message goes to out (possibly empty) and *done
// says the client is satisfied (SCRAM: the server proved it knows the password).
// UVK_EAUTH for a server that fails verification or sends garbage.
int sasl_step(SaslSession *s, const uint8_t *in, size_t len, Buf *out, bool *done);
void sasl_session_free(SaslSession *s);

// n bytes from the kernel's CSPRNG (nonces, salts); false when it cannot give them.
bool secure_random(uint8_t *out, size_t n);

// SCRAM building blocks, exposed for the RFC test vectors.
// Hi(password, salt, i) = PBKDF2-HMAC-H; out must hold hash_len bytes.
int scram_salted_password(SaslMechanismId m, const char *password, const uint8_t *salt,
                          size_t salt_len, uint32_t iterations, uint8_t *out);

}  // namespace uvk
