// Broker address parsing ("host:port", "[::1]:9092") and the uvk_brokers list.
#include <stdio.h>
#include <string.h>

#include "capi/config.h"

namespace uvk {

bool parse_host_port(const char *s, size_t len, size_t *host_off, size_t *host_len,
                     uint16_t *port, char *err, size_t errlen) {
  // Surrounding blanks are allowed ("a:1, b:2").
  size_t b = 0, e = len;
  while (b < e && (s[b] == ' ' || s[b] == '\t')) b++;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) e--;
  if (b == e) {
    snprintf(err, errlen, "empty broker address");
    return false;
  }
  size_t hb, he, rest;  // host [hb, he), then the port part from `rest`
  if (s[b] == '[') {
    const char *close = static_cast<const char *>(memchr(s + b, ']', e - b));
    if (!close) {
      snprintf(err, errlen, "\"%.*s\": missing ']' after an IPv6 address", int(e - b), s + b);
      return false;
    }
    hb = b + 1;
    he = size_t(close - s);
    rest = he + 1;
    if (he == hb || !memchr(s + hb, ':', he - hb)) {
      snprintf(err, errlen, "\"%.*s\": brackets must hold an IPv6 address", int(e - b), s + b);
      return false;
    }
    if (rest < e && s[rest] != ':') {
      snprintf(err, errlen, "\"%.*s\": expected ':port' after ']'", int(e - b), s + b);
      return false;
    }
  } else {
    const char *colon = static_cast<const char *>(memchr(s + b, ':', e - b));
    if (colon && memchr(colon + 1, ':', size_t(s + e - colon - 1))) {
      snprintf(err, errlen, "\"%.*s\": write IPv6 addresses in brackets, as [::1]:9092",
               int(e - b), s + b);
      return false;
    }
    hb = b;
    he = colon ? size_t(colon - s) : e;
    rest = he;
    if (he == hb) {
      snprintf(err, errlen, "\"%.*s\": missing host", int(e - b), s + b);
      return false;
    }
  }
  for (size_t i = hb; i < he; i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c <= ' ' || c == ',' || c == '/' || c == '[' || c == ']' || c >= 0x7f) {
      snprintf(err, errlen, "\"%.*s\": invalid character in host", int(e - b), s + b);
      return false;
    }
  }
  unsigned long p = kDefaultKafkaPort;
  if (rest < e) {  // s[rest] == ':'
    size_t i = rest + 1;
    if (i == e) {
      snprintf(err, errlen, "\"%.*s\": missing port after ':'", int(e - b), s + b);
      return false;
    }
    p = 0;
    for (; i < e; i++) {
      if (s[i] < '0' || s[i] > '9' || p > 65535) break;
      p = p * 10 + unsigned(s[i] - '0');
    }
    if (i != e || p == 0 || p > 65535) {
      snprintf(err, errlen, "\"%.*s\": port must be a number from 1 to 65535", int(e - b), s + b);
      return false;
    }
  }
  *host_off = hb;
  *host_len = he - hb;
  *port = uint16_t(p);
  return true;
}

int brokers_add(uvk_brokers *bl, const char *host_port, size_t len, char *err, size_t errlen) {
  size_t off, hlen;
  uint16_t port;
  if (!parse_host_port(host_port, len, &off, &hlen, &port, err, errlen)) return UVK_EINVAL;
  if (bl->n == bl->cap) {
    size_t ncap = bl->cap ? bl->cap * 2 : 4;
    void *p = mem_realloc(bl->alloc, bl->items, ncap * sizeof(HostPort));
    if (!p) {
      snprintf(err, errlen, "out of memory");
      return UVK_ENOMEM;
    }
    bl->items = static_cast<HostPort *>(p);
    bl->cap = ncap;
  }
  char *h = static_cast<char *>(mem_alloc(bl->alloc, hlen + 1));
  if (!h) {
    snprintf(err, errlen, "out of memory");
    return UVK_ENOMEM;
  }
  memcpy(h, host_port + off, hlen);
  h[hlen] = '\0';
  bl->items[bl->n].host = h;
  bl->items[bl->n].port = port;
  bl->n++;
  return UVK_OK;
}

void brokers_clear(uvk_brokers *bl) {
  for (size_t i = 0; i < bl->n; i++) mem_free(bl->alloc, bl->items[i].host);
  mem_free(bl->alloc, bl->items);
  bl->items = nullptr;
  bl->n = bl->cap = 0;
}

int brokers_copy(uvk_brokers *dst, const uvk_brokers *src) {
  if (src->n == 0) return UVK_OK;
  void *p = mem_realloc(dst->alloc, dst->items, (dst->n + src->n) * sizeof(HostPort));
  if (!p) return UVK_ENOMEM;
  dst->items = static_cast<HostPort *>(p);
  dst->cap = dst->n + src->n;
  for (size_t i = 0; i < src->n; i++) {
    size_t hl = strlen(src->items[i].host);
    char *h = static_cast<char *>(mem_alloc(dst->alloc, hl + 1));
    if (!h) {
      brokers_clear(dst);
      return UVK_ENOMEM;
    }
    memcpy(h, src->items[i].host, hl + 1);
    dst->items[dst->n].host = h;
    dst->items[dst->n].port = src->items[i].port;
    dst->n++;
  }
  return UVK_OK;
}

}  // namespace uvk
