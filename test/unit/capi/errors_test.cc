#include <catch2/catch.hpp>

#include <string.h>
#include <string>

#include "engine/kafka_errors.h"
#include "uvkafka/uvkafka.h"

TEST_CASE("capi errors: strerror and names for every local code", "[errors]") {
  // Written out, not generated from UVK_ERRNO_MAP: a code's number is ABI and never changes,
  // and each must keep its name, retriability and message.
  struct Row {
    int code, value;
    const char *name;
    int retriable;
    const char *message;
  };
  const Row rows[] = {
      {UVK_EINVAL, -1, "UVK_EINVAL", 0, "invalid argument"},
      {UVK_ENOMEM, -2, "UVK_ENOMEM", 1, "out of memory"},
      {UVK_EPROTO, -3, "UVK_EPROTO", 0, "malformed data from the peer"},
      {UVK_ETOOLARGE, -4, "UVK_ETOOLARGE", 0, "size over the configured limit"},
      {UVK_EUNSUPPORTED, -5, "UVK_EUNSUPPORTED", 0, "unsupported version, feature or codec"},
      {UVK_ECRC, -6, "UVK_ECRC", 0, "checksum mismatch"},
      {UVK_ETIMEDOUT, -7, "UVK_ETIMEDOUT", 1, "timed out"},
      {UVK_ECLOSED, -8, "UVK_ECLOSED", 1, "connection closed"},
      {UVK_ECANCELED, -9, "UVK_ECANCELED", 0, "operation canceled"},
      {UVK_ESTATE, -10, "UVK_ESTATE", 0, "call not allowed in the current state"},
      {UVK_ENOTFOUND, -11, "UVK_ENOTFOUND", 0, "not found"},
      {UVK_EQUEUEFULL, -12, "UVK_EQUEUEFULL", 1, "queue full"},
      {UVK_EKAFKA, -13, "UVK_EKAFKA", 0, "the broker returned an error"},
      {UVK_ERETRIES, -14, "UVK_ERETRIES", 0, "number of retries exceeded"},
      {UVK_ECONNECT, -15, "UVK_ECONNECT", 1, "connection failed"},
      {UVK_ETLS, -16, "UVK_ETLS", 0, "TLS failure"},
      {UVK_EAUTH, -17, "UVK_EAUTH", 0, "authentication failed"},
      {UVK_ECOMPRESSION, -18, "UVK_ECOMPRESSION", 0, "compression or decompression failed"},
  };
  for (const Row &r : rows) {
    INFO(r.name);
    CHECK(r.code == r.value);
    CHECK(std::string(uvk_strerror(r.code)) == r.message);
    CHECK(std::string(uvk_err_name(r.code)) == r.name);
    CHECK(uvk_err_is_retriable(r.code) == r.retriable);
  }
  CHECK(int(sizeof rows / sizeof rows[0]) == -(UVK_ERRNO_LAST_ + 1));  // every code listed
  CHECK(std::string(uvk_strerror(0)) == "success");
  CHECK(std::string(uvk_err_name(0)) == "UVK_OK");
  CHECK(std::string(uvk_strerror(-777)) == "unknown error");
  CHECK(std::string(uvk_err_name(-777)) == "UNKNOWN");
  CHECK(std::string(uvk_strerror(12345)) == "unknown error");
  CHECK(uvk_err_is_retriable(-777) == 0);
}

TEST_CASE("capi errors: Kafka codes through the int error space", "[errors]") {
  int e = UVK_ERR_KAFKA(UVK_KAFKA_NOT_LEADER_OR_FOLLOWER);
  CHECK(e == -1006);
  CHECK(std::string(uvk_err_name(e)) == "NOT_LEADER_OR_FOLLOWER");
  CHECK(strlen(uvk_strerror(e)) > 10);
  CHECK(uvk_err_is_retriable(e) == 1);
  CHECK(uvk_err_is_retriable(UVK_ERR_KAFKA(UVK_KAFKA_REBALANCE_IN_PROGRESS)) == 0);
  CHECK(std::string(uvk_err_name(UVK_ERR_KAFKA(-1))) == "UNKNOWN_SERVER_ERROR");
  CHECK(std::string(uvk_err_name(UVK_ERR_KAFKA(9000))) == "UNKNOWN");
  CHECK(std::string(uvk_strerror(UVK_ERR_KAFKA(9000))) == "unknown Kafka error");
}

