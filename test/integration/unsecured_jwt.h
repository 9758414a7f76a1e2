// Unsecured JWTs (alg "none") as Kafka's test-only OAUTHBEARER validator accepts them.
#pragma once
#include <stdint.h>
#include <time.h>

#include <string>

namespace jwt {

inline std::string b64url(const std::string &in) {
  static const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8 | uint8_t(in[i + 2]);
    out += t[v >> 18 & 63], out += t[v >> 12 & 63], out += t[v >> 6 & 63], out += t[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16;
    out += t[v >> 18 & 63], out += t[v >> 12 & 63];
  } else if (i + 2 == in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8;
    out += t[v >> 18 & 63], out += t[v >> 12 & 63], out += t[v >> 6 & 63];
  }
  return out;
}

// A token for `sub` that expires exp_offset_s seconds from now (negative: already expired).
inline std::string unsecured(const std::string &sub, int64_t exp_offset_s) {
  int64_t now = int64_t(time(nullptr));
  std::string payload = "{\"sub\":\"" + sub + "\",\"iat\":" + std::to_string(now) +
                        ",\"exp\":" + std::to_string(now + exp_offset_s) + "}";
  return b64url(R"({"alg":"none"})") + "." + b64url(payload) + ".";
}

}  // namespace jwt
