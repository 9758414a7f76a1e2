// libFuzzer target: the SCRAM client (lib/sasl) against a hostile server. Input:
// [mechanism][server-first]['\n'][server-final]: bit 0 of the first byte picks SCRAM-SHA-512
// over SCRAM-SHA-256; the rest up to the first '\n' is the server-first message and what
// follows it (when there is a '\n') the server-final message. The client nonce is fixed
// (SaslConfig::test_nonce) so a seed can extend it and carry a valid server signature.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "sasl/sasl.h"

static const char kNonce[] = "fyko+d2lbbFgONRv9qkxdawL";
// The library accepts up to 1000000 PBKDF2 iterations (a real server's count); inputs that
// ask for more than this are skipped so each run stays short. Only the loop count of the
// key derivation differs above it: no parsing is skipped.
static const uint32_t kHarnessMaxIterations = 64;

// The iteration count the client will read (first "i=" attribute, as lib/sasl finds it),
// or 0 when it is absent or not a number (the client rejects those itself).
static uint32_t iterations(const uint8_t *in, size_t len) {
  size_t i = 0;
  while (i < len) {
    size_t end = i;
    while (end < len && in[end] != ',') end++;
    if (end - i >= 2 && in[i] == 'i' && in[i + 1] == '=') {
      if (end - i - 2 > 7) return 0;  // too long: rejected before any derivation
      uint32_t v = 0;
      for (size_t k = i + 2; k < end; k++) {
        if (in[k] < '0' || in[k] > '9') return 0;
        v = v * 10 + uint32_t(in[k] - '0');
      }
      return v;
    }
    i = end + 1;
  }
  return 0;
}

// Inputs (or parts of them: records, keys) that got past the decoder's checks; the corpus
// replay (replay_test.cc) requires some, so a corpus that only exercises refusals fails.
extern "C" {
size_t uvk_fuzz_reached = 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uvk::SaslConfig cfg;
  cfg.mechanism = (data[0] & 1) ? uvk::kSaslScramSha512 : uvk::kSaslScramSha256;
  cfg.username = "user";
  cfg.password = "pencil";
  cfg.test_nonce = kNonce;
  const uint8_t *first = data + 1;
  size_t rest = size - 1;
  const uint8_t *nl = static_cast<const uint8_t *>(memchr(first, '\n', rest));
  size_t first_len = nl ? size_t(nl - first) : rest;
  const uint8_t *final_msg = nl ? nl + 1 : nullptr;
  size_t final_len = nl ? rest - first_len - 1 : 0;
  if (iterations(first, first_len) > kHarnessMaxIterations) return 0;

  uvk::SaslSession s;
  uvk::Buf out;
  if (uvk::sasl_start(&s, &cfg, &out) != 0) abort();  // a fixed, valid start cannot fail
  uvk::buf_clear(&out);
  bool done = true;
  int rc = uvk::sasl_step(&s, first, first_len, &out, &done);
  if (done) abort();  // the server has not proved anything yet
  if (rc == 0) {
    uvk_fuzz_reached++;
    // client-final starts "c=biws,r=" followed by the server's nonce, which extends ours
    static const char kPrefix[] = "c=biws,r=";
    size_t pl = sizeof kPrefix - 1, nn = sizeof kNonce - 1;
    if (out.len < pl + nn || memcmp(out.data, kPrefix, pl) != 0 ||
        memcmp(out.data + pl, kNonce, nn) != 0)
      abort();
    if (final_msg) {
      uvk::buf_clear(&out);
      rc = uvk::sasl_step(&s, final_msg, final_len, &out, &done);
      if (done != (rc == 0)) abort();
      if (done) {
        // the exchange is over: any further server message is refused
        bool again = true;
        if (uvk::sasl_step(&s, final_msg, final_len, &out, &again) == 0 || again) abort();
      }
    }
  }
  uvk::buf_free(&out);
  uvk::sasl_session_free(&s);
  return 0;
}