TEST_CASE("capi errors: uvk_error accessors", "[errors]") {
  const char msg[] = "Topic 'x' already exists.";
  uvk_error *k = uvk::error_kafka(nullptr, UVK_KAFKA_TOPIC_ALREADY_EXISTS, msg, strlen(msg));
  REQUIRE(k);
  CHECK(uvk_error_code(k) == UVK_EKAFKA);
  CHECK(uvk_error_kafka_code(k) == 36);
  CHECK(std::string(uvk_error_kafka_name(k)) == "TOPIC_ALREADY_EXISTS");
  CHECK(std::string(uvk_error_broker_message(k)) == msg);
  CHECK(std::string(uvk_error_message(k)) == msg);
  CHECK(uvk_error_is_retriable(k) == 0);
  CHECK(uvk_error_cause(k) == nullptr);
  CHECK(uvk_error_retry_count(k) == 0);

  uvk_error *t = uvk::error_kafka(nullptr, UVK_KAFKA_LEADER_NOT_AVAILABLE, nullptr, 0);
  REQUIRE(t);
  CHECK(uvk_error_broker_message(t) == nullptr);
  CHECK(std::string(uvk_error_message(t)) ==
        uvk_strerror(UVK_ERR_KAFKA(UVK_KAFKA_LEADER_NOT_AVAILABLE)));
  CHECK(uvk_error_is_retriable(t) == 1);

  uvk_error *r = uvk::error_retries_exceeded(nullptr, t, 5, 4147);
  REQUIRE(r);
  uvk_error_release(t);
  CHECK(uvk_error_code(r) == UVK_ERETRIES);
  CHECK(uvk_error_kafka_code(r) == 0);
  CHECK(uvk_error_kafka_name(r) == nullptr);
  CHECK(uvk_error_is_retriable(r) == 0);
  CHECK(uvk_error_retry_count(r) == 5);
  CHECK(uvk_error_retry_time(r) == 4147);
  const uvk_error *c = uvk_error_cause(r);
  REQUIRE(c);
  CHECK(uvk_error_kafka_code(c) == UVK_KAFKA_LEADER_NOT_AVAILABLE);
  CHECK(uvk_error_is_retriable(c) == 1);

  char buf[512];
  size_t need = uvk_error_format(r, buf, sizeof buf);
  std::string s(buf);
  CHECK(need == s.size());
  CHECK(s.rfind("UVK_ERETRIES: number of retries exceeded (5 retries, last wait 4147 ms) <- "
                "LEADER_NOT_AVAILABLE (5): ", 0) == 0);
  // Truncation keeps snprintf semantics.
  char small[10];
  CHECK(uvk_error_format(r, small, sizeof small) == need);
  CHECK(std::string(small) == std::string(buf, 9));
  CHECK(uvk_error_format(r, nullptr, 0) == need);

  const uvk_error *kept = uvk_error_retain(c);
  uvk_error_release(r);
  CHECK(uvk_error_kafka_code(kept) == UVK_KAFKA_LEADER_NOT_AVAILABLE);  // still alive
  uvk_error_release(kept);
  uvk_error_release(k);

  // NULL is accepted everywhere.
  CHECK(uvk_error_code(nullptr) == 0);
  CHECK(uvk_error_message(nullptr) == nullptr);
  CHECK(uvk_error_cause(nullptr) == nullptr);
  uvk_error_release(nullptr);
  CHECK(uvk_error_retain(nullptr) == nullptr);
}

TEST_CASE("capi errors: local errors in the object carry their own retriability", "[errors]") {
  uvk_error *e = uvk::error_new(nullptr, UVK_ETIMEDOUT, 0, nullptr, 0, nullptr);
  REQUIRE(e);
  CHECK(uvk_error_is_retriable(e) == 1);
  CHECK(std::string(uvk_error_message(e)) == "timed out");
  char buf[64];
  uvk_error_format(e, buf, sizeof buf);
  CHECK(std::string(buf) == "UVK_ETIMEDOUT: timed out");
  uvk_error_release(e);
  // A local code with the broker's code behind it names both.
  const char why[] = "the broker does not enable SASL GSSAPI on this listener; it offers: PLAIN";
  e = uvk::error_new(nullptr, UVK_EAUTH, UVK_KAFKA_UNSUPPORTED_SASL_MECHANISM, why, sizeof why - 1, nullptr);
  char line[256];
  uvk_error_format(e, line, sizeof line);
  CHECK(std::string(line) == std::string("UVK_EAUTH: UNSUPPORTED_SASL_MECHANISM (33): ") + why);
  CHECK(uvk_error_code(e) == UVK_EAUTH);
  CHECK(uvk_error_is_retriable(e) == 0);
  uvk_error_release(e);
}

