'use strict'
// KafkaJS's error classes (same names, fields and hierarchy) and the mapping from the
// addon's error objects (uvk_error as a plain object) to them.

class KafkaJSError extends Error {
  constructor (e, { retriable = true, cause } = {}) {
    // KafkaJS: an Error or a {message, type, code} object (protocol errors) gives its message.
    const message = e && typeof e === 'object' && e.message ? e.message : e
    super(message, { cause })  // Error's own cause: not enumerable, as in KafkaJS
    this.message = message
    this.name = 'KafkaJSError'
    this.retriable = retriable
    this.helpUrl = e && e.helpUrl
    this.cause = cause
    if (Error.captureStackTrace) Error.captureStackTrace(this, this.constructor)
  }
}

class KafkaJSNonRetriableError extends KafkaJSError {
  constructor (e, { cause } = {}) {
    super(e, { retriable: false, cause })
    this.name = 'KafkaJSNonRetriableError'
  }
}

class KafkaJSProtocolError extends KafkaJSError {
  constructor (e, { retriable = e.retriable } = {}) {
    super(e, { retriable })
    this.type = e.type
    this.code = e.code
    this.name = 'KafkaJSProtocolError'
  }
}

class KafkaJSOffsetOutOfRange extends KafkaJSProtocolError {
  constructor (e, { topic, partition } = {}) {
    super(e)
    this.topic = topic
    this.partition = partition
    this.name = 'KafkaJSOffsetOutOfRange'
  }
}

class KafkaJSMemberIdRequired extends KafkaJSProtocolError {
  constructor (e, { memberId } = {}) {
    super(e)
    this.memberId = memberId
    this.name = 'KafkaJSMemberIdRequired'
  }
}

class KafkaJSNumberOfRetriesExceeded extends KafkaJSNonRetriableError {
  constructor (e, { retryCount, retryTime } = {}) {
    super(e, { cause: e })
    this.stack = `${this.name}\n  Caused by: ${e && e.stack ? e.stack : e}`
    this.originalError = e
    this.retryCount = retryCount
    this.retryTime = retryTime
    this.name = 'KafkaJSNumberOfRetriesExceeded'
  }
}

class KafkaJSConnectionError extends KafkaJSError {
  constructor (e, { broker, code } = {}) {
    super(e)
    this.broker = broker
    this.code = code
    this.name = 'KafkaJSConnectionError'
  }
}

class KafkaJSConnectionClosedError extends KafkaJSConnectionError {
  constructor (e, { host, port } = {}) {
    super(e, { broker: host && port ? `${host}:${port}` : undefined })
    this.host = host
    this.port = port
    this.name = 'KafkaJSConnectionClosedError'
  }
}

class KafkaJSRequestTimeoutError extends KafkaJSError {
  constructor (e, { broker, correlationId, createdAt, sentAt, pendingDuration } = {}) {
    super(e)
    this.broker = broker
    this.correlationId = correlationId
    this.createdAt = createdAt
    this.sentAt = sentAt
    this.pendingDuration = pendingDuration
    this.name = 'KafkaJSRequestTimeoutError'
  }
}

