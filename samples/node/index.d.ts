// Type declarations for uvkafka's KafkaJS-compatible API (KafkaJS 2.2.4's public API, on
// uvkafka, on Node's own event loop). Names and shapes follow KafkaJS, so code typed against
// `kafkajs` compiles against `uvkafka` unchanged; uvkafka's additions are marked "uvkafka:".
/// <reference types="node" />

import type { ConnectionOptions } from 'tls'
import type { Socket } from 'net'

// ---------------------------------------------------------------------------------------------
// Helpers

type Never<T> = { [K in keyof T]?: never }
/** Exactly one of A or B. */
type OneOf<A, B> = (A & Never<B>) | (B & Never<A>)

// ---------------------------------------------------------------------------------------------
// Client

export class Kafka {
  constructor(config: KafkaConfig)
  producer(config?: ProducerConfig): Producer
  consumer(config: ConsumerConfig): Consumer
  admin(config?: AdminConfig): Admin
  /** A share group member (KIP-932, Kafka 4.2+); not in KafkaJS. */
  shareConsumer(config: ShareConsumerConfig): ShareConsumer
  logger(): Logger
}

export type BrokersFunction = () => string[] | Promise<string[]>

export interface KafkaConfig {
  brokers: string[] | BrokersFunction
  clientId?: string
  ssl?: ConnectionOptions | boolean
  sasl?: SASLOptions | Mechanism
  connectionTimeout?: number
  authenticationTimeout?: number
  reauthenticationThreshold?: number
  requestTimeout?: number
  enforceRequestTimeout?: boolean
  retry?: RetryOptions
  /** Not supported by uvkafka: it owns its sockets (throws KafkaJSNotImplemented). */
  socketFactory?: ISocketFactory
  logLevel?: logLevel
  logCreator?: logCreator
  /** uvkafka: a STATS event (`producer.stats`, `consumer.stats`, `admin.stats`) every this many
   * ms; 0 (the default) sends none. */
  statisticsIntervalMs?: number
  /** uvkafka: SO_RCVBUF / SO_SNDBUF of every broker connection in bytes; 0 (the default) leaves
   * the kernel's sizing (on Linux, autotuning). docs/configuration.md. */
  socketReceiveBufferBytes?: number
  socketSendBufferBytes?: number
}

export interface RetryOptions {
  maxRetryTime?: number
  initialRetryTime?: number
  factor?: number
  multiplier?: number
  retries?: number
  restartOnFailure?: (e: Error) => Promise<boolean>
}

export interface ISocketFactoryArgs {
  host: string
  port: number
  ssl: ConnectionOptions
  onConnect: () => void
}
export type ISocketFactory = (args: ISocketFactoryArgs) => Socket

// SASL ----------------------------------------------------------------------------------------

export interface OauthbearerProviderResponse {
  value: string
}

interface SASLUserPassword {
  username: string
  password: string
}

type SASLMechanismOptionsMap = {
  plain: SASLUserPassword
  'scram-sha-256': SASLUserPassword
  'scram-sha-512': SASLUserPassword
  /** Accepted by the type (as in KafkaJS); uvkafka rejects AWS-IAM at runtime. */
  aws: {
    authorizationIdentity: string
    accessKeyId: string
    secretAccessKey: string
    sessionToken?: string
  }
  oauthbearer: { oauthBearerProvider: () => Promise<OauthbearerProviderResponse> }
}

export type SASLMechanism = keyof SASLMechanismOptionsMap
export type SASLOptions = {
  [M in SASLMechanism]: { mechanism: M } & SASLMechanismOptionsMap[M]
}[SASLMechanism]

// Custom authentication mechanisms (uvkafka throws KafkaJSNotImplemented for them).
export interface SaslAuthenticateArgs<ParseResult> {
  request: { encode: () => Buffer | Promise<Buffer> }
  response?: {
    decode: (rawResponse: Buffer) => Buffer | Promise<Buffer>
    parse: (data: Buffer) => ParseResult
  }
}
export interface AuthenticationProviderArgs {
  host: string
  port: number
  logger: Logger
  saslAuthenticate: <ParseResult>(args: SaslAuthenticateArgs<ParseResult>) => Promise<ParseResult | void>
}
export interface Authenticator {
  authenticate: () => Promise<void>
}
export interface Mechanism {
  mechanism: string
  authenticationProvider: (args: AuthenticationProviderArgs) => Authenticator
}

// ---------------------------------------------------------------------------------------------
// Logging

export enum logLevel {
  NOTHING = 0,
  ERROR = 1,
  WARN = 2,
  INFO = 4,
  DEBUG = 5,
}

export interface LoggerEntryContent {
  readonly timestamp: string
  readonly message: string
  [key: string]: any
}

export interface LogEntry {
  namespace: string
  level: logLevel
  label: string
  log: LoggerEntryContent
}

export type logCreator = (logLevel: logLevel) => (entry: LogEntry) => void

export type Logger = {
  info: (message: string, extra?: object) => void
  error: (message: string, extra?: object) => void
  warn: (message: string, extra?: object) => void
  debug: (message: string, extra?: object) => void
  namespace: (namespace: string, logLevel?: logLevel) => Logger
  setLogLevel: (logLevel: logLevel) => void
}

// ---------------------------------------------------------------------------------------------
// Instrumentation events

