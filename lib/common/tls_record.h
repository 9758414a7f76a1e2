// Whether bytes from a peer start like a TLS record: content type 20-23 (change cipher spec,
// alert, handshake, application data), then version 3.0-3.4. A Kafka frame starts with its
// length, so these bytes as a length would be over 335 MB: a plaintext client that reads
// them talks to a TLS listener, and a TLS client that does not see them talks to plaintext.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace uvk {

// false when fewer than 3 bytes are given.
inline bool looks_like_tls_record(const uint8_t *p, size_t n) {
  return n >= 3 && p[0] >= 20 && p[0] <= 23 && p[1] == 3 && p[2] <= 4;
}

// Whether the first n bytes (any n, 1 included: TCP may deliver one) can start a TLS record.
inline bool could_start_tls_record(const uint8_t *p, size_t n) {
  return n == 0 || (p[0] >= 20 && p[0] <= 23 && (n < 2 || p[1] == 3) && (n < 3 || p[2] <= 4));
}

// An alert record (type 21) in the clear: its description byte (handshake_failure 40,
// bad_certificate 42, certificate_required 116...), or -1.
inline int tls_plain_alert(const uint8_t *p, size_t n) {
  return n >= 7 && p[0] == 21 && p[1] == 3 && p[3] == 0 && p[4] == 2 ? int(p[6]) : -1;
}

// The name of a TLS alert description ("handshake_failure"), or "unknown alert".
inline const char *tls_alert_name(int d) {
  switch (d) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 112: return "unrecognized_name";
    case 116: return "certificate_required";
    default: return "unknown alert";
  }
}

// What a broker's alert during the handshake most likely asks of the client.
inline const char *tls_alert_hint(int d) {
  switch (d) {
    case 40:
      return "no TLS version or cipher suite in common, or the listener wants a client certificate (ssl.cert, ssl.key)";
    case 42: case 46: case 116:
      return "the listener wants a client certificate it trusts (mTLS): set ssl.cert and ssl.key";
    case 43: case 44: case 45: case 48:
      return "the broker refused our client certificate: use one signed by a CA the broker trusts, still valid";
    case 70: case 71:
      return "no TLS version in common with the broker";
    default:
      return "the broker refused the handshake";
  }
}

}  // namespace uvk