class KafkaJSMetadataNotLoaded extends KafkaJSError {
  constructor () {
    super(...arguments)
    this.name = 'KafkaJSMetadataNotLoaded'
  }
}
class KafkaJSTopicMetadataNotLoaded extends KafkaJSMetadataNotLoaded {
  constructor (e, { topic } = {}) {
    super(e)
    this.topic = topic
    this.name = 'KafkaJSTopicMetadataNotLoaded'
  }
}
class KafkaJSStaleTopicMetadataAssignment extends KafkaJSError {
  constructor (e, { topic, unknownPartitions } = {}) {
    super(e)
    this.topic = topic
    this.unknownPartitions = unknownPartitions
    this.name = 'KafkaJSStaleTopicMetadataAssignment'
  }
}
class KafkaJSServerDoesNotSupportApiKey extends KafkaJSNonRetriableError {
  constructor (e, { apiKey, apiName } = {}) {
    super(e)
    this.apiKey = apiKey
    this.apiName = apiName
    this.name = 'KafkaJSServerDoesNotSupportApiKey'
  }
}
class KafkaJSBrokerNotFound extends KafkaJSError {
  constructor () {
    super(...arguments)
    this.name = 'KafkaJSBrokerNotFound'
  }
}
class KafkaJSPartialMessageError extends KafkaJSNonRetriableError {
  constructor () {
    super(...arguments)
    this.name = 'KafkaJSPartialMessageError'
  }
}
class KafkaJSSASLAuthenticationError extends KafkaJSNonRetriableError {
  constructor () {
    super(...arguments)
    this.name = 'KafkaJSSASLAuthenticationError'
  }
}
class KafkaJSGroupCoordinatorNotFound extends KafkaJSNonRetriableError {
  constructor () {
    super(...arguments)
    this.name = 'KafkaJSGroupCoordinatorNotFound'
  }
}
class KafkaJSNotImplemented extends KafkaJSNonRetriableError {
  constructor () {
    super(...arguments)
    this.name = 'KafkaJSNotImplemented'
  }
}
class KafkaJSTimeout extends KafkaJSNonRetriableError {
  constructor () {
    super(...arguments)
    this.name = 'KafkaJSTimeout'
  }
}
class KafkaJSLockTimeout extends KafkaJSTimeout {
  constructor () {
    super(...arguments)
    this.name = 'KafkaJSLockTimeout'
  }
}
class KafkaJSUnsupportedMagicByteInMessageSet extends KafkaJSNonRetriableError {
  constructor () {
    super(...arguments)
    this.name = 'KafkaJSUnsupportedMagicByteInMessageSet'
  }
}
class KafkaJSDeleteGroupsError extends KafkaJSError {
  constructor (e, groups = []) {
    super(e)
    this.groups = groups
    this.name = 'KafkaJSDeleteGroupsError'
  }
}
class KafkaJSDeleteTopicRecordsError extends KafkaJSError {
  constructor ({ partitions }) {
    // Retriable when every partition that failed is (partitions without an error do not count).
    const retriable = partitions.filter(({ error }) => error != null).every(({ error }) => error.retriable === true)
    super('Error while deleting records', { retriable })
    this.partitions = partitions
    this.name = 'KafkaJSDeleteTopicRecordsError'
  }
}
class KafkaJSCreateTopicError extends KafkaJSProtocolError {
  constructor (e, topicName) {
    super(e)
    this.topic = topicName
    this.name = 'KafkaJSCreateTopicError'
  }
}
class KafkaJSAlterPartitionReassignmentsError extends KafkaJSProtocolError {
  constructor (e, topicName, partition) {
    super(e)
    this.topic = topicName
    this.partition = partition
    this.name = 'KafkaJSAlterPartitionReassignmentsError'
  }
}
class KafkaJSNoBrokerAvailableError extends KafkaJSError {
  constructor () {
    super('No broker available')
    this.name = 'KafkaJSNoBrokerAvailableError'
  }
}
class KafkaJSInvariantViolation extends KafkaJSNonRetriableError {
  constructor (e) {
    super(`Invariant violated: ${(e && e.message) || e}. This is likely a bug and should be reported.`)
    this.name = 'KafkaJSInvariantViolation'
  }
}
class KafkaJSInvalidVarIntError extends KafkaJSNonRetriableError {
  constructor () {
    super(...arguments)
    this.name = 'KafkaJSNonRetriableError'  // sic: KafkaJS 2.2.4 names it so
  }
}
class KafkaJSInvalidLongError extends KafkaJSNonRetriableError {
  constructor () {
    super(...arguments)
    this.name = 'KafkaJSNonRetriableError'  // sic: KafkaJS 2.2.4 names it so
  }
}
class KafkaJSAggregateError extends Error {
  constructor (message, errors) {
    super(message)
    this.errors = errors
    this.name = 'KafkaJSAggregateError'
  }
}
class KafkaJSFetcherRebalanceError extends Error {}