export interface InstrumentationEvent<T> {
  id: string
  type: string
  timestamp: number
  payload: T
}

export type RemoveInstrumentationEventListener<T> = () => void

export type ConnectEvent = InstrumentationEvent<null>
export type DisconnectEvent = InstrumentationEvent<null>

interface RequestPayload {
  apiKey: number
  apiName: string
  apiVersion: number
  broker: string
  clientId: string
  correlationId: number
  createdAt: number
  pendingDuration: number
  sentAt: number
}
export type RequestEvent = InstrumentationEvent<RequestPayload & { duration: number; size: number }>
export type RequestTimeoutEvent = InstrumentationEvent<RequestPayload>
export type RequestQueueSizeEvent = InstrumentationEvent<{ broker: string; clientId: string; queueSize: number }>

/** uvkafka's statistics (librdkafka's field names; docs/operations.md), every
 * statisticsIntervalMs: the JSON text, and `stats`, the same parsed on first read. */
export interface StatsPayload {
  json: string
  readonly stats: { [field: string]: any }
}
export type StatsEvent = InstrumentationEvent<StatsPayload>

type NetworkEvents<P extends string> = {
  REQUEST: `${P}.network.request`
  REQUEST_TIMEOUT: `${P}.network.request_timeout`
  REQUEST_QUEUE_SIZE: `${P}.network.request_queue_size`
  STATS: `${P}.stats`
}

type NetworkEventMap<P extends string> = {
  [K in `${P}.network.request`]: RequestEvent
} & {
  [K in `${P}.network.request_timeout`]: RequestTimeoutEvent
} & {
  [K in `${P}.network.request_queue_size`]: RequestQueueSizeEvent
} & {
  [K in `${P}.stats`]: StatsEvent
}

/** on(name, listener) typed by the event name; returns the listener's remover. */
interface Instrumented<Events, EventMap> {
  readonly events: Events
  on<E extends keyof EventMap & string>(
    eventName: E,
    listener: (event: EventMap[E]) => void
  ): RemoveInstrumentationEventListener<E>
}

// ---------------------------------------------------------------------------------------------
// Producer

export interface ProducerConfig {
  createPartitioner?: ICustomPartitioner
  retry?: RetryOptions
  metadataMaxAge?: number
  /** uvkafka: a STATS event (`producer.stats`, `consumer.stats`, `admin.stats`) every this many
   * ms; 0 (the default) sends none. */
  statisticsIntervalMs?: number
  allowAutoTopicCreation?: boolean
  idempotent?: boolean
  transactionalId?: string
  transactionTimeout?: number
  maxInFlightRequests?: number
  /** uvkafka: how long (ms) the producer waits to fill a batch. */
  linger?: number
  /** uvkafka: the batch size (bytes) per partition. */
  batchSize?: number
  /** uvkafka: how large a partition's batches may grow while earlier ones wait for the broker. */
  batchSizeMax?: number
  /** uvkafka: the bytes the producer may hold unsent. */
  bufferMemory?: number
}

export interface IHeaders {
  [key: string]: Buffer | string | (Buffer | string)[] | undefined
}

export interface Message {
  key?: Buffer | string | null
  value: Buffer | string | null
  partition?: number
  headers?: IHeaders
  timestamp?: string
}

export interface ProducerRecord {
  topic: string
  messages: Message[]
  acks?: number
  timeout?: number
  compression?: CompressionTypes
}

export interface TopicMessages {
  topic: string
  messages: Message[]
}

export interface ProducerBatch {
  acks?: number
  timeout?: number
  compression?: CompressionTypes
  topicMessages?: TopicMessages[]
}

export type RecordMetadata = {
  topicName: string
  partition: number
  errorCode: number
  offset?: string
  timestamp?: string
  baseOffset?: string
  logAppendTime?: string
  logStartOffset?: string
}

export interface PartitionOffset {
  partition: number
  offset: string
}

export interface TopicOffsets {
  topic: string
  partitions: PartitionOffset[]
}

export interface Offsets {
  topics: TopicOffsets[]
}

type Sender = {
  send(record: ProducerRecord): Promise<RecordMetadata[]>
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>
}

export type ProducerEvents = {
  CONNECT: 'producer.connect'
  DISCONNECT: 'producer.disconnect'
} & NetworkEvents<'producer'>

type ProducerEventMap = {
  'producer.connect': ConnectEvent
  'producer.disconnect': DisconnectEvent
} & NetworkEventMap<'producer'>

export type Producer = Sender &
  Instrumented<ProducerEvents, ProducerEventMap> & {
    connect(): Promise<void>
    disconnect(): Promise<void>
    isIdempotent(): boolean
    transaction(): Promise<Transaction>
    logger(): Logger
  }

export type Transaction = Sender & {
  sendOffsets(offsets: Offsets & { consumerGroupId: string }): Promise<void>
  commit(): Promise<void>
  abort(): Promise<void>
  isActive(): boolean
}

// Partitioners --------------------------------------------------------------------------------

export type PartitionMetadata = {
  partitionErrorCode: number
  partitionId: number
  leader: number
  replicas: number[]
  isr: number[]
  offlineReplicas?: number[]
}

export interface PartitionerArgs {
  topic: string
  partitionMetadata: PartitionMetadata[]
  message: Message
}

export type ICustomPartitioner = () => (args: PartitionerArgs) => number
export type DefaultPartitioner = ICustomPartitioner
export type LegacyPartitioner = ICustomPartitioner

