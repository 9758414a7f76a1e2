// Compiled (never run) by test/typescript.test.js with `tsc --strict --noEmit`: the whole
// public API used the way KafkaJS users write it, against uvkafka's index.d.ts.
import {
  Kafka,
  KafkaConfig,
  SASLOptions,
  ProducerConfig,
  Producer,
  Message,
  RecordMetadata,
  ProducerRecord,
  ProducerBatch,
  Transaction,
  ConsumerConfig,
  Consumer,
  ConsumerRunConfig,
  EachMessagePayload,
  EachBatchPayload,
  Batch,
  KafkaMessage,
  Admin,
  ITopicConfig,
  ITopicMetadata,
  DescribeConfigResponse,
  GroupDescriptions,
  GroupDescription,
  AclEntry,
  AclFilter,
  DescribeAclResponse,
  DeleteAclResponse,
  ResourceConfigQuery,
  IResourceConfig,
  SeekEntry,
  PartitionAssigner,
  Assigner,
  GroupMemberAssignment,
  ICustomPartitioner,
  PartitionerArgs,
  logCreator,
  LogEntry,
  Logger,
  InstrumentationEvent,
  RequestEvent,
  ConsumerGroupJoinEvent,
  ConsumerCrashEvent,
  RemoveInstrumentationEventListener,
  IHeaders,
  TopicPartitionOffsetAndMetadata,
  logLevel,
  CompressionTypes,
  CompressionCodecs,
  Partitioners,
  PartitionAssigners,
  AssignerProtocol,
  ResourceTypes,
  ConfigResourceTypes,
  ConfigSource,
  AclResourceTypes,
  AclOperationTypes,
  AclPermissionTypes,
  ResourcePatternTypes,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSConnectionError,
  KafkaJSRequestTimeoutError,
  KafkaJSOffsetOutOfRange,
  KafkaJSDeleteGroupsError,
  KafkaJSDeleteTopicRecordsError,
  KafkaJSCreateTopicError,
  KafkaJSAggregateError,
  KafkaJSSASLAuthenticationError,
  KafkaJSNotImplemented,
  KafkaJSTimeout,
} from 'uvkafka'

// Configuration ---------------------------------------------------------------------------------

const myLogCreator: logCreator = (level: logLevel) => ({ namespace, level: l, label, log }: LogEntry) => {
  const { message, timestamp, ...extra } = log
  if (l <= level) console.log(`${timestamp} ${label} [${namespace}] ${message}`, extra)
}

const sasl: SASLOptions = { mechanism: 'scram-sha-512', username: 'user', password: 'secret' }
const oauth: SASLOptions = {
  mechanism: 'oauthbearer',
  oauthBearerProvider: async () => ({ value: 'token' }),
}

const config: KafkaConfig = {
  clientId: 'my-app',
  brokers: ['kafka1:9092', 'kafka2:9092'],
  ssl: { rejectUnauthorized: false, ca: ['-----BEGIN CERTIFICATE-----'] },
  sasl,
  connectionTimeout: 3000,
  authenticationTimeout: 1000,
  reauthenticationThreshold: 10000,
  requestTimeout: 25000,
  enforceRequestTimeout: true,
  retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 30000, factor: 0.2, multiplier: 2 },
  logLevel: logLevel.ERROR,
  logCreator: myLogCreator,
}

const kafka = new Kafka(config)
const kafkaByFunction = new Kafka({ brokers: async () => ['kafka1:9092'], sasl: oauth, ssl: true })
const rootLogger: Logger = kafka.logger()
rootLogger.namespace('sample', logLevel.DEBUG).info('created', { clients: 2 })
rootLogger.setLogLevel(logLevel.WARN)
void kafkaByFunction

// Producer --------------------------------------------------------------------------------------

const MyPartitioner: ICustomPartitioner = () => ({ topic, partitionMetadata, message }: PartitionerArgs) => {
  const leaders = partitionMetadata.map(p => p.leader)
  return message.key ? String(message.key).length % partitionMetadata.length : leaders.length > 0 ? 0 : topic.length
}