const isRebalancing = e =>
  e.type === 'REBALANCE_IN_PROGRESS' || e.type === 'NOT_COORDINATOR_FOR_GROUP' ||
  e.type === 'NOT_COORDINATOR' || e.type === 'ILLEGAL_GENERATION'
const isKafkaJSError = e => e instanceof KafkaJSError

// The addon's error object -> the KafkaJS error a KafkaJS user would see for it.
function fromNative (n, extra = {}) {
  if (!n) return null
  if (n instanceof Error && !('uvkCode' in n)) return n
  const message = n.brokerMessage || n.message || n.detail || 'unknown error'
  let e
  switch (n.code) {
    case 'UVK_ERETRIES': {
      const original = n.cause ? fromNative(n.cause, extra) : new KafkaJSError(message)
      e = new KafkaJSNumberOfRetriesExceeded(original, { retryCount: n.retryCount, retryTime: n.retryTime })
      break
    }
    case 'UVK_EKAFKA':
      e = new KafkaJSProtocolError({ message, type: n.kafkaName, code: n.kafkaCode, retriable: n.retriable })
      break
    case 'UVK_ETIMEDOUT':
      e = new KafkaJSRequestTimeoutError(message, extra)
      break
    case 'UVK_ECONNECT':
      e = new KafkaJSConnectionError(message, extra)
      break
    case 'UVK_ECLOSED':
      e = new KafkaJSConnectionClosedError(message, extra)
      break
    case 'UVK_EAUTH':
      e = new KafkaJSSASLAuthenticationError(message)
      break
    case 'UVK_EUNSUPPORTED':
      e = new KafkaJSNotImplemented(message)
      break
    default:
      if (n.kafkaCode) {
        e = new KafkaJSProtocolError({ message, type: n.kafkaName, code: n.kafkaCode, retriable: n.retriable })
      } else {
        e = n.retriable ? new KafkaJSError(message, { retriable: true }) : new KafkaJSNonRetriableError(message)
      }
  }
  // uvkafka's own detail: the code and the whole cause chain.
  Object.defineProperty(e, 'uvk', { value: { code: n.code, detail: n.detail }, enumerable: false })
  return e
}

// A synchronous refusal from the addon (bad argument, closed handle) as KafkaJS would throw it.
function fromThrown (err) {
  if (!err || !('uvkCode' in err)) return err
  const e = err.code === 'UVK_ECLOSED'
    ? new KafkaJSNonRetriableError(err.message)
    : err.code === 'UVK_EQUEUEFULL'
      ? new KafkaJSError(err.message, { retriable: true })
      : new KafkaJSNonRetriableError(err.message)
  Object.defineProperty(e, 'uvk', { value: { code: err.code }, enumerable: false })
  return e
}

module.exports = {
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  KafkaJSOffsetOutOfRange,
  KafkaJSMemberIdRequired,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSConnectionError,
  KafkaJSConnectionClosedError,
  KafkaJSRequestTimeoutError,
  KafkaJSMetadataNotLoaded,
  KafkaJSTopicMetadataNotLoaded,
  KafkaJSStaleTopicMetadataAssignment,
  KafkaJSServerDoesNotSupportApiKey,
  KafkaJSBrokerNotFound,
  KafkaJSPartialMessageError,
  KafkaJSSASLAuthenticationError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSNotImplemented,
  KafkaJSTimeout,
  KafkaJSLockTimeout,
  KafkaJSUnsupportedMagicByteInMessageSet,
  KafkaJSDeleteGroupsError,
  KafkaJSDeleteTopicRecordsError,
  KafkaJSCreateTopicError,
  KafkaJSAlterPartitionReassignmentsError,
  KafkaJSNoBrokerAvailableError,
  KafkaJSInvariantViolation,
  KafkaJSInvalidVarIntError,
  KafkaJSInvalidLongError,
  KafkaJSAggregateError,
  KafkaJSFetcherRebalanceError,
  isRebalancing,
  isKafkaJSError,
  fromNative,
  fromThrown
}