export const Partitioners: {
  /** Java-compatible murmur2 (KafkaJS 2's default); runs inside uvkafka. */
  DefaultPartitioner: DefaultPartitioner
  /** KafkaJS 1.x's default partitioner. */
  LegacyPartitioner: LegacyPartitioner
  /** @deprecated Use DefaultPartitioner instead (renamed in KafkaJS 2.0.0). */
  JavaCompatiblePartitioner: DefaultPartitioner
}

// ---------------------------------------------------------------------------------------------
// Consumer

export interface ShareConsumerConfig {
  groupId: string
  heartbeatInterval?: number
  maxWaitTimeInMs?: number
  minBytes?: number
  maxBytes?: number
}

export type ShareAcknowledgeType = 'accept' | 'release' | 'reject' | 'renew'

export interface ShareMessage {
  key: Buffer | null
  value: Buffer | null
  headers: IHeaders
  timestamp: string
  offset: string
  /** 1 on the first delivery, one more each time the record comes again */
  deliveryCount: number
  /** Decides the record's fate now (true when the broker will get it); without a call, the
   * handler resolving accepts the record and throwing releases it. */
  acknowledge(type?: ShareAcknowledgeType): boolean
}

export interface ShareEachMessagePayload {
  topic: string
  partition: number
  message: ShareMessage
}

export type ShareConsumer = {
  connect(): Promise<void>
  subscribe(subscription: { topic?: string; topics?: string[] }): Promise<void>
  run(config: { eachMessage: (payload: ShareEachMessagePayload) => Promise<void>; maxRecords?: number }): Promise<void>
  /** Releases the records not yet acknowledged and leaves the group. */
  disconnect(): Promise<void>
  on(eventName: 'share.crash', listener: (error: Error) => void): () => void
}

export interface ConsumerConfig {
  groupId: string
  partitionAssigners?: PartitionAssigner[]
  metadataMaxAge?: number
  /** uvkafka: a STATS event (`producer.stats`, `consumer.stats`, `admin.stats`) every this many
   * ms; 0 (the default) sends none. */
  statisticsIntervalMs?: number
  sessionTimeout?: number
  rebalanceTimeout?: number
  heartbeatInterval?: number
  maxBytesPerPartition?: number
  minBytes?: number
  maxBytes?: number
  maxWaitTimeInMs?: number
  retry?: RetryOptions & { restartOnFailure?: (err: Error) => Promise<boolean> }
  allowAutoTopicCreation?: boolean
  maxInFlightRequests?: number
  readUncommitted?: boolean
  rackId?: string
  /** uvkafka: 'consumer' joins with Kafka 4's consumer group protocol (KIP-848); default 'classic' */
  groupProtocol?: 'classic' | 'consumer'
  /** uvkafka, groupProtocol 'consumer': the broker-side assignor */
  groupRemoteAssignor?: 'uniform' | 'range'
  /** uvkafka: static membership (KIP-345): a restart within sessionTimeout keeps the partitions */
  groupInstanceId?: string
}

interface MessageSetEntry {
  key: Buffer | null
  value: Buffer | null
  timestamp: string
  attributes: number
  offset: string
  size: number
  headers?: never
}

interface RecordBatchEntry {
  key: Buffer | null
  value: Buffer | null
  timestamp: string
  attributes: number
  offset: string
  headers: IHeaders
  size?: never
}

/** uvkafka always delivers record-batch entries (with headers). */
export type KafkaMessage = MessageSetEntry | RecordBatchEntry

export type Batch = {
  topic: string
  partition: number
  highWatermark: string
  messages: KafkaMessage[]
  isEmpty(): boolean
  firstOffset(): string | null
  lastOffset(): string
  offsetLag(): string
  offsetLagLow(): string
}

export interface OffsetsByTopicPartition {
  topics: TopicOffsets[]
}

export interface EachMessagePayload {
  topic: string
  partition: number
  message: KafkaMessage
  heartbeat(): Promise<void>
  pause(): () => void
}

export interface EachBatchPayload {
  batch: Batch
  resolveOffset(offset: string): void
  heartbeat(): Promise<void>
  pause(): () => void
  commitOffsetsIfNecessary(offsets?: Offsets): Promise<void>
  uncommittedOffsets(): OffsetsByTopicPartition
  isRunning(): boolean
  isStale(): boolean
}

/** Alias kept by KafkaJS for @types/kafkajs users. */
export type ConsumerEachMessagePayload = EachMessagePayload
/** Alias kept by KafkaJS for @types/kafkajs users. */
export type ConsumerEachBatchPayload = EachBatchPayload

export type EachMessageHandler = (payload: EachMessagePayload) => Promise<void>
export type EachBatchHandler = (payload: EachBatchPayload) => Promise<void>

export type ConsumerRunConfig = {
  autoCommit?: boolean
  autoCommitInterval?: number | null
  autoCommitThreshold?: number | null
  eachBatchAutoResolve?: boolean
  partitionsConsumedConcurrently?: number
  eachBatch?: EachBatchHandler
  eachMessage?: EachMessageHandler
}

/** @deprecated Replaced by ConsumerSubscribeTopics */
export type ConsumerSubscribeTopic = { topic: string | RegExp; fromBeginning?: boolean }
export type ConsumerSubscribeTopics = { topics: (string | RegExp)[]; fromBeginning?: boolean }

