'use strict'
// What the package does where KafkaJS 2.2.4 (the npm package) is the reference: each check
// runs the same call on both, or on KafkaJS's documented result, and compares. These came
// from an audit of the API list of issue 18 (docs/node.md, "What differs" has what is left).
const { test } = require('node:test')
const assert = require('node:assert/strict')
const kafkajs = require('kafkajs')
const uvk = require('..')
const { kafka, unique, createTopic } = require('./helpers')

const offline = lib => new lib.Kafka({ clientId: 'parity', brokers: ['127.0.0.1:1'], logLevel: lib.logLevel.NOTHING })
const caught = fn => { try { fn() } catch (e) { return e } assert.fail('did not throw') }
const rejected = async p => { try { await p } catch (e) { return e } assert.fail('did not reject') }
const same = (ours, theirs, what) => {
  assert.equal(ours.constructor.name, theirs.constructor.name, `${what}: class`)
  assert.equal(ours.message, theirs.message, `${what}: message`)
  assert.equal(ours.retriable, theirs.retriable, `${what}: retriable`)
}

test('every error class: name, message, retriable and enumerable fields as KafkaJS constructs them', () => {
  const second = {
    KafkaJSOffsetOutOfRange: { topic: 't', partition: 1 },
    KafkaJSMemberIdRequired: { memberId: 'm' },
    KafkaJSNumberOfRetriesExceeded: { retryCount: 2, retryTime: 300 },
    KafkaJSConnectionError: { broker: 'b:1', code: 'ECONNREFUSED' },
    KafkaJSDeleteGroupsError: [{ groupId: 'g' }]
  }
  const names = Object.keys(kafkajs).filter(n => /^KafkaJS/.test(n) && n !== 'KafkaJSDeleteTopicRecordsError')
  assert.ok(names.length > 25)
  for (const name of names) {
    const args = [name === 'KafkaJSNumberOfRetriesExceeded' ? new Error('inner') : 'msg', second[name]]
    const theirs = new kafkajs[name](...args)
    const ours = new uvk[name](...args)
    assert.ok(ours instanceof Error, name)
    assert.equal(ours.name, theirs.name, `${name}: name`)
    assert.equal(ours.message, theirs.message, `${name}: message`)
    assert.equal(ours.retriable, theirs.retriable, `${name}: retriable`)
    // cause is Error's own, not enumerable; originalError is uvkafka's extra (the cause, named)
    assert.deepEqual(Object.keys(ours).filter(k => k !== 'originalError').sort(), Object.keys(theirs).sort(), `${name}: fields`)
  }
})

test('KafkaJSDeleteTopicRecordsError is retriable when every partition that failed is', () => {
  const retriable = new kafkajs.KafkaJSProtocolError({ message: 'x', type: 'NOT_LEADER_FOR_PARTITION', code: 6, retriable: true })
  const partitions = [{ partition: 0, offset: '1', error: retriable }, { partition: 1, offset: '1' }]
  assert.equal(new kafkajs.KafkaJSDeleteTopicRecordsError({ partitions }).retriable, true)
  assert.equal(new uvk.KafkaJSDeleteTopicRecordsError({ partitions }).retriable, true)
})

