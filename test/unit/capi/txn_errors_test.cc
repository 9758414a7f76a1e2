// KIP-1050's classes of transactional errors as the C ABI reports them (lib/client/txn_errors.cc).
#include <catch2/catch.hpp>

#include "engine/kafka_errors.h"
#include "uvkafka/uvkafka.h"

TEST_CASE("txn error classes: retriable, abortable, producer-fatal, fatal", "[capi]") {
  CHECK(uvk_txn_error_class_of(0) == UVK_TXN_ERR_NONE);
  // Transient: the coordinator moving or busy, timeouts, connections.
  for (int k : {UVK_KAFKA_CONCURRENT_TRANSACTIONS, UVK_KAFKA_NOT_COORDINATOR, UVK_KAFKA_COORDINATOR_LOAD_IN_PROGRESS,
                UVK_KAFKA_REQUEST_TIMED_OUT})
    CHECK(uvk_txn_error_class_of(UVK_ERR_KAFKA(k)) == UVK_TXN_ERR_RETRIABLE);
  for (int e : {UVK_ETIMEDOUT, UVK_ECONNECT}) CHECK(uvk_txn_error_class_of(e) == UVK_TXN_ERR_RETRIABLE);
  // This transaction only.
  for (int k : {UVK_KAFKA_TRANSACTION_ABORTABLE, UVK_KAFKA_TOPIC_AUTHORIZATION_FAILED, UVK_KAFKA_MESSAGE_TOO_LARGE,
                UVK_KAFKA_UNKNOWN_PRODUCER_ID, UVK_KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER, UVK_KAFKA_ILLEGAL_GENERATION})
    CHECK(uvk_txn_error_class_of(UVK_ERR_KAFKA(k)) == UVK_TXN_ERR_ABORTABLE);
  for (int e : {UVK_ESTATE, UVK_ERETRIES}) CHECK(uvk_txn_error_class_of(e) == UVK_TXN_ERR_ABORTABLE);
  // This producer.
  for (int k : {UVK_KAFKA_PRODUCER_FENCED, UVK_KAFKA_INVALID_PRODUCER_EPOCH, UVK_KAFKA_INVALID_TXN_STATE,
                UVK_KAFKA_TRANSACTIONAL_ID_NOT_FOUND})
    CHECK(uvk_txn_error_class_of(UVK_ERR_KAFKA(k)) == UVK_TXN_ERR_PRODUCER_FATAL);
  // Any producer with this configuration.
  for (int k : {UVK_KAFKA_TRANSACTIONAL_ID_AUTHORIZATION_FAILED, UVK_KAFKA_CLUSTER_AUTHORIZATION_FAILED,
                UVK_KAFKA_INVALID_TRANSACTION_TIMEOUT, UVK_KAFKA_UNSUPPORTED_VERSION})
    CHECK(uvk_txn_error_class_of(UVK_ERR_KAFKA(k)) == UVK_TXN_ERR_FATAL);
  for (int e : {UVK_EINVAL, UVK_EUNSUPPORTED, UVK_EAUTH}) CHECK(uvk_txn_error_class_of(e) == UVK_TXN_ERR_FATAL);
}

TEST_CASE("txn error classes of an error object: by its Kafka code, else its code", "[capi]") {
  CHECK(uvk_error_txn_class(nullptr) == UVK_TXN_ERR_NONE);
  uvk_error *fenced = uvk::error_new(nullptr, UVK_EKAFKA, UVK_KAFKA_PRODUCER_FENCED, nullptr, 0, nullptr);
  uvk_error *timeout = uvk::error_new(nullptr, UVK_ETIMEDOUT, 0, nullptr, 0, nullptr);
  REQUIRE(fenced);
  REQUIRE(timeout);
  CHECK(uvk_error_txn_class(fenced) == UVK_TXN_ERR_PRODUCER_FATAL);
  CHECK(uvk_error_txn_class(timeout) == UVK_TXN_ERR_RETRIABLE);
  uvk::error_release(fenced);
  uvk::error_release(timeout);
}