export type TopicPartitions = { topic: string; partitions: number[] }
export type TopicPartition = { topic: string; partition: number }
export type TopicPartitionOffset = TopicPartition & { offset: string }
export type TopicPartitionOffsetAndMetadata = TopicPartitionOffset & { metadata?: string | null }

export type MemberDescription = {
  clientHost: string
  clientId: string
  memberId: string
  memberAssignment: Buffer
  memberMetadata: Buffer
}

export type ConsumerGroupState =
  | 'Unknown'
  | 'PreparingRebalance'
  | 'CompletingRebalance'
  | 'Stable'
  | 'Dead'
  | 'Empty'

export type GroupDescription = {
  groupId: string
  members: MemberDescription[]
  protocol: string
  protocolType: string
  state: ConsumerGroupState
}

export type GroupDescriptions = {
  groups: GroupDescription[]
}

export type ConsumerEvents = {
  HEARTBEAT: 'consumer.heartbeat'
  COMMIT_OFFSETS: 'consumer.commit_offsets'
  GROUP_JOIN: 'consumer.group_join'
  FETCH_START: 'consumer.fetch_start'
  FETCH: 'consumer.fetch'
  START_BATCH_PROCESS: 'consumer.start_batch_process'
  END_BATCH_PROCESS: 'consumer.end_batch_process'
  CONNECT: 'consumer.connect'
  DISCONNECT: 'consumer.disconnect'
  STOP: 'consumer.stop'
  CRASH: 'consumer.crash'
  REBALANCING: 'consumer.rebalancing'
  RECEIVED_UNSUBSCRIBED_TOPICS: 'consumer.received_unsubscribed_topics'
} & NetworkEvents<'consumer'>

export interface IMemberAssignment {
  [key: string]: number[]
}

interface IBatchProcessEvent {
  topic: string
  partition: number
  highWatermark: string
  offsetLag: string
  offsetLagLow: string
  batchSize: number
  firstOffset: string
  lastOffset: string
}

export type ConsumerHeartbeatEvent = InstrumentationEvent<{
  groupId: string
  memberId: string
  groupGenerationId: number
}>
export type ConsumerCommitOffsetsEvent = InstrumentationEvent<{
  groupId: string
  memberId: string
  groupGenerationId: number
  topics: TopicOffsets[]
}>
export type ConsumerGroupJoinEvent = InstrumentationEvent<{
  duration: number
  groupId: string
  isLeader: boolean
  leaderId: string
  groupProtocol: string
  memberId: string
  memberAssignment: IMemberAssignment
}>
export type ConsumerFetchStartEvent = InstrumentationEvent<{ nodeId: number }>
export type ConsumerFetchEvent = InstrumentationEvent<{
  numberOfBatches: number
  duration: number
  nodeId: number
}>
export type ConsumerStartBatchProcessEvent = InstrumentationEvent<IBatchProcessEvent>
export type ConsumerEndBatchProcessEvent = InstrumentationEvent<IBatchProcessEvent & { duration: number }>
export type ConsumerCrashEvent = InstrumentationEvent<{
  error: Error
  groupId: string
  restart: boolean
}>
export type ConsumerRebalancingEvent = InstrumentationEvent<{
  groupId: string
  memberId: string
}>
export type ConsumerReceivedUnsubcribedTopicsEvent = InstrumentationEvent<{
  groupId: string
  generationId: number
  memberId: string
  assignedTopics: string[]
  topicsSubscribed: string[]
  topicsNotSubscribed: string[]
}>

type ConsumerEventMap = {
  'consumer.heartbeat': ConsumerHeartbeatEvent
  'consumer.commit_offsets': ConsumerCommitOffsetsEvent
  'consumer.group_join': ConsumerGroupJoinEvent
  'consumer.fetch_start': ConsumerFetchStartEvent
  'consumer.fetch': ConsumerFetchEvent
  'consumer.start_batch_process': ConsumerStartBatchProcessEvent
  'consumer.end_batch_process': ConsumerEndBatchProcessEvent
  'consumer.connect': ConnectEvent
  'consumer.disconnect': DisconnectEvent
  'consumer.stop': InstrumentationEvent<null>
  'consumer.crash': ConsumerCrashEvent
  'consumer.rebalancing': ConsumerRebalancingEvent
  'consumer.received_unsubscribed_topics': ConsumerReceivedUnsubcribedTopicsEvent
} & NetworkEventMap<'consumer'>

export type Consumer = Instrumented<ConsumerEvents, ConsumerEventMap> & {
  connect(): Promise<void>
  disconnect(): Promise<void>
  subscribe(subscription: ConsumerSubscribeTopics | ConsumerSubscribeTopic): Promise<void>
  stop(): Promise<void>
  run(config?: ConsumerRunConfig): Promise<void>
  /** `metadata` is stored with the offset (admin.fetchOffsets reads it back); a string of more
   * than 32767 UTF-8 bytes is refused at once, one over the broker's offset.metadata.max.bytes
   * (4096 by default) fails with the broker's OFFSET_METADATA_TOO_LARGE. */
  commitOffsets(topicPartitions: Array<TopicPartitionOffsetAndMetadata>): Promise<void>
  seek(topicPartitionOffset: TopicPartitionOffset): void
  describeGroup(): Promise<GroupDescription>
  pause(topics: Array<{ topic: string; partitions?: number[] }>): void
  paused(): TopicPartitions[]
  resume(topics: Array<{ topic: string; partitions?: number[] }>): void
  logger(): Logger
}