test('option and argument refusals name what KafkaJS names, with its class', async () => {
  const [ours, theirs] = [offline(uvk), offline(kafkajs)]
  // a consumer whose heartbeat is not shorter than its session
  for (const o of [{ heartbeatInterval: 40000 }, { sessionTimeout: 6000, heartbeatInterval: 6000 }]) {
    const opts = Object.assign({ groupId: 'g' }, o)
    same(caught(() => ours.consumer(opts)), caught(() => theirs.consumer(opts)), JSON.stringify(o))
  }
  // an unknown event name
  for (const kind of ['producer', 'consumer']) {
    const a = ours[kind]({ groupId: 'g' })
    const b = theirs[kind]({ groupId: 'g' })
    const e = caught(() => a.on(`${kind}.nope`, () => {}))
    assert.match(e.message, new RegExp(`^Event name should be one of ${kind}\\.events\\.[A-Z_]+, `))
    for (const k of Object.keys(b.events)) assert.ok(e.message.includes(`${kind}.events.${k}`), `${kind}: ${k}`)
  }
  // subscribe
  const c1 = ours.consumer({ groupId: 'g' })
  const c2 = theirs.consumer({ groupId: 'g' })
  for (const arg of [{}, { topics: 'x' }, { topics: [42] }]) {
    same(await rejected(c1.subscribe(arg)), await rejected(c2.subscribe(arg)), `subscribe(${JSON.stringify(arg)})`)
  }
  // pause, resume, seek and commitOffsets before run, and their argument checks
  for (const [call, arg] of [['pause', [{ topic: 't' }]], ['resume', [{ topic: 't', partitions: [0] }]], ['pause', [{}]],
    ['pause', [{ topic: 't', partitions: 'x' }]], ['resume', [{ topic: 't', partitions: ['a'] }]], ['seek', { topic: 't', partition: 0, offset: 'zz' }]]) {
    same(caught(() => c1[call](arg)), caught(() => c2[call](arg)), `${call}(${JSON.stringify(arg)})`)
  }
  for (const arg of [[{ topic: 't', partition: 0, offset: '1' }], [{ partition: 0, offset: '1' }], [{ topic: 't', partition: 'x', offset: '1' }],
    [{ topic: 't', partition: 0, offset: 'zz' }], [{ topic: 't', partition: 0, offset: '-3' }], [{ topic: 't', partition: 0, offset: '1', metadata: 5 }]]) {
    same(await rejected(c1.commitOffsets(arg)), await rejected(c2.commitOffsets(arg)), `commitOffsets(${JSON.stringify(arg)})`)
  }
  assert.deepEqual(c1.paused(), c2.paused())
  // send without a topic
  const p1 = ours.producer()
  same(await rejected(p1.send({ topic: '', messages: [{ value: 'x' }] })), new kafkajs.KafkaJSNonRetriableError('Invalid topic'), 'send')
  same(await rejected(p1.sendBatch({ topicMessages: [{ messages: [] }] })), new kafkajs.KafkaJSNonRetriableError('Invalid topic'), 'sendBatch')
  // isIdempotent answers the option
  for (const o of [{}, { idempotent: true }, { transactionalId: 'tx' }, { transactionalId: 'tx', idempotent: true }]) {
    assert.equal(ours.producer(o).isIdempotent(), theirs.producer(o).isIdempotent(), JSON.stringify(o))
  }
})

test('subscribe to an empty topics array resolves, as in KafkaJS', async () => {
  const consumer = offline(uvk).consumer({ groupId: 'g' })
  assert.equal(await consumer.subscribe({ topics: [] }), undefined)
})

test('DefaultPartitioner and JavaCompatiblePartitioner, called from JavaScript, choose what KafkaJS chooses', () => {
  const partitionMetadata = [0, 1, 2, 3, 4, 5, 6].map(partitionId => ({ partitionId, leader: 1 }))
  for (const name of ['DefaultPartitioner', 'JavaCompatiblePartitioner']) {
    const ours = uvk.Partitioners[name]()
    const theirs = kafkajs.Partitioners.DefaultPartitioner()
    for (let i = 0; i < 500; i++) {
      const key = i % 2 ? `user-${i * 7919}` : Buffer.from(`ключ-${i}-✓`.repeat(1 + (i % 5)))
      const message = { key, value: 'v' }
      assert.equal(ours({ topic: 't', partitionMetadata, message }), theirs({ topic: 't', partitionMetadata, message }), `${name} key ${key}`)
    }
    assert.equal(ours({ topic: 't', partitionMetadata, message: { partition: 3, value: 'v' } }), 3)
    const keyless = ours({ topic: 't', partitionMetadata, message: { value: 'v' } })
    assert.ok(keyless >= 0 && keyless < 7)
  }
})

