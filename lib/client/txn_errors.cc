// KIP-1050 (Kafka 4.x's Java producer): every error of a transactional call is one of
// retriable (call again), abortable (abort, the producer goes on), producer-fatal (this
// producer is finished, a new one with the same transactionalId recovers) or fatal (a new
// producer fails the same way: configuration, authorization, an unsupported broker).
#include "client/txn_errors.h"

#include "engine/kafka_errors.h"
#include "uvkafka/uvkafka.h"

namespace uvk {

uvk_txn_error_class txn_error_class(int err) {
  if (err >= 0) return UVK_TXN_ERR_NONE;  // not an error code
  if (UVK_ERR_IS_KAFKA(err)) {
    switch (UVK_ERR_KAFKA_CODE(err)) {
      case UVK_KAFKA_CONCURRENT_TRANSACTIONS:
        return UVK_TXN_ERR_RETRIABLE;
      case UVK_KAFKA_PRODUCER_FENCED:
      case UVK_KAFKA_INVALID_PRODUCER_EPOCH:
      case UVK_KAFKA_INVALID_TXN_STATE:
      case UVK_KAFKA_INVALID_PRODUCER_ID_MAPPING:
      case UVK_KAFKA_TRANSACTIONAL_ID_NOT_FOUND:
        return UVK_TXN_ERR_PRODUCER_FATAL;
      case UVK_KAFKA_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
      case UVK_KAFKA_CLUSTER_AUTHORIZATION_FAILED:
      case UVK_KAFKA_INVALID_TRANSACTION_TIMEOUT:
      case UVK_KAFKA_UNSUPPORTED_VERSION:
      case UVK_KAFKA_UNSUPPORTED_FOR_MESSAGE_FORMAT:
      case UVK_KAFKA_SASL_AUTHENTICATION_FAILED:
      case UVK_KAFKA_INVALID_REQUIRED_ACKS:
        return UVK_TXN_ERR_FATAL;
      default:
        // TRANSACTION_ABORTABLE, topic / group authorization, a record the broker refused,
        // a lost group membership, UNKNOWN_PRODUCER_ID...: this transaction cannot commit.
        return kafka_error_retriable(UVK_ERR_KAFKA_CODE(err)) ? UVK_TXN_ERR_RETRIABLE : UVK_TXN_ERR_ABORTABLE;
    }
  }
  switch (err) {
    case UVK_ESTATE:     // commit after a failed send, or a call out of order: abort
    case UVK_ERETRIES:   // a send of the transaction gave up
    case UVK_ETOOLARGE:
    case UVK_ECOMPRESSION:
      return UVK_TXN_ERR_ABORTABLE;
    case UVK_EINVAL:
    case UVK_EUNSUPPORTED:
    case UVK_EAUTH:
    case UVK_ETLS:
      return UVK_TXN_ERR_FATAL;
    default:
      return err_retriable(err) ? UVK_TXN_ERR_RETRIABLE : UVK_TXN_ERR_ABORTABLE;
  }
}

}  // namespace uvk