// Partition assigners -------------------------------------------------------------------------

export type Assignment = { [topic: string]: number[] }
export type GroupMember = { memberId: string; memberMetadata: Buffer }
export type GroupMemberAssignment = { memberId: string; memberAssignment: Buffer }
export type GroupState = { name: string; metadata: Buffer }

export type Assigner = {
  name: string
  version: number
  assign(group: { members: GroupMember[]; topics: string[] }): Promise<GroupMemberAssignment[]>
  protocol(subscription: { topics: string[] }): GroupState
}

export interface BrokerMetadata {
  brokers: Array<{ nodeId: number; host: string; port: number; rack?: string }>
  topicMetadata: Array<{
    topicErrorCode: number
    topic: string
    partitionMetadata: PartitionMetadata[]
  }>
}

export interface CoordinatorMetadata {
  errorCode: number
  coordinator: { nodeId: number; host: string; port: number }
}

export interface ApiVersions {
  [apiKey: number]: { minVersion: number; maxVersion: number }
}

export type Broker = {
  isConnected(): boolean
  connect(): Promise<void>
  disconnect(): Promise<void>
  apiVersions(): Promise<ApiVersions>
  metadata(topics: string[]): Promise<BrokerMetadata>
  describeGroups: (options: { groupIds: string[] }) => Promise<any>
  offsetCommit(request: {
    groupId: string
    groupGenerationId: number
    memberId: string
    retentionTime?: number
    topics: TopicOffsets[]
  }): Promise<any>
  offsetFetch(request: { groupId: string; topics: TopicOffsets[] }): Promise<{ responses: TopicOffsets[] }>
  fetch(request: {
    replicaId?: number
    isolationLevel?: number
    maxWaitTime?: number
    minBytes?: number
    maxBytes?: number
    topics: Array<{
      topic: string
      partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }>
    }>
    rackId?: string
  }): Promise<any>
  produce(request: {
    topicData: Array<{
      topic: string
      partitions: Array<{ partition: number; firstSequence?: number; messages: Message[] }>
    }>
    transactionalId?: string
    producerId?: number
    producerEpoch?: number
    acks?: number
    timeout?: number
    compression?: CompressionTypes
  }): Promise<any>
  alterPartitionReassignments(request: { topics: PartitionReassignment[]; timeout?: number }): Promise<any>
  listPartitionReassignments(request: {
    topics?: TopicPartitions[]
    timeout?: number
  }): Promise<ListPartitionReassignmentsResponse>
}

/** What a custom assigner's factory receives (uvkafka passes a cluster view of its metadata). */
export type Cluster = {
  getNodeIds(): number[]
  metadata(): Promise<BrokerMetadata>
  removeBroker(options: { host: string; port: number }): void
  addMultipleTargetTopics(topics: string[]): Promise<void>
  isConnected(): boolean
  connect(): Promise<void>
  disconnect(): Promise<void>
  refreshMetadata(): Promise<void>
  refreshMetadataIfNecessary(): Promise<void>
  addTargetTopic(topic: string): Promise<void>
  findBroker(node: { nodeId: string }): Promise<Broker>
  findControllerBroker(): Promise<Broker>
  findTopicPartitionMetadata(topic: string): PartitionMetadata[]
  findLeaderForPartitions(topic: string, partitions: number[]): { [leader: string]: number[] }
  findGroupCoordinator(group: { groupId: string }): Promise<Broker>
  findGroupCoordinatorMetadata(group: { groupId: string }): Promise<CoordinatorMetadata>
  defaultOffset(config: { fromBeginning: boolean }): number
  fetchTopicsOffset(
    topics: Array<
      { topic: string; partitions: Array<{ partition: number }> } & OneOf<
        { fromBeginning: boolean },
        { fromTimestamp: number }
      >
    >
  ): Promise<TopicOffsets[]>
}

export type PartitionAssigner = (config: { cluster: Cluster; groupId: string; logger: Logger }) => Assigner

export const PartitionAssigners: {
  /** KafkaJS's round robin ('RoundRobinAssigner'), the default. */
  roundRobin: PartitionAssigner
  /** uvkafka: Java's range assignor (protocol name 'range'). */
  range: PartitionAssigner
  /** uvkafka: Java's round robin assignor (protocol name 'roundrobin'). */
  javaRoundRobin: PartitionAssigner
}

export interface ISerializer<T> {
  encode(value: T): Buffer
  decode(buffer: Buffer): T | null
}

export type MemberMetadata = {
  version: number
  topics: string[]
  userData: Buffer
}

export type MemberAssignment = {
  version: number
  assignment: Assignment
  userData: Buffer
}

export const AssignerProtocol: {
  MemberMetadata: ISerializer<MemberMetadata>
  MemberAssignment: ISerializer<MemberAssignment>
}

// ---------------------------------------------------------------------------------------------
// Admin

export interface AdminConfig {
  retry?: RetryOptions
}

export interface ReplicaAssignment {
  partition: number
  replicas: Array<number>
}

export interface IResourceConfigEntry {
  name: string
  value: string
}

export interface ITopicConfig {
  topic: string
  numPartitions?: number
  replicationFactor?: number
  replicaAssignment?: ReplicaAssignment[]
  configEntries?: IResourceConfigEntry[]
}