test('PartitionAssigners.roundRobin gives KafkaJS assign / protocol results (for assigners that delegate to it)', async () => {
  const sizes = { a: 5, b: 3, c: 1 }
  const cluster = { findTopicPartitionMetadata: t => Array.from({ length: sizes[t] }, (_, i) => ({ partitionId: i, leader: 1 })) }
  const ours = uvk.PartitionAssigners.roundRobin({ cluster, groupId: 'g', logger: null })
  const theirs = kafkajs.PartitionAssigners.roundRobin({ cluster, groupId: 'g', logger: null })
  assert.equal(ours.name, theirs.name)
  assert.equal(ours.version, theirs.version)
  const members = ['m-3', 'm-1', 'm-2'].map(memberId => ({ memberId }))
  const decode = list => Object.fromEntries(list.map(x => [x.memberId, kafkajs.AssignerProtocol.MemberAssignment.decode(x.memberAssignment)]))
  const a = decode(await ours.assign({ members, topics: ['a', 'b', 'c'] }))
  const b = decode(await theirs.assign({ members, topics: ['a', 'b', 'c'] }))
  assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)))
  const pa = ours.protocol({ topics: ['a', 'b'] })
  const pb = theirs.protocol({ topics: ['a', 'b'] })
  assert.equal(pa.name, pb.name)
  assert.deepEqual(kafkajs.AssignerProtocol.MemberMetadata.decode(pa.metadata), kafkajs.AssignerProtocol.MemberMetadata.decode(pb.metadata))
})

test('producer results as KafkaJS gives them: [] for acks 0 and for nothing to send; a send after disconnect is retriable', async () => {
  const k = kafka()
  const topic = unique('node-parity')
  await createTopic(k, topic, 2)
  const producer = k.producer()
  await producer.connect()
  assert.deepEqual(await producer.send({ topic, acks: 0, messages: [{ value: 'a', partition: 0 }] }), [])
  assert.deepEqual(await producer.send({ topic, messages: [] }), [])
  assert.deepEqual(await producer.sendBatch({}), [])
  assert.deepEqual(await producer.sendBatch({ topicMessages: [] }), [])
  assert.deepEqual(await producer.sendBatch({ acks: 0, topicMessages: [{ topic, messages: [{ value: 'b', partition: 1 }] }] }), [])
  const [md] = await producer.sendBatch({ topicMessages: [{ topic, messages: [] }, { topic, messages: [{ value: 'c', partition: 1 }] }] })
  assert.equal(md.baseOffset, '1')  // the acks 0 batch landed before it
  await producer.disconnect()
  same(await rejected(producer.send({ topic, messages: [{ value: 'x' }] })), new kafkajs.KafkaJSError('The producer is disconnected'), 'after disconnect')
})

test('the admin never creates a topic by asking about it (KafkaJS admin: allowAutoTopicCreation false)', async () => {
  const k = kafka()
  const admin = k.admin({ retry: { retries: 1, initialRetryTime: 50 } })
  await admin.connect()
  const missing = unique('node-missing')
  const e = await rejected(admin.fetchTopicOffsets(missing))
  assert.equal(e.name, 'KafkaJSNumberOfRetriesExceeded')
  assert.equal(e.cause.type, 'UNKNOWN_TOPIC_OR_PARTITION')
  const d = await rejected(admin.describeConfigs({ resources: [{ type: uvk.ConfigResourceTypes.TOPIC, name: missing }] }))
  assert.equal(d.type, 'UNKNOWN_TOPIC_OR_PARTITION')
  assert.ok(!(await admin.listTopics()).includes(missing), 'the topic was created')
  await admin.disconnect()
})

test('describeConfigs: errorMessage is "" as KafkaJS reads it; events: epoch times, no payload on connect', async () => {
  const k = kafka()
  const topic = unique('node-parity')
  await createTopic(k, topic, 1)
  const admin = k.admin()
  const requests = []
  const connects = []
  admin.on(admin.events.REQUEST, e => requests.push(e.payload))
  admin.on(admin.events.CONNECT, e => connects.push(e))
  const before = Date.now()
  await admin.connect()
  const { resources } = await admin.describeConfigs({ resources: [{ type: uvk.ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] }] })
  assert.equal(resources[0].errorMessage, '')
  assert.equal(resources[0].errorCode, 0)
  await new Promise(resolve => setImmediate(resolve))
  const after = Date.now()
  await admin.disconnect()
  assert.ok(requests.length > 0)
  for (const r of requests) {
    assert.ok(r.createdAt >= before - 5 && r.createdAt <= after + 5, `createdAt ${r.createdAt} not in [${before}, ${after}]`)
    assert.ok(r.sentAt >= r.createdAt && r.sentAt <= after + 5, `sentAt ${r.sentAt}`)
  }
  assert.equal(connects.length, 1)
  assert.equal(connects[0].payload, undefined)
})