const producerConfig: ProducerConfig = {
  allowAutoTopicCreation: false,
  transactionTimeout: 30000,
  idempotent: true,
  maxInFlightRequests: 1,
  createPartitioner: Partitioners.DefaultPartitioner,
  retry: { retries: 3 },
  metadataMaxAge: 300000,
}

async function produce(): Promise<RecordMetadata[]> {
  const producer: Producer = kafka.producer(producerConfig)
  const custom = kafka.producer({ createPartitioner: MyPartitioner })
  const legacyName = kafka.producer({ createPartitioner: Partitioners.JavaCompatiblePartitioner })
  const legacy = kafka.producer({ createPartitioner: Partitioners.LegacyPartitioner })
  void legacy
  void custom
  void legacyName

  const removeConnect: RemoveInstrumentationEventListener<'producer.connect'> = producer.on(
    producer.events.CONNECT,
    e => console.log('connected at', e.timestamp)
  )
  producer.on('producer.network.request', (e: RequestEvent) => {
    const { apiName, apiVersion, broker, duration, size } = e.payload
    console.log(apiName, apiVersion, broker, duration + size)
  })
  producer.on(producer.events.REQUEST_QUEUE_SIZE, e => console.log(e.payload.queueSize))
  removeConnect()

  await producer.connect()
  const headers: IHeaders = { 'correlation-id': '2bfb68bb', 'system-id': Buffer.from('my-system'), multi: ['a', 'b'] }
  const messages: Message[] = [
    { key: 'key1', value: 'hello world' },
    { key: Buffer.from('key2'), value: Buffer.from('hey hey!'), partition: 1, headers },
    { value: null, timestamp: Date.now().toString() },
  ]
  const record: ProducerRecord = { topic: 'topic-name', messages, acks: -1, timeout: 30000, compression: CompressionTypes.GZIP }
  const sent: RecordMetadata[] = await producer.send(record)
  for (const m of sent) console.log(m.topicName, m.partition, m.errorCode, m.baseOffset ?? m.offset)

  const batch: ProducerBatch = {
    topicMessages: [
      { topic: 'topic-a', messages: [{ key: 'key', value: 'hello topic-a' }] },
      { topic: 'topic-b', messages: [{ key: 'key', value: 'hello topic-b' }] },
    ],
    compression: CompressionTypes.None,
  }
  const batchSent = await producer.sendBatch(batch)
  console.log(producer.isIdempotent(), producer.logger())
  await producer.disconnect()
  return sent.concat(batchSent)
}

async function transactional(consumerGroupId: string): Promise<void> {
  const producer = kafka.producer({ transactionalId: 'my-transactional-producer', maxInFlightRequests: 1, idempotent: true })
  await producer.connect()
  const transaction: Transaction = await producer.transaction()
  try {
    await transaction.send({ topic: 'topic-name', messages: [{ value: 'in a transaction' }] })
    await transaction.sendBatch({ topicMessages: [{ topic: 'other', messages: [{ value: 'x' }] }] })
    await transaction.sendOffsets({
      consumerGroupId,
      topics: [{ topic: 'input', partitions: [{ partition: 0, offset: '42' }] }],
    })
    if (transaction.isActive()) await transaction.commit()
  } catch (e) {
    await transaction.abort()
  } finally {
    await producer.disconnect()
  }
}

// Consumer --------------------------------------------------------------------------------------

const MyPartitionAssigner: PartitionAssigner = ({ cluster, groupId, logger }) => {
  const assigner: Assigner = {
    name: 'MyPartitionAssigner',
    version: 1,
    async assign({ members, topics }): Promise<GroupMemberAssignment[]> {
      logger.debug('assigning', { groupId, topics })
      const partitions = topics.flatMap(t => cluster.findTopicPartitionMetadata(t).map(p => ({ t, p: p.partitionId })))
      return members.map(({ memberId }, i) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: { [topics[0]]: partitions.filter((_, j) => j % members.length === i).map(x => x.p) },
          userData: Buffer.alloc(0),
        }),
      }))
    },
    protocol({ topics }) {
      return {
        name: 'MyPartitionAssigner',
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
      }
    },
  }
  return assigner
}

