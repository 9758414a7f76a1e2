// Kafka protocol error table and the uvk_error object.
#include "engine/kafka_errors.h"

#include <string.h>

namespace uvk {
namespace {

// One row per code, in code order (index = code + 1). Names, codes and the retriable flag
// are the protocol's (a code is retriable when Kafka classifies it as transient); the
// descriptions are ours. A unit test checks this table against uvk_kafka_errors.h.
const KafkaErrorInfo kTable[] = {
    {-1, false, "UNKNOWN_SERVER_ERROR", "The broker hit an unexpected error while handling the request."},
    {0, false, "NONE", "No error."},
    {1, false, "OFFSET_OUT_OF_RANGE", "The requested offset is outside the range the broker holds for this partition."},
    {2, true, "CORRUPT_MESSAGE", "A message failed its checksum, is too large, or is otherwise corrupt."},
    {3, true, "UNKNOWN_TOPIC_OR_PARTITION", "This broker does not host the topic or partition."},
    {4, false, "INVALID_FETCH_SIZE", "The requested fetch size is not valid."},
    {5, true, "LEADER_NOT_AVAILABLE", "The partition has no leader right now (a leader election is under way)."},
    {6, true, "NOT_LEADER_OR_FOLLOWER", "This broker is not the leader (or a follower) for the partition."},
    {7, true, "REQUEST_TIMED_OUT", "The request timed out on the broker."},
    {8, false, "BROKER_NOT_AVAILABLE", "The broker is not available."},
    {9, true, "REPLICA_NOT_AVAILABLE", "The replica is not available for the partition."},
    {10, false, "MESSAGE_TOO_LARGE", "A message is larger than the broker accepts."},
    {11, false, "STALE_CONTROLLER_EPOCH", "The controller has moved to another broker."},
    {12, false, "OFFSET_METADATA_TOO_LARGE", "The offset commit metadata is too large."},
    {13, true, "NETWORK_EXCEPTION", "The broker closed the connection before responding."},
    {14, true, "COORDINATOR_LOAD_IN_PROGRESS", "The coordinator is still loading and cannot serve requests yet."},
    {15, true, "COORDINATOR_NOT_AVAILABLE", "The coordinator is not available."},
    {16, true, "NOT_COORDINATOR", "This broker is not the coordinator for the group or transaction."},
    {17, false, "INVALID_TOPIC_EXCEPTION", "The topic name is not valid or the operation is not allowed on it."},
    {18, false, "RECORD_LIST_TOO_LARGE", "The record batch is larger than the broker's segment size."},
    {19, true, "NOT_ENOUGH_REPLICAS", "Too few in-sync replicas: the messages were rejected."},
    {20, true, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", "The messages were written but to fewer in-sync replicas than required."},
    {21, false, "INVALID_REQUIRED_ACKS", "The acks value in the produce request is not valid."},
    {22, false, "ILLEGAL_GENERATION", "The group generation id is not current."},
    {23, false, "INCONSISTENT_GROUP_PROTOCOL", "The member's group protocols do not match those of the group."},
    {24, false, "INVALID_GROUP_ID", "The group id is not valid."},
    {25, false, "UNKNOWN_MEMBER_ID", "The coordinator does not know this member id."},
    {26, false, "INVALID_SESSION_TIMEOUT", "The session timeout is outside the range the broker allows."},
    {27, false, "REBALANCE_IN_PROGRESS", "The group is rebalancing; the member must rejoin."},
    {28, false, "INVALID_COMMIT_OFFSET_SIZE", "The size of the committed offset data is not valid."},
    {29, false, "TOPIC_AUTHORIZATION_FAILED", "Not authorized to access the topic."},
    {30, false, "GROUP_AUTHORIZATION_FAILED", "Not authorized to access the group."},
    {31, false, "CLUSTER_AUTHORIZATION_FAILED", "Not authorized for this cluster operation."},
    {32, false, "INVALID_TIMESTAMP", "The message timestamp is outside the accepted range."},
    {33, false, "UNSUPPORTED_SASL_MECHANISM", "The broker does not support the SASL mechanism."},
    {34, false, "ILLEGAL_SASL_STATE", "The request is not valid in the current SASL state."},
    {35, false, "UNSUPPORTED_VERSION", "The broker does not support this API version."},
    {36, false, "TOPIC_ALREADY_EXISTS", "A topic with this name already exists."},
    {37, false, "INVALID_PARTITIONS", "The number of partitions is not valid."},
    {38, false, "INVALID_REPLICATION_FACTOR", "The replication factor is not valid for the available brokers."},
    {39, false, "INVALID_REPLICA_ASSIGNMENT", "The replica assignment is not valid."},
    {40, false, "INVALID_CONFIG", "The configuration is not valid."},
    {41, true, "NOT_CONTROLLER", "This broker is not the active controller."},
    {42, false, "INVALID_REQUEST", "The broker could not parse or accept the request."},
    {43, false, "UNSUPPORTED_FOR_MESSAGE_FORMAT", "The partition's message format does not support the request."},
    {44, false, "POLICY_VIOLATION", "The request violates a broker policy."},
    {45, false, "OUT_OF_ORDER_SEQUENCE_NUMBER", "The broker received an out-of-order sequence number from the producer."},
    {46, false, "DUPLICATE_SEQUENCE_NUMBER", "The broker received a duplicate sequence number from the producer."},
    {47, false, "INVALID_PRODUCER_EPOCH", "The producer epoch is older than the broker's."},
    {48, false, "INVALID_TXN_STATE", "The transactional operation is not valid in the transaction's state."},
    {49, false, "INVALID_PRODUCER_ID_MAPPING", "The producer id is not assigned to this transactional id."},
    {50, false, "INVALID_TRANSACTION_TIMEOUT", "The transaction timeout exceeds the broker's maximum."},
    {51, true, "CONCURRENT_TRANSACTIONS", "Another operation on the same transaction is in progress."},
    {52, false, "TRANSACTION_COORDINATOR_FENCED", "The transaction coordinator that sent the marker has been fenced."},
    {53, false, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", "Not authorized to use the transactional id."},
    {54, false, "SECURITY_DISABLED", "Security features are disabled on the broker."},
    {55, false, "OPERATION_NOT_ATTEMPTED", "The broker did not attempt this operation because another in the batch failed."},
    {56, true, "KAFKA_STORAGE_ERROR", "The broker had a disk error accessing the log."},
    {57, false, "LOG_DIR_NOT_FOUND", "The log directory is not in the broker's configuration."},
    {58, false, "SASL_AUTHENTICATION_FAILED", "SASL authentication failed."},
    {59, false, "UNKNOWN_PRODUCER_ID", "The broker has no state for this producer id."},
    {60, false, "REASSIGNMENT_IN_PROGRESS", "A partition reassignment is in progress."},
    {61, false, "DELEGATION_TOKEN_AUTH_DISABLED", "Delegation tokens are disabled."},
    {62, false, "DELEGATION_TOKEN_NOT_FOUND", "The delegation token was not found."},
    {63, false, "DELEGATION_TOKEN_OWNER_MISMATCH", "The principal is not the owner or renewer of the delegation token."},
    {64, false, "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", "Delegation token requests are not allowed on this connection."},
    {65, false, "DELEGATION_TOKEN_AUTHORIZATION_FAILED", "Not authorized for the delegation token operation."},
    {66, false, "DELEGATION_TOKEN_EXPIRED", "The delegation token has expired."},
    {67, false, "INVALID_PRINCIPAL_TYPE", "The principal type is not supported."},
    {68, false, "NON_EMPTY_GROUP", "The group still has members."},
    {69, false, "GROUP_ID_NOT_FOUND", "The group does not exist."},
    {70, true, "FETCH_SESSION_ID_NOT_FOUND", "The fetch session was not found."},
    {71, true, "INVALID_FETCH_SESSION_EPOCH", "The fetch session epoch is not valid."},
    {72, true, "LISTENER_NOT_FOUND", "The leader has no listener matching the one the metadata came from."},
    {73, false, "TOPIC_DELETION_DISABLED", "Topic deletion is disabled."},
    {74, true, "FENCED_LEADER_EPOCH", "The leader epoch in the request is older than the broker's."},
    {75, true, "UNKNOWN_LEADER_EPOCH", "The leader epoch in the request is newer than the broker's."},
    {76, false, "UNSUPPORTED_COMPRESSION_TYPE", "The client does not support the partition's compression type."},
    {77, false, "STALE_BROKER_EPOCH", "The broker epoch has changed."},
    {78, true, "OFFSET_NOT_AVAILABLE", "The offset is not available yet after a leader change."},
    {79, false, "MEMBER_ID_REQUIRED", "The member needs a member id before joining the group."},
    {80, true, "PREFERRED_LEADER_NOT_AVAILABLE", "The preferred leader is not available."},
    {81, false, "GROUP_MAX_SIZE_REACHED", "The group has reached its maximum size."},
    {82, false, "FENCED_INSTANCE_ID", "Another static member with the same group instance id has joined."},
    {83, true, "ELIGIBLE_LEADERS_NOT_AVAILABLE", "No eligible leader is available for the partition."},
    {84, true, "ELECTION_NOT_NEEDED", "No leader election is needed for the partition."},
    {85, false, "NO_REASSIGNMENT_IN_PROGRESS", "No partition reassignment is in progress."},
    {86, false, "GROUP_SUBSCRIBED_TO_TOPIC", "The group is subscribed to the topic, so its offsets cannot be deleted."},
    {87, false, "INVALID_RECORD", "The broker rejected the record as invalid."},
    {88, true, "UNSTABLE_OFFSET_COMMIT", "Unstable offsets (from open transactions) must be resolved first."},
    {89, true, "THROTTLING_QUOTA_EXCEEDED", "The throttling quota has been exceeded."},
    {90, false, "PRODUCER_FENCED", "A newer producer with the same transactional id has fenced this one."},
    {91, false, "RESOURCE_NOT_FOUND", "The request refers to a resource that does not exist."},
    {92, false, "DUPLICATE_RESOURCE", "The request refers to the same resource twice."},
    {93, false, "UNACCEPTABLE_CREDENTIAL", "The credential does not meet the acceptance criteria."},
    {94, false, "INCONSISTENT_VOTER_SET", "The sender or receiver is not one of the expected voters."},
    {95, false, "INVALID_UPDATE_VERSION", "The update version is not valid."},
    {96, false, "FEATURE_UPDATE_FAILED", "Updating the finalized features failed on the broker."},
    {97, false, "PRINCIPAL_DESERIALIZATION_FAILURE", "The broker could not deserialize the forwarded principal."},
    {98, false, "SNAPSHOT_NOT_FOUND", "The snapshot was not found."},
    {99, false, "POSITION_OUT_OF_RANGE", "The snapshot position is out of range."},
    {100, true, "UNKNOWN_TOPIC_ID", "This broker does not host the topic id."},
    {101, false, "DUPLICATE_BROKER_REGISTRATION", "The broker id is already registered."},
    {102, false, "BROKER_ID_NOT_REGISTERED", "The broker id is not registered."},
    {103, true, "INCONSISTENT_TOPIC_ID", "The topic id does not match the log's topic id."},
    {104, false, "INCONSISTENT_CLUSTER_ID", "The cluster id does not match the broker's."},
    {105, false, "TRANSACTIONAL_ID_NOT_FOUND", "The transactional id was not found."},
    {106, true, "FETCH_SESSION_TOPIC_ID_ERROR", "The fetch session used topic ids inconsistently."},
    {107, false, "INELIGIBLE_REPLICA", "The new in-sync replica set contains an ineligible replica."},
    {108, false, "NEW_LEADER_ELECTED", "The partition state was updated but the leader has changed."},
    {109, false, "OFFSET_MOVED_TO_TIERED_STORAGE", "The offset has moved to tiered storage."},
    {110, false, "FENCED_MEMBER_EPOCH", "The member epoch is fenced; the member must rejoin without its partitions."},
    {111, false, "UNRELEASED_INSTANCE_ID", "Another member still uses the instance id."},
    {112, false, "UNSUPPORTED_ASSIGNOR", "The assignor or its version is not supported by the group."},
    {113, false, "STALE_MEMBER_EPOCH", "The member epoch is stale."},
    {114, false, "MISMATCHED_ENDPOINT_TYPE", "The request was sent to the wrong kind of endpoint."},
    {115, false, "UNSUPPORTED_ENDPOINT_TYPE", "This endpoint type is not supported."},
    {116, false, "UNKNOWN_CONTROLLER_ID", "The controller id is not known."},
    {117, false, "UNKNOWN_SUBSCRIPTION_ID", "The telemetry subscription id is not valid or outdated."},
    {118, false, "TELEMETRY_TOO_LARGE", "The telemetry push is larger than the broker accepts."},
    {119, false, "INVALID_REGISTRATION", "The controller considers the broker registration not valid."},
    {120, false, "TRANSACTION_ABORTABLE", "The transaction failed on the server; abort it to continue."},
    {121, false, "INVALID_RECORD_STATE", "The record state is not valid for the acknowledgement."},
    {122, true, "SHARE_SESSION_NOT_FOUND", "The share session was not found."},
    {123, true, "INVALID_SHARE_SESSION_EPOCH", "The share session epoch is not valid."},
    {124, false, "FENCED_STATE_EPOCH", "The share group state epoch does not match."},
    {125, false, "INVALID_VOTER_KEY", "The voter key does not match the replica's key."},
    {126, false, "DUPLICATE_VOTER", "The voter is already in the voter set."},
    {127, false, "VOTER_NOT_FOUND", "The voter is not in the voter set."},
    {128, false, "INVALID_REGULAR_EXPRESSION", "The regular expression is not valid."},
    {129, false, "REBOOTSTRAP_REQUIRED", "The client's metadata is stale; it must bootstrap again."},
    {130, false, "STREAMS_INVALID_TOPOLOGY", "The topology is not valid."},
    {131, false, "STREAMS_INVALID_TOPOLOGY_EPOCH", "The topology epoch is not valid."},
    {132, false, "STREAMS_TOPOLOGY_FENCED", "The topology epoch is outdated."},
    {133, true, "SHARE_SESSION_LIMIT_REACHED", "The share session limit has been reached."},
    {134, false, "GROUP_DELETION_FAILED", "The group could not be deleted."},
    {135, false, "STREAMS_TOPOLOGY_DESCRIPTION_UPDATE_FAILED", "The streams group's topology description was not stored."},
    {136, false, "CONTROLLER_ID_NOT_REGISTERED", "The controller id is not registered."},
};

static_assert(sizeof(kTable) / sizeof(kTable[0]) == size_t(kKafkaErrorMax - kKafkaErrorMin + 1),
              "one row per code from kKafkaErrorMin to kKafkaErrorMax");

}  // namespace

const KafkaErrorInfo *kafka_error_info(int code) {
  if (code < kKafkaErrorMin || code > kKafkaErrorMax) return nullptr;
  return &kTable[code - kKafkaErrorMin];
}

bool kafka_error_retriable(int code) {
  const KafkaErrorInfo *i = kafka_error_info(code);
  return i && i->retriable;
}

int kafka_error_by_name(const char *name) {
  if (!name) return 0;
  for (const KafkaErrorInfo &i : kTable)
    if (strcmp(i.name, name) == 0) return i.code;
  return 0;
}

bool err_retriable(int err) {
  if (err >= 0) return false;
  if (UVK_ERR_IS_KAFKA(err)) return kafka_error_retriable(UVK_ERR_KAFKA_CODE(err));
  switch (err) {
#define UVK_RETRIABLE_CASE_(name, value, retriable, message) \
  case value:                                                \
    return retriable != 0;
    UVK_ERRNO_MAP(UVK_RETRIABLE_CASE_)
#undef UVK_RETRIABLE_CASE_
    default:
      return false;
  }
}

uvk_error *error_new(const Allocator *a, int code, int kafka_code, const char *broker_message,
                     size_t broker_message_len, const uvk_error *cause) {
  auto *e = static_cast<uvk_error *>(mem_alloc(a, sizeof(uvk_error)));
  if (!e) return nullptr;
  memset(e, 0, sizeof *e);
  e->refs = 1;
  e->code = code;
  e->kafka_code = int16_t(kafka_code);
  e->alloc = a;
  if (code == UVK_EKAFKA)
    e->retriable = kafka_error_retriable(kafka_code);
  else
    e->retriable = err_retriable(code);
  if (broker_message) {
    e->broker_message = static_cast<char *>(mem_alloc(a, broker_message_len + 1));
    if (!e->broker_message) {
      mem_free(a, e);
      return nullptr;
    }
    memcpy(e->broker_message, broker_message, broker_message_len);
    e->broker_message[broker_message_len] = '\0';
  }
  e->cause = cause ? error_retain(cause) : nullptr;
  return e;
}

uvk_error *error_kafka(const Allocator *a, int kafka_code, const char *broker_message,
                       size_t broker_message_len) {
  return error_new(a, UVK_EKAFKA, kafka_code, broker_message, broker_message_len, nullptr);
}

uvk_error *error_retries_exceeded(const Allocator *a, const uvk_error *last, int32_t retry_count,
                                  int64_t retry_time) {
  uvk_error *e = error_new(a, UVK_ERETRIES, 0, nullptr, 0, last);
  if (!e) return nullptr;
  e->retriable = false;
  e->retry_count = retry_count;
  e->retry_time = retry_time;
  return e;
}

const uvk_error *error_retain(const uvk_error *e) {
  if (e) e->refs++;
  return e;
}

void error_release(const uvk_error *e) {
  // Iterative over the cause chain so a long chain cannot exhaust the stack.
  while (e && --e->refs == 0) {
    const uvk_error *cause = e->cause;
    uvk_error *m = const_cast<uvk_error *>(e);
    mem_free(m->alloc, m->broker_message);
    mem_free(m->alloc, m);
    e = cause;
  }
}

}  // namespace uvk
