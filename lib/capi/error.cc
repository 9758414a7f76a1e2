// C ABI: error codes (uvk_strerror, uvk_err_name, uvk_err_is_retriable), the uvk_error
// accessors, and the small name tables for log levels and events.
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client/txn_errors.h"
#include "engine/kafka_errors.h"
#include "engine/log.h"
#include "uvkafka/uvkafka.h"

const char *uvk_strerror(int err) {
  if (err == 0) return "success";
  if (UVK_ERR_IS_KAFKA(err)) {
    const uvk::KafkaErrorInfo *i = uvk::kafka_error_info(UVK_ERR_KAFKA_CODE(err));
    return i ? i->description : "unknown Kafka error";
  }
  switch (err) {
#define UVK_STRERROR_CASE_(name, value, retriable, message) \
  case value:                                               \
    return message;
    UVK_ERRNO_MAP(UVK_STRERROR_CASE_)
#undef UVK_STRERROR_CASE_
    default:
      return "unknown error";
  }
}

const char *uvk_err_name(int err) {
  if (err == 0) return "UVK_OK";
  if (UVK_ERR_IS_KAFKA(err)) {
    const uvk::KafkaErrorInfo *i = uvk::kafka_error_info(UVK_ERR_KAFKA_CODE(err));
    return i ? i->name : "UNKNOWN";
  }
  switch (err) {
#define UVK_ERRNAME_CASE_(name, value, retriable, message) \
  case value:                                              \
    return "UVK_" #name;
    UVK_ERRNO_MAP(UVK_ERRNAME_CASE_)
#undef UVK_ERRNAME_CASE_
    default:
      return "UNKNOWN";
  }
}

int uvk_err_is_retriable(int err) { return uvk::err_retriable(err) ? 1 : 0; }

uvk_txn_error_class uvk_txn_error_class_of(int err) { return uvk::txn_error_class(err); }

uvk_txn_error_class uvk_error_txn_class(const uvk_error *e) {
  if (!e) return UVK_TXN_ERR_NONE;
  return uvk::txn_error_class(e->code == UVK_EKAFKA && e->kafka_code ? UVK_ERR_KAFKA(e->kafka_code) : e->code);
}

// ---- uvk_error ---------------------------------------------------------------------------

int uvk_error_code(const uvk_error *e) { return e ? e->code : 0; }
int uvk_error_kafka_code(const uvk_error *e) { return e ? e->kafka_code : 0; }

const char *uvk_error_kafka_name(const uvk_error *e) {
  if (!e || e->kafka_code == 0) return nullptr;
  const uvk::KafkaErrorInfo *i = uvk::kafka_error_info(e->kafka_code);
  return i ? i->name : "UNKNOWN";
}

const char *uvk_error_broker_message(const uvk_error *e) { return e ? e->broker_message : nullptr; }

const char *uvk_error_message(const uvk_error *e) {
  if (!e) return nullptr;
  if (e->broker_message && e->broker_message[0]) return e->broker_message;
  if (e->kafka_code != 0) return uvk_strerror(UVK_ERR_KAFKA(e->kafka_code));
  return uvk_strerror(e->code);
}

int uvk_error_is_retriable(const uvk_error *e) { return e && e->retriable ? 1 : 0; }
const uvk_error *uvk_error_cause(const uvk_error *e) { return e ? e->cause : nullptr; }
int uvk_error_retry_count(const uvk_error *e) { return e ? e->retry_count : 0; }
int64_t uvk_error_retry_time(const uvk_error *e) { return e ? e->retry_time : 0; }

const uvk_error *uvk_error_retain(const uvk_error *e) { return uvk::error_retain(e); }
void uvk_error_release(const uvk_error *e) { uvk::error_release(e); }