const consumerConfig: ConsumerConfig = {
  groupId: 'my-group',
  partitionAssigners: [MyPartitionAssigner, PartitionAssigners.roundRobin, PartitionAssigners.range, PartitionAssigners.javaRoundRobin],
  sessionTimeout: 30000,
  rebalanceTimeout: 60000,
  heartbeatInterval: 3000,
  metadataMaxAge: 300000,
  allowAutoTopicCreation: true,
  maxBytesPerPartition: 1048576,
  minBytes: 1,
  maxBytes: 10485760,
  maxWaitTimeInMs: 5000,
  retry: { retries: 5, restartOnFailure: async (e: Error) => e.name !== 'KafkaJSNumberOfRetriesExceeded' },
  readUncommitted: false,
  maxInFlightRequests: 5,
  rackId: 'rack-1',
}

async function consumeEachMessage(): Promise<void> {
  const consumer: Consumer = kafka.consumer(consumerConfig)
  consumer.on(consumer.events.GROUP_JOIN, (e: ConsumerGroupJoinEvent) => {
    const { groupId, memberId, isLeader, memberAssignment, duration } = e.payload
    console.log(groupId, memberId, isLeader, Object.keys(memberAssignment), duration)
  })
  consumer.on('consumer.crash', (e: ConsumerCrashEvent) => console.log(e.payload.error.message, e.payload.restart))
  consumer.on(consumer.events.COMMIT_OFFSETS, e => console.log(e.payload.topics[0].partitions[0].offset))
  consumer.on(consumer.events.END_BATCH_PROCESS, e => console.log(e.payload.offsetLag, e.payload.duration))
  consumer.on(consumer.events.FETCH, (e: InstrumentationEvent<{ numberOfBatches: number }>) => e.payload.numberOfBatches)

  await consumer.connect()
  await consumer.subscribe({ topics: ['topic-A'] })
  await consumer.subscribe({ topics: ['topic-B', /topic-(eu|us)-.*/i], fromBeginning: true })
  await consumer.subscribe({ topic: 'legacy-form', fromBeginning: false })

  const runConfig: ConsumerRunConfig = {
    autoCommit: true,
    autoCommitInterval: 5000,
    autoCommitThreshold: null,
    partitionsConsumedConcurrently: 3,
    eachMessage: async ({ topic, partition, message, heartbeat, pause }: EachMessagePayload) => {
      const m: KafkaMessage = message
      console.log({
        topic,
        partition,
        offset: m.offset,
        timestamp: m.timestamp,
        key: m.key?.toString(),
        value: m.value === null ? null : m.value.toString('utf8'),
        headers: m.headers,
      })
      await heartbeat()
      if (m.offset === '100') {
        const resume = pause()
        setTimeout(resume, 1000)
      }
    },
  }
  await consumer.run(runConfig)

  consumer.pause([{ topic: 'topic-A' }, { topic: 'topic-B', partitions: [0, 1] }])
  for (const { topic, partitions } of consumer.paused()) console.log(topic, partitions.join(','))
  consumer.resume([{ topic: 'topic-A' }])
  consumer.seek({ topic: 'topic-A', partition: 0, offset: '12384' })
  const offsets: TopicPartitionOffsetAndMetadata[] = [
    { topic: 'topic-A', partition: 0, offset: '1' },
    { topic: 'topic-A', partition: 1, offset: '3', metadata: null },
  ]
  await consumer.commitOffsets(offsets)
  const group: GroupDescription = await consumer.describeGroup()
  console.log(group.state, group.protocol, group.members.map(m => AssignerProtocol.MemberAssignment.decode(m.memberAssignment)))
  await consumer.stop()
  await consumer.disconnect()
}

async function processMessage(message: KafkaMessage): Promise<void> {
  console.log(message.offset)
}