export interface ITopicPartitionConfig {
  topic: string
  count: number
  assignments?: Array<Array<number>>
}

export interface ITopicMetadata {
  name: string
  partitions: PartitionMetadata[]
}

export interface PartitionReassignment {
  topic: string
  partitionAssignment: Array<ReplicaAssignment>
}

export interface OngoingPartitionReassignment {
  partitionIndex: number
  replicas: number[]
  addingReplicas?: number[]
  removingReplicas?: number[]
}

export interface OngoingTopicReassignment {
  topic: string
  partitions: OngoingPartitionReassignment[]
}

export interface ListPartitionReassignmentsResponse {
  topics: OngoingTopicReassignment[]
}

export type SeekEntry = PartitionOffset
export type FetchOffsetsPartition = PartitionOffset & { metadata: string | null }

export interface ResourceConfigQuery {
  type: ConfigResourceTypes
  name: string
  configNames?: string[]
}

export interface ConfigSynonyms {
  configName: string
  configValue: string
  configSource: ConfigSource
}

export interface ConfigEntries {
  configName: string
  configValue: string
  isDefault: boolean
  configSource: ConfigSource
  isSensitive: boolean
  readOnly: boolean
  configSynonyms: ConfigSynonyms[]
}

export interface DescribeConfigResponse {
  resources: {
    configEntries: ConfigEntries[]
    errorCode: number
    errorMessage: string
    resourceName: string
    resourceType: ConfigResourceTypes
  }[]
  throttleTime: number
}

export interface IResourceConfig {
  type: ConfigResourceTypes
  name: string
  configEntries: IResourceConfigEntry[]
}

export type GroupOverview = {
  groupId: string
  protocolType: string
}

export type DeleteGroupsResult = {
  groupId: string
  errorCode?: number
  error?: KafkaJSProtocolError
}

export interface Acl {
  principal: string
  host: string
  operation: AclOperationTypes
  permissionType: AclPermissionTypes
}

export interface AclResource {
  resourceType: AclResourceTypes
  resourceName: string
  resourcePatternType: ResourcePatternTypes
}

export type AclEntry = Acl & AclResource

export type DescribeAclResource = AclResource & { acls: Acl[] }

export interface DescribeAclResponse {
  throttleTime: number
  errorCode: number
  errorMessage?: string
  resources: DescribeAclResource[]
}

export interface AclFilter {
  resourceType: AclResourceTypes
  resourceName?: string
  resourcePatternType: ResourcePatternTypes
  principal?: string
  host?: string
  operation: AclOperationTypes
  permissionType: AclPermissionTypes
}

export interface MatchingAcl {
  errorCode: number
  errorMessage?: string
  resourceType: AclResourceTypes
  resourceName: string
  resourcePatternType: ResourcePatternTypes
  principal: string
  host: string
  operation: AclOperationTypes
  permissionType: AclPermissionTypes
}

export interface DeleteAclFilterResponses {
  errorCode: number
  errorMessage?: string
  matchingAcls: MatchingAcl[]
}

export interface DeleteAclResponse {
  throttleTime: number
  filterResponses: DeleteAclFilterResponses[]
}

export type AdminEvents = {
  CONNECT: 'admin.connect'
  DISCONNECT: 'admin.disconnect'
} & NetworkEvents<'admin'>

type AdminEventMap = {
  'admin.connect': ConnectEvent
  'admin.disconnect': DisconnectEvent
} & NetworkEventMap<'admin'>

export type Admin = Instrumented<AdminEvents, AdminEventMap> & {
  connect(): Promise<void>
  disconnect(): Promise<void>
  listTopics(): Promise<string[]>
  createTopics(options: {
    validateOnly?: boolean
    waitForLeaders?: boolean
    timeout?: number
    topics: ITopicConfig[]
  }): Promise<boolean>
  deleteTopics(options: { topics: string[]; timeout?: number }): Promise<void>
  createPartitions(options: {
    validateOnly?: boolean
    timeout?: number
    topicPartitions: ITopicPartitionConfig[]
  }): Promise<boolean>
  fetchTopicMetadata(options?: { topics: string[] }): Promise<{ topics: Array<ITopicMetadata> }>
  fetchOffsets(options: {
    groupId: string
    topics?: string[]
    resolveOffsets?: boolean
  }): Promise<Array<{ topic: string; partitions: FetchOffsetsPartition[] }>>
  fetchTopicOffsets(topic: string): Promise<Array<SeekEntry & { high: string; low: string }>>
  fetchTopicOffsetsByTimestamp(topic: string, timestamp?: number): Promise<Array<SeekEntry>>
  describeCluster(): Promise<{
    brokers: Array<{ nodeId: number; host: string; port: number }>
    controller: number | null
    clusterId: string
  }>
  setOffsets(options: { groupId: string; topic: string; partitions: SeekEntry[] }): Promise<void>
  /** To the latest offsets unless earliest is true (KafkaJS's types require earliest; its code does not). */
  resetOffsets(options: { groupId: string; topic: string; earliest?: boolean }): Promise<void>
  describeConfigs(configs: {
    resources: ResourceConfigQuery[]
    includeSynonyms: boolean
  }): Promise<DescribeConfigResponse>
  alterConfigs(configs: { validateOnly: boolean; resources: IResourceConfig[] }): Promise<any>
  listGroups(): Promise<{ groups: GroupOverview[] }>
  deleteGroups(groupIds: string[]): Promise<DeleteGroupsResult[]>
  describeGroups(groupIds: string[]): Promise<GroupDescriptions>
  describeAcls(options: AclFilter): Promise<DescribeAclResponse>
  deleteAcls(options: { filters: AclFilter[] }): Promise<DeleteAclResponse>
  createAcls(options: { acl: AclEntry[] }): Promise<boolean>
  deleteTopicRecords(options: { topic: string; partitions: SeekEntry[] }): Promise<void>
  alterPartitionReassignments(request: { topics: PartitionReassignment[]; timeout?: number }): Promise<void>
  listPartitionReassignments(request: {
    topics?: TopicPartitions[]
    timeout?: number
  }): Promise<ListPartitionReassignmentsResponse>
  logger(): Logger
}

