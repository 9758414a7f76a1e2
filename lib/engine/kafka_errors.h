// The Kafka protocol error table (code, name, retriable, description) and the error object
// (struct uvk_error) that asynchronous completions carry. The C accessors for uvk_error
// live in lib/capi/error.cc; the engine and the clients build errors with the functions
// here.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "uvkafka/uvkafka.h"

namespace uvk {

struct KafkaErrorInfo {
  int16_t code;
  bool retriable;
  const char *name;         // "NOT_LEADER_OR_FOLLOWER"
  const char *description;  // one English sentence
};

// Codes the group and transaction coordinators' clients act on by name.
inline constexpr int16_t kCoordinatorLoading = 14, kCoordinatorNotAvailable = 15, kNotCoordinator = 16,
                         kIllegalGeneration = 22, kUnknownMemberId = 25, kRebalanceInProgress = 27,
                         kConcurrentTransactions = 51, kOperationNotAttempted = 55, kMemberIdRequired = 79,
                         kFencedInstanceId = 82;

// The coordinator is loading, gone or elsewhere: look it up again.
inline bool kafka_coordinator_error(int16_t code) {
  return code == kCoordinatorLoading || code == kCoordinatorNotAvailable || code == kNotCoordinator;
}

// Lowest and highest code in the table; every code in between is defined.
constexpr int kKafkaErrorMin = -1;
constexpr int kKafkaErrorMax = 136;

// The entry for `code`, or nullptr for a code this table does not know (a newer broker).
const KafkaErrorInfo *kafka_error_info(int code);
// Unknown codes are treated as not retriable (like UNKNOWN_SERVER_ERROR).
bool kafka_error_retriable(int code);
// 0 if unknown.
int kafka_error_by_name(const char *name);

// Retriable for any int error (UVK_E* or UVK_ERR_KAFKA(n)).
bool err_retriable(int err);

}  // namespace uvk

// The error object. Immutable after construction except for the reference count.
struct uvk_error {
  mutable int32_t refs;
  int code;                   // UVK_E*
  int16_t kafka_code;         // 0 when not a broker error
  bool retriable;
  int32_t retry_count;        // UVK_ERETRIES only
  int64_t retry_time;         // UVK_ERETRIES only
  char *broker_message;       // owned, may be null
  const uvk_error *cause;     // one reference held, may be null
  const uvk::Allocator *alloc;
};

namespace uvk {

// A new error with one reference. `broker_message` (may be null) is copied; `cause` gets a
// new reference. Returns nullptr when memory runs out (callers then report the bare code).
uvk_error *error_new(const Allocator *a, int code, int kafka_code, const char *broker_message,
                     size_t broker_message_len, const uvk_error *cause);
// A broker error: code UVK_EKAFKA, retriable from the table.
uvk_error *error_kafka(const Allocator *a, int kafka_code, const char *broker_message,
                       size_t broker_message_len);
// "Number of retries exceeded": keeps `last` as the cause.
uvk_error *error_retries_exceeded(const Allocator *a, const uvk_error *last, int32_t retry_count,
                                  int64_t retry_time);
const uvk_error *error_retain(const uvk_error *e);
void error_release(const uvk_error *e);

}  // namespace uvk