async function consumeEachBatch(): Promise<void> {
  const consumer = kafka.consumer({ groupId: 'batch-group' })
  await consumer.connect()
  await consumer.subscribe({ topics: ['topic-D'], fromBeginning: true })
  await consumer.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({
      batch,
      resolveOffset,
      heartbeat,
      commitOffsetsIfNecessary,
      uncommittedOffsets,
      isRunning,
      isStale,
      pause,
    }: EachBatchPayload) => {
      const b: Batch = batch
      console.log(b.topic, b.partition, b.highWatermark, b.isEmpty(), b.firstOffset(), b.lastOffset(), b.offsetLag(), b.offsetLagLow())
      for (const message of b.messages) {
        if (!isRunning() || isStale()) break
        await processMessage(message)
        resolveOffset(message.offset)
        await heartbeat()
      }
      const pending = uncommittedOffsets()
      await commitOffsetsIfNecessary(pending)
      await commitOffsetsIfNecessary()
      if (b.messages.length > 1000) pause()()
    },
  })
  await consumer.disconnect()
}

// Admin -----------------------------------------------------------------------------------------

async function administer(): Promise<void> {
  const admin: Admin = kafka.admin({ retry: { retries: 2 } })
  admin.on(admin.events.CONNECT, e => console.log(e.type))
  await admin.connect()

  const topics: string[] = await admin.listTopics()
  const topicConfig: ITopicConfig = {
    topic: 'new-topic',
    numPartitions: 3,
    replicationFactor: 1,
    configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
  }
  const created: boolean = await admin.createTopics({ validateOnly: false, waitForLeaders: true, timeout: 5000, topics: [topicConfig] })
  await admin.createPartitions({ topicPartitions: [{ topic: 'new-topic', count: 6 }] })
  const { topics: metadata }: { topics: ITopicMetadata[] } = await admin.fetchTopicMetadata({ topics: ['new-topic'] })
  for (const t of metadata) for (const p of t.partitions) console.log(t.name, p.partitionId, p.leader, p.replicas, p.isr)
  const all = await admin.fetchTopicMetadata()
  console.log(created, topics.length, all.topics.length)

  const topicOffsets = await admin.fetchTopicOffsets('new-topic')
  for (const { partition, offset, high, low } of topicOffsets) console.log(partition, offset, high, low)
  const byTime: SeekEntry[] = await admin.fetchTopicOffsetsByTimestamp('new-topic', Date.now() - 3600000)
  await admin.setOffsets({ groupId: 'my-group', topic: 'new-topic', partitions: byTime })
  await admin.resetOffsets({ groupId: 'my-group', topic: 'new-topic', earliest: true })
  await admin.resetOffsets({ groupId: 'my-group', topic: 'new-topic' })
  const groupOffsets = await admin.fetchOffsets({ groupId: 'my-group', topics: ['new-topic'], resolveOffsets: true })
  for (const { topic, partitions } of groupOffsets) for (const p of partitions) console.log(topic, p.partition, p.offset, p.metadata)
  await admin.deleteTopicRecords({ topic: 'new-topic', partitions: [{ partition: 0, offset: '-1' }] })

  const cluster = await admin.describeCluster()
  console.log(cluster.clusterId, cluster.controller, cluster.brokers.map(b => `${b.host}:${b.port}#${b.nodeId}`))

  const query: ResourceConfigQuery = { type: ConfigResourceTypes.TOPIC, name: 'new-topic', configNames: ['cleanup.policy'] }
  const described: DescribeConfigResponse = await admin.describeConfigs({ includeSynonyms: false, resources: [query] })
  for (const r of described.resources) {
    for (const c of r.configEntries) {
      if (c.configSource === ConfigSource.TOPIC_CONFIG) console.log(r.resourceName, c.configName, c.configValue, c.isDefault, c.readOnly)
    }
  }
  const alter: IResourceConfig = { type: ConfigResourceTypes.TOPIC, name: 'new-topic', configEntries: [{ name: 'retention.ms', value: '60000' }] }
  await admin.alterConfigs({ validateOnly: false, resources: [alter] })

  const { groups } = await admin.listGroups()
  const descriptions: GroupDescriptions = await admin.describeGroups(groups.map(g => g.groupId))
  for (const g of descriptions.groups) {
    for (const m of g.members) console.log(g.groupId, m.clientId, m.clientHost, AssignerProtocol.MemberMetadata.decode(m.memberMetadata))
  }
  try {
    const deleted = await admin.deleteGroups(['a', 'b'])
    console.log(deleted.map(d => d.groupId))
  } catch (e) {
    if (e instanceof KafkaJSDeleteGroupsError) for (const g of e.groups) console.log(g.groupId, g.error?.type)
  }

  const acl: AclEntry[] = [
    {
      resourceType: AclResourceTypes.TOPIC,
      resourceName: 'new-topic',
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: 'User:bob',
      host: '*',
      operation: AclOperationTypes.ALL,
      permissionType: AclPermissionTypes.DENY,
    },
  ]
  await admin.createAcls({ acl })
  const filter: AclFilter = {
    resourceName: 'new-topic',
    resourceType: AclResourceTypes.TOPIC,
    host: '*',
    permissionType: AclPermissionTypes.ANY,
    operation: AclOperationTypes.ANY,
    resourcePatternType: ResourcePatternTypes.LITERAL,
  }
  const acls: DescribeAclResponse = await admin.describeAcls(filter)
  for (const r of acls.resources) for (const a of r.acls) console.log(r.resourceName, a.principal, a.operation === AclOperationTypes.ALL)
  const removed: DeleteAclResponse = await admin.deleteAcls({ filters: [filter] })
  console.log(removed.filterResponses[0].matchingAcls.length)

  await admin.alterPartitionReassignments({ topics: [{ topic: 'new-topic', partitionAssignment: [{ partition: 0, replicas: [1] }] }] })
  const ongoing = await admin.listPartitionReassignments({ topics: [{ topic: 'new-topic', partitions: [0] }] })
  for (const t of ongoing.topics) for (const p of t.partitions) console.log(t.topic, p.partitionIndex, p.replicas, p.addingReplicas)

  await admin.deleteTopics({ topics: ['new-topic'], timeout: 5000 })
  console.log(ResourceTypes.TOPIC === (AclResourceTypes.TOPIC as number))
  admin.logger().info('done')
  await admin.disconnect()
}