test('AssignerProtocol encodes and decodes byte for byte as KafkaJS (userData defaults and nulls)', () => {
  const K = kafkajs.AssignerProtocol
  const U = uvk.AssignerProtocol
  for (const a of [{ version: 0, assignment: { t: [0, 1], u: [2] } }, { version: 1, assignment: {}, userData: Buffer.from('x') }, { version: 0, assignment: { t: [3] }, userData: null }]) {
    assert.deepEqual(U.MemberAssignment.encode(a), K.MemberAssignment.encode(a), JSON.stringify(a))
    assert.deepEqual(U.MemberAssignment.decode(K.MemberAssignment.encode(a)), K.MemberAssignment.decode(K.MemberAssignment.encode(a)))
  }
  for (const m of [{ version: 0, topics: ['a', 'b'] }, { version: 0, topics: ['a'], userData: null }, { version: 2, topics: [], userData: Buffer.from('ud') }]) {
    assert.deepEqual(U.MemberMetadata.encode(m), K.MemberMetadata.encode(m), JSON.stringify(m))
    assert.deepEqual(U.MemberMetadata.decode(K.MemberMetadata.encode(m)), K.MemberMetadata.decode(K.MemberMetadata.encode(m)))
  }
})

test('seek to -2 (earliest) and -1 (latest), KafkaJS\'s markers, move the partition to its log start and end', async () => {
  const k = kafka()
  const topic = unique('node-seek-ends')
  await createTopic(k, topic, 1)
  const producer = k.producer()
  await producer.connect()
  const put = n => producer.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ value: `v${i}`, partition: 0 })) })
  await put(5)
  const consumer = k.consumer({ groupId: unique('node-g') })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const seen = []
  const waiters = []
  const waitFor = cond => new Promise(resolve => { waiters.push({ cond, resolve }); check() })
  function check () {
    for (const w of waiters.slice()) if (w.cond()) { waiters.splice(waiters.indexOf(w), 1); w.resolve() }
  }
  const commits = []
  consumer.on(consumer.events.COMMIT_OFFSETS, e => {
    for (const t of e.payload.topics) for (const p of t.partitions) commits.push(p.offset)
    check()
  })
  try {
    await seekBothEnds()
  } finally {
    await consumer.disconnect()
    await producer.disconnect()
  }
  async function seekBothEnds () {
    await consumer.run({ eachMessage: async ({ message }) => { seen.push(message.offset); check() } })
    await waitFor(() => seen.length === 5)
    assert.throws(() => consumer.seek({ topic, partition: 0, offset: -3 }), /Offset must not be a negative number/)
    consumer.seek({ topic, partition: 0, offset: -2 })  // KafkaJS: EARLIEST
    await waitFor(() => seen.length === 6)
    assert.equal(seen[5], '0')
    await waitFor(() => seen.length === 10)
    consumer.pause([{ topic, partitions: [0] }])
    await put(3)  // offsets 5, 6, 7: skipped by the seek to the end
    consumer.seek({ topic, partition: 0, offset: '-1' })  // KafkaJS: LATEST; it commits, as any seek
    await waitFor(() => commits.includes('8'))
    consumer.resume([{ topic, partitions: [0] }])
    await put(1)
    await waitFor(() => seen.length === 11)
    assert.deepEqual(seen, ['0', '1', '2', '3', '4', '0', '1', '2', '3', '4', '8'])
  }
})

test('logger: entries, namespaces with a level of their own and setLogLevel as KafkaJS\'s', () => {
  const run = lib => {
    const entries = []
    const creator = level => ({ namespace, level: l, label, log }) => entries.push({ created: level, namespace, l, label, log: Object.assign({}, log, { timestamp: typeof log.timestamp }) })
    const k = new lib.Kafka({ brokers: ['127.0.0.1:1'], logLevel: lib.logLevel.INFO, logCreator: creator })
    const root = k.logger()
    root.info('hello', { a: 1 })
    root.debug('hidden at INFO')
    const loud = root.namespace('Loud', lib.logLevel.DEBUG)
    loud.debug('shown: its own level')
    const quiet = root.namespace('Quiet', lib.logLevel.ERROR)
    quiet.warn('hidden: its own level')
    root.namespace('Plain').warn('w', { b: 2 })
    root.setLogLevel(lib.logLevel.ERROR)
    root.info('hidden now')
    loud.info('shown: still its own level')
    root.error('shown')
    return entries
  }
  assert.deepEqual(run(uvk), run(kafkajs))
})