namespace {

// snprintf-style appender that keeps counting past the end of the buffer.
struct Fmt {
  char *buf;
  size_t cap;
  size_t len;
};

void fmt_add(Fmt *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fmt_add(Fmt *f, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *dst = f->len < f->cap ? f->buf + f->len : nullptr;
  size_t room = f->len < f->cap ? f->cap - f->len : 0;
  int n = vsnprintf(dst, room, fmt, ap);
  va_end(ap);
  if (n > 0) f->len += size_t(n);
}

}  // namespace

size_t uvk_error_format(const uvk_error *e, char *buf, size_t buflen) {
  if (!buf) buflen = 0;  // a NULL buffer only measures, whatever length came with it
  Fmt f = {buf, buflen, 0};
  if (buflen) buf[0] = '\0';
  if (!e) {
    fmt_add(&f, "%s", "no error");
    return f.len;
  }
  for (const uvk_error *x = e; x; x = x->cause) {
    if (x != e) fmt_add(&f, " <- ");
    // A local code with the broker's behind it (UVK_EAUTH for UNSUPPORTED_SASL_MECHANISM) names both.
    if (x->kafka_code != 0 && x->code != UVK_EKAFKA && !UVK_ERR_IS_KAFKA(x->code))
      fmt_add(&f, "%s: %s (%d): %s", uvk_err_name(x->code), uvk_error_kafka_name(x), int(x->kafka_code),
              uvk_error_message(x));
    else if (x->kafka_code != 0)
      fmt_add(&f, "%s (%d): %s", uvk_error_kafka_name(x), int(x->kafka_code), uvk_error_message(x));
    else
      fmt_add(&f, "%s: %s", uvk_err_name(x->code), uvk_error_message(x));
    if (x->code == UVK_ERETRIES)
      fmt_add(&f, " (%d retries, last wait %lld ms)", int(x->retry_count),
              static_cast<long long>(x->retry_time));
  }
  return f.len;
}

// ---- names ---------------------------------------------------------------------------------

const char *uvk_log_level_name(int level) { return uvk::log_level_label(level); }

namespace {
struct EventName {
  int type;
  const char *name;
  const char *kafkajs_name;
};
const EventName kEventNames[] = {
    {UVK_EVENT_CONNECT, "connect", "connect"},
    {UVK_EVENT_DISCONNECT, "disconnect", "disconnect"},
    {UVK_EVENT_REQUEST, "request", "network.request"},
    {UVK_EVENT_REQUEST_TIMEOUT, "request_timeout", "network.request_timeout"},
    {UVK_EVENT_REQUEST_QUEUE_SIZE, "request_queue_size", "network.request_queue_size"},
    {UVK_EVENT_GROUP_JOIN, "group_join", "consumer.group_join"},
    {UVK_EVENT_HEARTBEAT, "heartbeat", "consumer.heartbeat"},
    {UVK_EVENT_COMMIT_OFFSETS, "commit_offsets", "consumer.commit_offsets"},
    {UVK_EVENT_REBALANCING, "rebalancing", "consumer.rebalancing"},
    {UVK_EVENT_CRASH, "crash", "consumer.crash"},
    {UVK_EVENT_STOP, "stop", "consumer.stop"},
    {UVK_EVENT_FETCH, "fetch", "consumer.fetch"},
    {UVK_EVENT_START_BATCH_PROCESS, "start_batch_process", "consumer.start_batch_process"},
    {UVK_EVENT_END_BATCH_PROCESS, "end_batch_process", "consumer.end_batch_process"},
    {UVK_EVENT_FETCH_START, "fetch_start", "consumer.fetch_start"},
    {UVK_EVENT_RECEIVED_UNSUBSCRIBED_TOPICS, "received_unsubscribed_topics", "consumer.received_unsubscribed_topics"},
};
}  // namespace

const char *uvk_event_name(int type) {
  for (const EventName &n : kEventNames)
    if (n.type == type) return n.name;
  return nullptr;
}

int uvk_event_type_from_name(const char *name) {
  if (!name) return 0;
  for (const EventName &n : kEventNames)
    if (strcmp(name, n.name) == 0 || strcmp(name, n.kafkajs_name) == 0) return n.type;
  return 0;
}