// Errors ----------------------------------------------------------------------------------------

function describeError(e: unknown): string {
  if (e instanceof KafkaJSNumberOfRetriesExceeded) return `${e.retryCount} retries in ${e.retryTime} ms: ${e.stack}`
  if (e instanceof KafkaJSOffsetOutOfRange) return `${e.topic}/${e.partition}`
  if (e instanceof KafkaJSProtocolError) return `${e.type} (${e.code}) retriable=${e.retriable}`
  if (e instanceof KafkaJSConnectionError) return `connection to ${e.broker}`
  if (e instanceof KafkaJSRequestTimeoutError) return `timeout ${e.correlationId} on ${e.broker} after ${e.pendingDuration}`
  if (e instanceof KafkaJSCreateTopicError) return e.topic
  if (e instanceof KafkaJSDeleteTopicRecordsError) return e.partitions.map(p => p.error.message).join()
  if (e instanceof KafkaJSSASLAuthenticationError || e instanceof KafkaJSNotImplemented || e instanceof KafkaJSTimeout) return e.name
  if (e instanceof KafkaJSNonRetriableError) return e.cause ? e.cause.message : e.message
  if (e instanceof KafkaJSError) return `${e.name}: ${e.message} ${e.helpUrl ?? ''}`
  if (e instanceof KafkaJSAggregateError) return e.errors.map(String).join()
  return String(e)
}

const thrown: KafkaJSError = new KafkaJSNonRetriableError('nope')
console.log(describeError(thrown), describeError(new KafkaJSError('again', { retriable: true })))

// Compression codecs: KafkaJS users plug codecs in this way.
const codec = () => ({
  async compress(encoder: { buffer: Buffer }) {
    return encoder.buffer
  },
  async decompress(buffer: Buffer) {
    return buffer
  },
})
CompressionCodecs[CompressionTypes.Snappy] = codec

// What the compiler must refuse inside a program that compiles (see also bad.ts).
// @ts-expect-error groupId is required
kafka.consumer({})
// @ts-expect-error a message needs a value
const badMessage: Message = { key: 'k' }
void badMessage
// @ts-expect-error offsets are strings
consumer0().seek({ topic: 't', partition: 0, offset: 1 })

function consumer0(): Consumer {
  return kafka.consumer({ groupId: 'g' })
}

export { produce, transactional, consumeEachMessage, consumeEachBatch, administer }