// ---------------------------------------------------------------------------------------------
// Enumerations

export enum CompressionTypes {
  None = 0,
  GZIP = 1,
  Snappy = 2,
  LZ4 = 3,
  ZSTD = 4,
}

/**
 * uvkafka compresses natively: an entry is present for each codec the library was built with,
 * and assigning a codec for one of these types is accepted but not needed.
 */
export var CompressionCodecs: {
  [CompressionTypes.GZIP]: () => any
  [CompressionTypes.Snappy]: () => any
  [CompressionTypes.LZ4]: () => any
  [CompressionTypes.ZSTD]: () => any
}

export enum ConfigResourceTypes {
  UNKNOWN = 0,
  TOPIC = 2,
  BROKER = 4,
  BROKER_LOGGER = 8,
}

export enum ConfigSource {
  UNKNOWN = 0,
  TOPIC_CONFIG = 1,
  DYNAMIC_BROKER_CONFIG = 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG = 3,
  STATIC_BROKER_CONFIG = 4,
  DEFAULT_CONFIG = 5,
  DYNAMIC_BROKER_LOGGER_CONFIG = 6,
}

export enum AclResourceTypes {
  UNKNOWN = 0,
  ANY = 1,
  TOPIC = 2,
  GROUP = 3,
  CLUSTER = 4,
  TRANSACTIONAL_ID = 5,
  DELEGATION_TOKEN = 6,
}

/**
 * @deprecated KafkaJS 1.x's name; use AclResourceTypes (or ConfigResourceTypes). uvkafka still
 * exports it with AclResourceTypes' values; KafkaJS 2.2.4 does not export it.
 */
export enum ResourceTypes {
  UNKNOWN = 0,
  ANY = 1,
  TOPIC = 2,
  GROUP = 3,
  CLUSTER = 4,
  TRANSACTIONAL_ID = 5,
  DELEGATION_TOKEN = 6,
}

export enum AclOperationTypes {
  UNKNOWN = 0,
  ANY = 1,
  ALL = 2,
  READ = 3,
  WRITE = 4,
  CREATE = 5,
  DELETE = 6,
  ALTER = 7,
  DESCRIBE = 8,
  CLUSTER_ACTION = 9,
  DESCRIBE_CONFIGS = 10,
  ALTER_CONFIGS = 11,
  IDEMPOTENT_WRITE = 12,
}

export enum AclPermissionTypes {
  UNKNOWN = 0,
  ANY = 1,
  DENY = 2,
  ALLOW = 3,
}

export enum ResourcePatternTypes {
  UNKNOWN = 0,
  ANY = 1,
  MATCH = 2,
  LITERAL = 3,
  PREFIXED = 4,
}

// ---------------------------------------------------------------------------------------------
// Errors (the same classes, names, fields and hierarchy as KafkaJS's)

export interface KafkaJSErrorMetadata {
  retriable?: boolean
  topic?: string
  partitionId?: number
  metadata?: PartitionMetadata
  cause?: Error
}

export class KafkaJSError extends Error {
  readonly message: Error['message']
  readonly name: string
  readonly retriable: boolean
  readonly helpUrl?: string
  readonly cause?: Error
  constructor(e: Error | string, metadata?: KafkaJSErrorMetadata)
}

export class KafkaJSNonRetriableError extends KafkaJSError {
  constructor(e: Error | string, metadata?: { cause?: Error })
}

export class KafkaJSProtocolError extends KafkaJSError {
  readonly code: number
  readonly type: string
  constructor(e: Error | string, metadata?: { retriable?: boolean })
}

export interface KafkaJSOffsetOutOfRangeMetadata {
  topic: string
  partition: number
}
export class KafkaJSOffsetOutOfRange extends KafkaJSProtocolError {
  readonly topic: string
  readonly partition: number
  constructor(e: Error | string, metadata?: KafkaJSOffsetOutOfRangeMetadata)
}

export class KafkaJSMemberIdRequired extends KafkaJSProtocolError {
  readonly memberId: string
  constructor(e: Error | string, metadata?: { memberId: string })
}

export interface KafkaJSNumberOfRetriesExceededMetadata {
  retryCount: number
  retryTime: number
}
export class KafkaJSNumberOfRetriesExceeded extends KafkaJSNonRetriableError {
  readonly stack: string
  readonly originalError: Error
  readonly retryCount: number
  readonly retryTime: number
  constructor(e: Error | string, metadata?: KafkaJSNumberOfRetriesExceededMetadata)
}