TEST_CASE("capi names: log levels and events", "[errors]") {
  CHECK(std::string(uvk_log_level_name(UVK_LOG_DEBUG)) == "DEBUG");
  CHECK(uvk_log_level_name(3) == nullptr);
  CHECK(std::string(uvk_event_name(UVK_EVENT_REQUEST_QUEUE_SIZE)) == "request_queue_size");
  CHECK(uvk_event_name(0) == nullptr);
  CHECK(uvk_event_type_from_name("request") == UVK_EVENT_REQUEST);
  CHECK(uvk_event_type_from_name("network.request_timeout") == UVK_EVENT_REQUEST_TIMEOUT);
  CHECK(uvk_event_type_from_name("connect") == UVK_EVENT_CONNECT);
  CHECK(uvk_event_type_from_name("nope") == 0);
  CHECK(uvk_event_type_from_name(nullptr) == 0);
  for (int t = 1; t < UVK_EVENT_TYPE_LAST_; t++)
    CHECK(uvk_event_type_from_name(uvk_event_name(t)) == t);
}

TEST_CASE("capi names: uvk_name_check says which rule a name breaks", "[errors]") {
  char why[512];
  CHECK(uvk_name_check(UVK_NAME_TOPIC, "orders.v2_eu-1", why, sizeof why) == 0);
  CHECK(std::string(why).empty());
  CHECK(uvk_name_check(UVK_NAME_TOPIC, "bad topic!", why, sizeof why) == UVK_EINVAL);
  CHECK(std::string(why) ==
        "invalid topic name \"bad topic!\": a space (at 3) is not allowed; a topic name has 1 to 249 characters, "
        "each a letter, digit, '.', '_' or '-', and is not \".\" or \"..\"");
  CHECK(uvk_name_check(UVK_NAME_TOPIC, "a/b", why, sizeof why) == UVK_EINVAL);
  CHECK(std::string(why).find("'/' (at 1) is not allowed") != std::string::npos);
  CHECK(uvk_name_check(UVK_NAME_TOPIC, "caf\xc3\xa9", why, sizeof why) == UVK_EINVAL);
  CHECK(std::string(why).find("byte 0xc3 (at 3)") != std::string::npos);
  CHECK(uvk_name_check(UVK_NAME_TOPIC, "..", why, sizeof why) == UVK_EINVAL);
  CHECK(uvk_name_check(UVK_NAME_TOPIC, "", why, sizeof why) == UVK_EINVAL);
  CHECK(std::string(why).find("it is empty") != std::string::npos);
  std::string long_name(250, 'x');
  CHECK(uvk_name_check(UVK_NAME_TOPIC, long_name.c_str(), why, sizeof why) == UVK_EINVAL);
  CHECK(std::string(why).find("it has 250 characters") != std::string::npos);
  CHECK(uvk_name_check(UVK_NAME_TOPIC, std::string(249, 'x').c_str(), why, sizeof why) == 0);
  CHECK(uvk_name_check(UVK_NAME_GROUP_ID, "", why, sizeof why) == UVK_EINVAL);
  CHECK(std::string(why) == "invalid group id \"\": it is empty; it needs 1 to 32767 bytes");
  CHECK(uvk_name_check(UVK_NAME_GROUP_ID, "any thing/ goes", why, sizeof why) == 0);
  CHECK(uvk_name_check(UVK_NAME_CLIENT_ID, "", why, sizeof why) == 0);
  CHECK(uvk_name_check(UVK_NAME_CLIENT_ID, std::string(32768, 'c').c_str(), why, sizeof why) == UVK_EINVAL);
  CHECK(std::string(why).find("over 32767 bytes") != std::string::npos);
  CHECK(uvk_name_check(UVK_NAME_TRANSACTIONAL_ID, "", why, sizeof why) == UVK_EINVAL);
  CHECK(uvk_name_check(99, "t", why, sizeof why) == UVK_EINVAL);
  CHECK(std::string(why) == "unknown name kind 99");
}