test('listTopics lists the internal topics too, as KafkaJS\'s does', async () => {
  const k = kafka()
  const topic = unique('node-parity')
  await createTopic(k, topic, 1)
  const group = k.consumer({ groupId: unique('node-g') })  // makes sure __consumer_offsets exists
  await group.connect()
  await group.subscribe({ topics: [topic] })
  await group.run({ eachMessage: async () => {} })
  await group.commitOffsets([{ topic, partition: 0, offset: '0' }])
  await group.disconnect()
  const ours = k.admin()
  const theirs = new kafkajs.Kafka({ brokers: k.config.brokers, logLevel: kafkajs.logLevel.NOTHING }).admin()
  await ours.connect()
  await theirs.connect()
  try {
    const [a, b] = [await ours.listTopics(), await theirs.listTopics()]
    assert.ok(b.includes('__consumer_offsets') && b.includes(topic))
    assert.deepEqual([...a].sort(), [...b].sort())
  } finally {
    await ours.disconnect()
    await theirs.disconnect()
  }
})

test('run() resolves once the member joined its group, as KafkaJS\'s', async () => {
  const k = kafka()
  const topic = unique('node-parity')
  await createTopic(k, topic, 2)
  const consumer = k.consumer({ groupId: unique('node-g') })
  const joins = []
  consumer.on(consumer.events.GROUP_JOIN, e => joins.push(e.payload))
  await consumer.connect()
  await consumer.subscribe({ topics: [topic] })
  try {
    await consumer.run({ eachMessage: async () => {} })
    assert.equal(joins.length, 1)
    assert.deepEqual(joins[0].memberAssignment, { [topic]: [0, 1] })
  } finally {
    await consumer.disconnect()
  }
  // a run that cannot join (stopped first) does not wait for ever
  const c2 = k.consumer({ groupId: unique('node-g') })
  await c2.connect()
  await c2.subscribe({ topics: [topic] })
  const running = c2.run({ eachMessage: async () => {} })
  await c2.disconnect()
  assert.equal(await running, undefined)
})

test('a stopped consumer subscribes and runs again, keeping its subscriptions, as KafkaJS\'s', async () => {
  const k = kafka()
  const [t1, t2] = [unique('node-rerun'), unique('node-rerun')]
  await createTopic(k, t1, 1)
  await createTopic(k, t2, 1)
  const producer = k.producer()
  await producer.connect()
  const consumer = k.consumer({ groupId: unique('node-g') })
  const joins = []
  consumer.on(consumer.events.GROUP_JOIN, e => joins.push(e.payload.memberAssignment))
  const got = []
  let wake = null
  const until = n => new Promise(resolve => { wake = () => { if (got.length >= n) resolve() }; wake() })
  const eachMessage = async ({ topic, message }) => { got.push(`${topic === t1 ? 't1' : 't2'}:${message.value}`); if (wake) wake() }
  try {
    await consumer.connect()
    await consumer.subscribe({ topics: [t1], fromBeginning: true })
    await producer.send({ topic: t1, messages: [{ value: 'a' }] })
    await consumer.run({ eachMessage })
    await until(1)
    await consumer.stop()
    await consumer.subscribe({ topics: [t2], fromBeginning: true })
    await producer.send({ topic: t2, messages: [{ value: 'b' }] })
    await producer.send({ topic: t1, messages: [{ value: 'c' }] })
    await consumer.run({ eachMessage })
    await until(3)
    assert.deepEqual([...got].sort(), ['t1:a', 't1:c', 't2:b'])  // 'a' was committed by the stop
    assert.deepEqual(joins[joins.length - 1], { [t1]: [0], [t2]: [0] })
    await consumer.stop()
    await consumer.run({ eachMessage })  // run again without a new subscribe
    await producer.send({ topic: t2, messages: [{ value: 'd' }] })
    await until(4)
    assert.equal(got[3], 't2:d')
  } finally {
    await consumer.disconnect()
    await producer.disconnect()
  }
})