export interface KafkaJSConnectionErrorMetadata {
  broker?: string
  code?: string
}
export class KafkaJSConnectionError extends KafkaJSError {
  readonly broker: string
  readonly code?: string
  constructor(e: Error | string, metadata?: KafkaJSConnectionErrorMetadata)
}

export class KafkaJSConnectionClosedError extends KafkaJSConnectionError {
  readonly host: string
  readonly port: number
  constructor(e: Error | string, metadata?: { host: string; port: number })
}

export interface KafkaJSRequestTimeoutErrorMetadata {
  broker: string
  clientId: string
  correlationId: number
  createdAt: number
  sentAt: number
  pendingDuration: number
}
export class KafkaJSRequestTimeoutError extends KafkaJSError {
  readonly broker: string
  readonly correlationId: number
  readonly createdAt: number
  readonly sentAt: number
  readonly pendingDuration: number
  constructor(e: Error | string, metadata?: KafkaJSRequestTimeoutErrorMetadata)
}

export class KafkaJSMetadataNotLoaded extends KafkaJSError {
  constructor(e?: Error | string, metadata?: KafkaJSErrorMetadata)
}

export interface KafkaJSTopicMetadataNotLoadedMetadata {
  topic: string
}
export class KafkaJSTopicMetadataNotLoaded extends KafkaJSMetadataNotLoaded {
  readonly topic: string
  constructor(e: Error | string, metadata?: KafkaJSTopicMetadataNotLoadedMetadata)
}

export interface KafkaJSStaleTopicMetadataAssignmentMetadata {
  topic: string
  unknownPartitions: PartitionMetadata[]
}
export class KafkaJSStaleTopicMetadataAssignment extends KafkaJSError {
  readonly topic: string
  readonly unknownPartitions: PartitionMetadata[]
  constructor(e: Error | string, metadata?: KafkaJSStaleTopicMetadataAssignmentMetadata)
}

export interface KafkaJSServerDoesNotSupportApiKeyMetadata {
  apiKey: number
  apiName: string
}
export class KafkaJSServerDoesNotSupportApiKey extends KafkaJSNonRetriableError {
  readonly apiKey: number
  readonly apiName: string
  constructor(e: Error | string, metadata?: KafkaJSServerDoesNotSupportApiKeyMetadata)
}

export class KafkaJSBrokerNotFound extends KafkaJSError {
  constructor(e?: Error | string, metadata?: KafkaJSErrorMetadata)
}
export class KafkaJSPartialMessageError extends KafkaJSNonRetriableError {
  constructor(e?: Error | string)
}
export class KafkaJSSASLAuthenticationError extends KafkaJSNonRetriableError {
  constructor(e?: Error | string)
}
export class KafkaJSGroupCoordinatorNotFound extends KafkaJSNonRetriableError {
  constructor(e?: Error | string)
}
export class KafkaJSNotImplemented extends KafkaJSNonRetriableError {
  constructor(e?: Error | string)
}
export class KafkaJSTimeout extends KafkaJSNonRetriableError {
  constructor(e?: Error | string)
}
export class KafkaJSLockTimeout extends KafkaJSTimeout {
  constructor(e?: Error | string)
}
export class KafkaJSUnsupportedMagicByteInMessageSet extends KafkaJSNonRetriableError {
  constructor(e?: Error | string)
}

export interface KafkaJSDeleteGroupsErrorGroups {
  groupId: string
  errorCode: number
  error: KafkaJSError
}
export class KafkaJSDeleteGroupsError extends KafkaJSError {
  readonly groups: DeleteGroupsResult[]
  constructor(e: Error | string, groups?: KafkaJSDeleteGroupsErrorGroups[])
}

export interface KafkaJSDeleteTopicRecordsErrorPartition {
  partition: number
  offset: string
  error: KafkaJSError
}
export interface KafkaJSDeleteTopicRecordsErrorTopic {
  topic: string
  partitions: KafkaJSDeleteTopicRecordsErrorPartition[]
}
export class KafkaJSDeleteTopicRecordsError extends KafkaJSError {
  readonly partitions: KafkaJSDeleteTopicRecordsErrorPartition[]
  constructor(metadata: KafkaJSDeleteTopicRecordsErrorTopic)
}

export class KafkaJSCreateTopicError extends KafkaJSProtocolError {
  readonly topic: string
  constructor(e: Error | string, topicName: string)
}

export class KafkaJSAlterPartitionReassignmentsError extends KafkaJSProtocolError {
  readonly topic?: string
  readonly partition?: number
  constructor(e: Error | string, topic?: string, partition?: number)
}

export class KafkaJSNoBrokerAvailableError extends KafkaJSError {
  constructor()
}
export class KafkaJSInvariantViolation extends KafkaJSNonRetriableError {
  constructor(e?: Error | string)
}
export class KafkaJSInvalidVarIntError extends KafkaJSNonRetriableError {
  constructor(e?: Error | string)
}
export class KafkaJSInvalidLongError extends KafkaJSNonRetriableError {
  constructor(e?: Error | string)
}

export class KafkaJSAggregateError extends Error {
  readonly errors: (Error | string)[]
  constructor(message: Error | string, errors: (Error | string)[])
}

/** Internal to KafkaJS's fetcher, exported by it all the same. */
export class KafkaJSFetcherRebalanceError extends Error {}
