/* -X keys in librdkafka's (kcat's) spelling next to uvkafka's, and properties files (-F FILE,
 * UVK_CONFIG): kcat users bring their settings as they are. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uvk_cli.h"

/* librdkafka name -> uvkafka key; the value passes unchanged unless `fn` says otherwise. */
static const struct {
  const char *rd, *uvk;
} kAliases[] = {
    {"bootstrap.servers", "brokers"},
    {"metadata.broker.list", "brokers"},
    {"client.id", "clientId"},
    {"group.id", "groupId"},
    {"sasl.username", "sasl.username"},
    {"sasl.password", "sasl.password"},
    {"ssl.ca.location", "ssl.ca"},
    {"linger.ms", "linger"},
    {"queue.buffering.max.ms", "linger"},
    {"batch.size", "batchSize"},
    {"enable.idempotence", "idempotent"},
    {"transactional.id", "transactionalId"},
    {"transaction.timeout.ms", "transactionTimeout"},
    {"session.timeout.ms", "sessionTimeout"},
    {"heartbeat.interval.ms", "heartbeatInterval"},
    {"fetch.max.bytes", "maxBytes"},
    {"max.partition.fetch.bytes", "maxBytesPerPartition"},
    {"fetch.min.bytes", "minBytes"},
    {"fetch.wait.max.ms", "maxWaitTimeInMs"},
    {"client.rack", "rackId"},
    {"allow.auto.create.topics", "allowAutoTopicCreation"},
    {"socket.connection.setup.timeout.ms", "connectionTimeout"},
    {"request.timeout.ms", "requestTimeout"},
    {"connections.max.idle.ms", "connectionsMaxIdle"},
    {"metadata.max.age.ms", "metadataMaxAge"},
    {"max.in.flight.requests.per.connection", "maxInFlightRequests"},
};

static void lower(char *dst, size_t cap, const char *src) {
  size_t i = 0;
  for (; src[i] && i + 1 < cap; i++) dst[i] = (char)tolower((unsigned char)src[i]);
  dst[i] = '\0';
}

char *uvk_cli_read_file(const char *path, size_t max, size_t *out_len) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t len = 0, cap = 0, n;
  if (!f) return NULL;
  do {
    if (cap >= max + 65536) { /* /dev/zero or a mistake */
      free(buf);
      fclose(f);
      return NULL;
    }
    if (cap - len < 4096) {
      char *b = (char *)realloc(buf, cap + 65536);
      if (!b) break;
      buf = b;
      cap += 65536;
    }
    n = fread(buf + len, 1, cap - len - 1, f);
    len += n;
  } while (n > 0);
  fclose(f);
  if (buf) buf[len] = '\0';
  if (out_len) *out_len = len;
  return buf;
}

static int set_pem_file(uvk_config *cfg, const char *key, const char *path) {
  /* uvkafka takes PEM text, librdkafka a file name; no PEM file is over 1 MB */
  char *pem = uvk_cli_read_file(path, 1 << 20, NULL);
  int rc;
  if (!pem) {
    fprintf(stderr, "uvk: cannot read %s\n", path);
    return -1;
  }
  rc = uvk_cli_set(cfg, key, pem);
  free(pem);
  return rc;
}

int uvk_cli_set_any(uvk_config *cfg, const char *key, const char *value) {
  char v[64];
  for (size_t i = 0; i < sizeof kAliases / sizeof kAliases[0]; i++)
    if (strcmp(key, kAliases[i].rd) == 0) return uvk_cli_set(cfg, kAliases[i].uvk, value);
  lower(v, sizeof v, value);
  if (strcmp(key, "security.protocol") == 0) {
    if (strcmp(v, "ssl") == 0 || strcmp(v, "sasl_ssl") == 0) return uvk_cli_set(cfg, "ssl", "true");
    if (strcmp(v, "plaintext") == 0 || strcmp(v, "sasl_plaintext") == 0) return 0;
  }
  if (strcmp(key, "sasl.mechanisms") == 0 || (strcmp(key, "sasl.mechanism") == 0 && strcmp(v, value) != 0))
    return uvk_cli_set(cfg, "sasl.mechanism", v);
  if (strcmp(key, "enable.ssl.certificate.verification") == 0) return uvk_cli_set(cfg, "ssl.rejectUnauthorized", v);
  if (strcmp(key, "ssl.certificate.location") == 0) return set_pem_file(cfg, "ssl.cert", value);
  if (strcmp(key, "ssl.key.location") == 0) return set_pem_file(cfg, "ssl.key", value);
  if (strcmp(key, "ssl.key.password") == 0) return uvk_cli_set(cfg, "ssl.passphrase", value);
  if (strcmp(key, "isolation.level") == 0)
    return uvk_cli_set(cfg, "readUncommitted", strcmp(v, "read_uncommitted") == 0 ? "true" : "false");
  return uvk_cli_set(cfg, key, value);
}

int uvk_cli_props_file(uvk_config *cfg, const char *path) {
  FILE *f = fopen(path, "r");
  char line[8192];
  int lineno = 0;
  if (!f) {
    fprintf(stderr, "uvk: cannot open %s\n", path);
    return -1;
  }
  while (fgets(line, sizeof line, f)) {
    char *p = line, *end, *eq;
    lineno++;
    while (isspace((unsigned char)*p)) p++;
    end = p + strlen(p);
    while (end > p && isspace((unsigned char)end[-1])) *--end = '\0';
    if (*p == '\0' || *p == '#') continue;
    eq = strchr(p, '=');
    if (!eq) {
      fprintf(stderr, "uvk: %s:%d: not key=value\n", path, lineno);
      fclose(f);
      return -1;
    }
    *eq = '\0';
    if (uvk_cli_set_any(cfg, p, eq + 1) != 0) {
      fprintf(stderr, "uvk: in %s:%d\n", path, lineno);
      fclose(f);
      return -1;
    }
  }
  fclose(f);
  return 0;
}

int uvk_cli_env_config(uvk_config *cfg) {
  const char *path = getenv("UVK_CONFIG");
  return path && *path ? uvk_cli_props_file(cfg, path) : 0;
}

const char *uvk_cli_brokers(uvk_config *cfg, const char *flag) {
  static char buf[4096];
  if (flag) return uvk_cli_set(cfg, "brokers", flag) ? NULL : flag;
  if (uvk_config_get(cfg, "brokers", buf, sizeof buf) <= 0) return NULL;
  return buf;
}
