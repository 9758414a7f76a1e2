// uvk_name_check: whether a topic, group, client or transactional id is one Kafka accepts,
// and if not, which rule it breaks, in words an application can show as they are.
#include <stdio.h>
#include <string.h>

#include "capi/topic_name.h"
#include "uvkafka/uvkafka.h"

namespace {

const size_t kKafkaStringMax = 32767;  // an INT16-length string on the wire

const char kTopicRule[] =
    "a topic name has 1 to 249 characters, each a letter, digit, '.', '_' or '-', and is not \".\" or \"..\"";

// Writes "invalid <what> "<name>": <why>" (a long name cut at 60 bytes); returns UVK_EINVAL.
int refuse(char *buf, size_t buflen, const char *what, const char *name, const char *why) {
  if (buf && buflen)
    snprintf(buf, buflen, "invalid %s \"%.60s%s\": %s", what, name, strlen(name) > 60 ? "..." : "", why);
  return UVK_EINVAL;
}

int check_topic(const char *name, char *buf, size_t buflen) {
  if (uvk::kafka_topic_name_ok(name)) return 0;
  size_t n = strlen(name);
  char why[320];
  size_t at = uvk::kafka_topic_name_bad_at(name);
  if (n == 0) {
    snprintf(why, sizeof why, "it is empty; %s", kTopicRule);
  } else if (n > 249) {
    snprintf(why, sizeof why, "it has %zu characters; %s", n, kTopicRule);
  } else if (at < n) {
    unsigned char c = static_cast<unsigned char>(name[at]);
    if (c > 32 && c < 127) snprintf(why, sizeof why, "'%c' (at %zu) is not allowed; %s", c, at, kTopicRule);
    else if (c == ' ') snprintf(why, sizeof why, "a space (at %zu) is not allowed; %s", at, kTopicRule);
    else snprintf(why, sizeof why, "byte 0x%02x (at %zu) is not allowed; %s", c, at, kTopicRule);
  } else {
    snprintf(why, sizeof why, "%s", kTopicRule);  // "." or ".."
  }
  return refuse(buf, buflen, "topic name", name, why);
}

const char *kind_name(int kind) {
  switch (kind) {
    case UVK_NAME_TOPIC: return "topic name";
    case UVK_NAME_GROUP_ID: return "group id";
    case UVK_NAME_CLIENT_ID: return "client id";
    case UVK_NAME_TRANSACTIONAL_ID: return "transactional id";
    default: return nullptr;
  }
}

}  // namespace

int uvk_name_check(int kind, const char *name, char *buf, size_t buflen) {
  if (buf && buflen) buf[0] = '\0';
  const char *what = kind_name(kind);
  if (!what) {
    if (buf && buflen) snprintf(buf, buflen, "unknown name kind %d", kind);
    return UVK_EINVAL;
  }
  if (!name) {
    if (buf && buflen) snprintf(buf, buflen, "invalid %s: NULL", what);
    return UVK_EINVAL;
  }
  if (kind == UVK_NAME_TOPIC) return check_topic(name, buf, buflen);
  size_t n = strlen(name);
  if (n == 0 && kind != UVK_NAME_CLIENT_ID) return refuse(buf, buflen, what, name, "it is empty; it needs 1 to 32767 bytes");
  if (n > kKafkaStringMax) return refuse(buf, buflen, what, name, "it is over 32767 bytes, the most Kafka carries");
  return 0;
}
