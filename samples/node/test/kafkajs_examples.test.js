'use strict'
// The examples of KafkaJS 2.2.4's documentation (docs/GettingStarted.md, Producing.md,
// Consuming.md, Transactions.md, Admin.md), run against the test cluster. Between the
// "--- docs" and "--- end" marks each example is as documented, except: require('kafkajs') is
// require('..'), the broker list comes from UVK_TEST_BROKERS, and topic and group names are
// unique per run (the documented name is the prefix). Identifiers an example uses without
// defining them (processMessage, sendToDependency, TooManyRequestsError, groupId, topic,
// timestamp, ...) are defined by the test around it, and `console` is a recorder, so what an
// example logs can be asserted. Where an example cannot run as written, the test says why.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { unique, readBack } = require('./helpers')

const T = { timeout: 60000 }
// The examples' clients log at INFO (KafkaJS's default); keep the test output to warnings.
process.env.KAFKAJS_LOG_LEVEL ||= 'warn'

function brokerList () {
  assert.ok(process.env.UVK_TEST_BROKERS, 'UVK_TEST_BROKERS is not set: source the test cluster env')
  return process.env.UVK_TEST_BROKERS.split(',')
}

// docs/GettingStarted.md: the client every other example uses.
function gettingStartedClient () {
  // --- docs
  const { Kafka } = require('..')

  const kafka = new Kafka({
    clientId: 'my-app',
    brokers: brokerList()
  })
  // --- end
  return kafka
}

// A console for the examples: records what they log; done(n) resolves once n entries are in.
function recorder () {
  const entries = []
  const waiters = []
  const log = (...args) => {
    entries.push(args.length === 1 ? args[0] : args)
    for (const w of waiters.slice()) {
      if (entries.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(entries.slice())
      }
    }
  }
  const done = n => entries.length >= n ? Promise.resolve(entries.slice()) : new Promise(resolve => waiters.push({ n, resolve }))
  return { log, info: log, warn: log, error: log, entries, done }
}

// Resolves with the first event of `name` whose payload satisfies `pred`.
function nextEvent (client, name, pred = () => true) {
  return new Promise(resolve => {
    const remove = client.on(name, e => {
      if (pred(e.payload)) {
        remove()
        resolve(e)
      }
    })
  })
}

async function produce (kafka, topic, messages) {
  const producer = kafka.producer()
  await producer.connect()
  try {
    await producer.send({ topic, messages })
  } finally {
    await producer.disconnect()
  }
}

async function withAdmin (kafka, fn) {
  const admin = kafka.admin()
  await admin.connect()
  try {
    return await fn(admin)
  } finally {
    await admin.disconnect()
  }
}

async function createTopic (kafka, topic, numPartitions = 4) {
  await withAdmin(kafka, admin => admin.createTopics({ topics: [{ topic, numPartitions }] }))
}

const committed = (kafka, groupId, topic) =>
  withAdmin(kafka, admin => admin.fetchOffsets({ groupId, topics: [topic] }))
    .then(r => Object.fromEntries(r[0].partitions.map(p => [p.partition, p.offset])))

const str = v => (v === null ? null : v.toString())

// Raw Snappy (the block format): a compressor that writes literals only, a full decompressor.
function snappyCompress (buf) {
  const out = []
  let n = buf.length
  do { out.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0)); n >>>= 7 } while (n > 0)
  const parts = [Buffer.from(out)]
  for (let at = 0; at < buf.length; at += 65536) {
    const chunk = buf.subarray(at, at + 65536)
    const tag = Buffer.alloc(3)
    tag[0] = 61 << 2
    tag.writeUInt16LE(chunk.length - 1, 1)
    parts.push(tag, chunk)
  }
  return Buffer.concat(parts)
}
function snappyDecompress (buf) {
  let at = 0
  let len = 0
  for (let shift = 0; ; shift += 7) {
    const b = buf[at++]
    len |= (b & 0x7f) << shift
    if (!(b & 0x80)) break
  }
  const out = Buffer.alloc(len)
  let o = 0
  while (at < buf.length) {
    const tag = buf[at++]
    const type = tag & 3
    if (type === 0) {
      let n = tag >> 2
      if (n >= 60) {
        const bytes = n - 59
        n = buf.readUIntLE(at, bytes)
        at += bytes
      }
      n += 1
      buf.copy(out, o, at, at + n)
      at += n
      o += n
      continue
    }
    let n, offset
    if (type === 1) {
      n = ((tag >> 2) & 7) + 4
      offset = ((tag >> 5) << 8) | buf[at++]
    } else if (type === 2) {
      n = (tag >> 2) + 1
      offset = buf.readUInt16LE(at)
      at += 2
    } else {
      n = (tag >> 2) + 1
      offset = buf.readUInt32LE(at)
      at += 4
    }
    for (let i = 0; i < n; i++, o++) out[o] = out[o - offset]
  }
  return out
}

// ------------------------------------------------------------------------------------------------
// Getting Started

test('GettingStarted.md: produce a message, then consume it from the beginning', T, async () => {
  const console = recorder()
  const kafka = gettingStartedClient()
  const testTopic = unique('test-topic')
  const testGroup = unique('test-group')
  // --- docs
  const producer = kafka.producer()

  await producer.connect()
  await producer.send({
    topic: testTopic,
    messages: [
      { value: 'Hello KafkaJS user!' }
    ]
  })

  await producer.disconnect()
  // --- end
  // --- docs
  const consumer = kafka.consumer({ groupId: testGroup })

  await consumer.connect()
  await consumer.subscribe({ topic: testTopic, fromBeginning: true })

  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      console.log({
        value: message.value.toString()
      })
    }
  })
  // --- end
  try {
    assert.deepEqual(await console.done(1), [{ value: 'Hello KafkaJS user!' }])
  } finally {
    await consumer.disconnect()
  }
})

// ------------------------------------------------------------------------------------------------
// Producing.md

test('Producing.md: send with keys, with a defined partition, with headers; producer options', T, async () => {
  const kafka = gettingStartedClient()
  const topicName = unique('topic-name')
  await createTopic(kafka, topicName)
  {
    // --- docs
    const producer = kafka.producer()

    await producer.connect()
    await producer.send({
      topic: topicName,
      messages: [
        { key: 'key1', value: 'hello world' },
        { key: 'key2', value: 'hey hey!' }
      ]
    })
    // --- end
    await producer.disconnect()
  }
  {
    // --- docs
    const producer = kafka.producer()

    await producer.connect()
    await producer.send({
      topic: topicName,
      messages: [
        { key: 'key1', value: 'hello world', partition: 0 },
        { key: 'key2', value: 'hey hey!', partition: 1 }
      ]
    })
    // --- end
    await producer.disconnect()
  }
  {
    // --- docs
    const producer = kafka.producer({
      allowAutoTopicCreation: false,
      transactionTimeout: 30000
    })
    // --- end
    await producer.connect()
    // --- docs
    await producer.send({
      topic: topicName,
      messages: [{
        key: 'key1',
        value: 'hello world',
        headers: {
          'correlation-id': '2bfb68bb-893a-423b-a7fa-7b568cad5b67',
          'system-id': 'my-system'
        }
      }]
    })
    // --- end
    await producer.disconnect()
  }
  const got = await readBack(kafka, topicName, 5)
  const find = (key, value, partition) => got.filter(m => str(m.key) === key && str(m.value) === value && (partition === undefined || m.partition === partition))
  // The defined partitions.
  assert.equal(find('key1', 'hello world', 0).length >= 1, true)
  assert.equal(find('key2', 'hey hey!', 1).length >= 1, true)
  // Without a partition, the same key goes to the same partition (murmur2 of the key).
  const withHeaders = got.filter(m => m.headers['system-id'])
  assert.equal(withHeaders.length, 1)
  assert.equal(str(withHeaders[0].key), 'key1')
  assert.equal(str(withHeaders[0].headers['correlation-id']), '2bfb68bb-893a-423b-a7fa-7b568cad5b67')
  assert.equal(str(withHeaders[0].headers['system-id']), 'my-system')
  // key1 without a partition (first send) went where key1 with headers went; the other is on 0.
  const key1Plain = got.filter(m => str(m.key) === 'key1' && !m.headers['system-id']).map(m => m.partition)
  assert.deepEqual(key1Plain.sort(), [0, withHeaders[0].partition].sort())
  assert.deepEqual(got.map(m => str(m.value)).sort(), ['hello world', 'hello world', 'hello world', 'hey hey!', 'hey hey!'])
})

test('Producing.md: sendBatch to multiple topics', T, async () => {
  const kafka = gettingStartedClient()
  const [a, b, c] = ['topic-a', 'topic-b', 'topic-c'].map(unique)
  const producer = kafka.producer()
  await producer.connect()
  try {
    // --- docs
    const topicMessages = [
      {
        topic: a,
        messages: [{ key: 'key', value: 'hello topic-a' }]
      },
      {
        topic: b,
        messages: [{ key: 'key', value: 'hello topic-b' }]
      },
      {
        topic: c,
        messages: [
          {
            key: 'key',
            value: 'hello topic-c',
            headers: {
              'correlation-id': '2bfb68bb-893a-423b-a7fa-7b568cad5b67'
            }
          }
        ]
      }
    ]
    await producer.sendBatch({ topicMessages })
    // --- end
  } finally {
    await producer.disconnect()
  }
  const [ma] = await readBack(kafka, a, 1)
  const [mb] = await readBack(kafka, b, 1)
  const [mc] = await readBack(kafka, c, 1)
  assert.deepEqual([ma, mb, mc].map(m => [str(m.key), str(m.value)]),
    [['key', 'hello topic-a'], ['key', 'hello topic-b'], ['key', 'hello topic-c']])
  assert.equal(str(mc.headers['correlation-id']), '2bfb68bb-893a-423b-a7fa-7b568cad5b67')
})

test('Producing.md: custom partitioner (createPartitioner: MyPartitioner)', T, async () => {
  const kafka = gettingStartedClient()
  const topicName = unique('topic-name')
  await createTopic(kafka, topicName)
  const calls = []
  // --- docs
  const MyPartitioner = () => {
    return ({ topic, partitionMetadata, message }) => {
      // select a partition based on some logic
      // return the partition number
      calls.push({ topic, partitionMetadata, message }) // (the test's)
      return 0
    }
  }
  // --- end
  // --- docs
  const producer = kafka.producer({ createPartitioner: MyPartitioner })
  // --- end
  await producer.connect()
  try {
    await producer.send({ topic: topicName, messages: ['k1', 'k2', 'k3', 'k4'].map(key => ({ key, value: key })) })
  } finally {
    await producer.disconnect()
  }
  const got = await readBack(kafka, topicName, 4)
  assert.deepEqual(got.map(m => m.partition), [0, 0, 0, 0])
  assert.equal(calls.length, 4)
  assert.equal(calls[0].topic, topicName)
  assert.deepEqual(calls[0].partitionMetadata.map(p => p.partitionId).sort(), [0, 1, 2, 3])
  assert.ok(calls[0].partitionMetadata.every(p => typeof p.leader === 'number'))
  assert.equal(str(calls[0].message.key), 'k1')
})

test('Producing.md: Partitioners.LegacyPartitioner (placing keys as KafkaJS\'s own does)', T, async () => {
  const kafka = gettingStartedClient()
  const topicName = unique('topic-name')
  await createTopic(kafka, topicName)
  // --- docs
  const { Partitioners } = require('..')
  kafka.producer({ createPartitioner: Partitioners.LegacyPartitioner })
  // --- end
  assert.equal(typeof Partitioners.LegacyPartitioner, 'function')
  const producer = kafka.producer({ createPartitioner: Partitioners.LegacyPartitioner })
  await producer.connect()
  const keys = Array.from({ length: 8 }, (_, i) => `key-${i}`)
  try {
    await producer.send({ topic: topicName, messages: keys.map(key => ({ key, value: key })) })
  } finally {
    await producer.disconnect()
  }
  // Where KafkaJS's own LegacyPartitioner puts each key.
  const legacy = require('kafkajs').Partitioners.LegacyPartitioner()
  const partitionMetadata = [0, 1, 2, 3].map(partitionId => ({ partitionId, leader: 1 }))
  const got = await readBack(kafka, topicName, keys.length)
  for (const m of got) {
    assert.equal(m.partition, legacy({ topic: topicName, partitionMetadata, message: { key: str(m.key) } }), `key ${str(m.key)}`)
  }
})

test('Producing.md: compression GZIP; a custom codec for Snappy (CompressionCodecs); LZ4 and ZSTD', T, async () => {
  const kafka = gettingStartedClient()
  const topicName = unique('topic-name')
  const producer = kafka.producer()
  await producer.connect()
  // The doc's placeholders: raw Snappy (literals only when compressing), what the broker reads.
  const someCompressFunction = snappyCompress
  const someDecompressFunction = snappyDecompress
  try {
    // --- docs
    const { CompressionTypes } = require('..')

    await (async () => {
      await producer.send({
        topic: topicName,
        compression: CompressionTypes.GZIP,
        messages: [
          { key: 'key1', value: 'hello world' },
          { key: 'key2', value: 'hey hey!' }
        ]
      })
    })()
    // --- end
    {
      // --- docs
      const MyCustomSnappyCodec = {
        async compress (encoder) {
          return someCompressFunction(encoder.buffer)
        },

        async decompress (buffer) {
          return someDecompressFunction(buffer)
        }
      }
      // --- end
      // --- docs
      const { CompressionTypes, CompressionCodecs } = require('..')
      CompressionCodecs[CompressionTypes.Snappy] = () => MyCustomSnappyCodec
      // --- end
      // --- docs
      await producer.send({
        topic: topicName,
        compression: CompressionTypes.Snappy,
        messages: [
          { key: 'key1', value: 'hello world' },
          { key: 'key2', value: 'hey hey!' }
        ]
      })
      // --- end
    }
    const { CompressionCodecs } = require('..')
    delete CompressionCodecs[CompressionTypes.Snappy] // uvkafka's built-in Snappy again
    // kafkajs-lz4 and @kafkajs/zstd are not needed: uvkafka has LZ4 and ZSTD built in.
    for (const compression of [CompressionTypes.LZ4, CompressionTypes.ZSTD]) {
      await producer.send({ topic: topicName, compression, messages: [{ key: 'key1', value: `codec ${compression}` }] })
    }
  } finally {
    await producer.disconnect()
  }
  const got = await readBack(kafka, topicName, 6)
  assert.deepEqual(got.map(m => str(m.value)).sort(),
    ['codec 3', 'codec 4', 'hello world', 'hello world', 'hey hey!', 'hey hey!'])
})

// ------------------------------------------------------------------------------------------------
// Consuming.md

test('Consuming.md: subscribe (several calls, fromBeginning), then eachMessage', T, async () => {
  const console = recorder()
  const kafka = gettingStartedClient()
  const [A, B, C, D] = ['topic-A', 'topic-B', 'topic-C', 'topic-D'].map(unique)
  const myGroup = unique('my-group')
  // Messages already there: only topic-D's is read (fromBeginning); A, B and C start at the end.
  for (const t of [A, B, C, D]) await produce(kafka, t, [{ key: 'before', value: `before ${t}`, headers: { h: 'v' } }])
  // --- docs
  const consumer = kafka.consumer({ groupId: myGroup })
  // --- end
  try {
    // --- docs
    await consumer.connect()

    await consumer.subscribe({ topics: [A] })

    // You can subscribe to multiple topics at once
    await consumer.subscribe({ topics: [B, C] })

    // It's possible to start from the beginning of the topic
    await consumer.subscribe({ topics: [D], fromBeginning: true })
    // --- end
    // --- docs
    await consumer.run({
      eachMessage: async ({ topic, partition, message, heartbeat, pause }) => {
        console.log({
          key: message.key.toString(),
          value: message.value.toString(),
          headers: message.headers
        })
      }
    })
    // --- end
    const [first] = await console.done(1)
    assert.equal(first.value, `before ${D}`)
    assert.equal(first.key, 'before')
    assert.equal(str(first.headers.h), 'v')
    // Positions of A, B and C are at their ends now (the fetch that brought D's message had them).
    for (const t of [A, B, C]) await produce(kafka, t, [{ key: 'after', value: `after ${t}` }])
    const entries = await console.done(4)
    assert.deepEqual(entries.map(e => e.value).sort(), [`after ${A}`, `after ${B}`, `after ${C}`, `before ${D}`].sort())
  } finally {
    await consumer.disconnect()
  }
})

test('Consuming.md: subscribe to topics matching a regular expression', T, async () => {
  const kafka = gettingStartedClient()
  const suffix = unique('x')
  const eu = `topic-eu-${suffix}`
  const us = `topic-US-${suffix}`
  const other = `topic-asia-${suffix}`
  for (const t of [eu, us, other]) await createTopic(kafka, t, 1)
  const consumer = kafka.consumer({ groupId: unique('my-group') })
  const joined = nextEvent(consumer, consumer.events.GROUP_JOIN)
  try {
    // --- docs
    await consumer.connect()
    await consumer.subscribe({ topics: [/topic-(eu|us)-.*/i] })
    // --- end
    await consumer.run({ eachMessage: async () => {} })
    const { payload } = await joined
    const assigned = Object.keys(payload.memberAssignment)
    assert.ok(assigned.includes(eu), `${eu} not in ${assigned}`)
    assert.ok(assigned.includes(us), `${us} not in ${assigned}`)
    assert.ok(!assigned.includes(other))
  } finally {
    await consumer.disconnect()
  }
})

test('Consuming.md: eachBatch (eachBatchAutoResolve: true) and describeGroup', T, async () => {
  const console = recorder()
  const kafka = gettingStartedClient()
  const topic = unique('topic-D')
  await produce(kafka, topic, [1, 2, 3].map(i => ({ key: `k${i}`, value: `v${i}`, partition: 0, headers: { n: String(i) } })))
  const groupId = unique('my-group')
  const consumer = kafka.consumer({ groupId })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  try {
    // --- docs
    await consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        commitOffsetsIfNecessary,
        uncommittedOffsets,
        isRunning,
        isStale,
        pause
      }) => {
        for (const message of batch.messages) {
          console.log({
            topic: batch.topic,
            partition: batch.partition,
            highWatermark: batch.highWatermark,
            message: {
              offset: message.offset,
              key: message.key.toString(),
              value: message.value.toString(),
              headers: message.headers
            }
          })

          resolveOffset(message.offset)
          await heartbeat()
        }
      }
    })
    // --- end
    const entries = await console.done(3)
    assert.deepEqual(entries.map(e => [e.topic, e.partition, e.highWatermark, e.message.offset, e.message.key, e.message.value, str(e.message.headers.n)]), [
      [topic, 0, '3', '0', 'k1', 'v1', '1'],
      [topic, 0, '3', '1', 'k2', 'v2', '2'],
      [topic, 0, '3', '2', 'k3', 'v3', '3']
    ])
    // --- docs
    const data = await consumer.describeGroup()
    // --- end
    assert.equal(data.groupId, groupId)
    assert.equal(data.protocol, 'RoundRobinAssigner')
    assert.equal(data.protocolType, 'consumer')
    assert.equal(data.state, 'Stable')
    assert.equal(data.members.length, 1)
    assert.equal(data.members[0].clientId, 'my-app')
    assert.ok(Buffer.isBuffer(data.members[0].memberAssignment))
    assert.ok(Buffer.isBuffer(data.members[0].memberMetadata))
  } finally {
    await consumer.disconnect()
  }
  assert.deepEqual(await committed(kafka, groupId, topic), { 0: '3', 1: '-1', 2: '-1', 3: '-1' })
})

test('Consuming.md: eachBatch example (eachBatchAutoResolve: false, isRunning / isStale, resolveOffset)', T, async () => {
  const kafka = gettingStartedClient()
  const topic = unique('topic-D')
  await produce(kafka, topic, Array.from({ length: 10 }, (_, i) => ({ value: `m${i}`, partition: 1 })))
  const groupId = unique('my-group')
  const consumer = kafka.consumer({ groupId })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const processed = []
  let allDone
  const all = new Promise(resolve => { allDone = resolve })
  const processMessage = async message => {
    processed.push(str(message.value))
    if (processed.length === 10) allDone()
  }
  const batchEnded = nextEvent(consumer, consumer.events.END_BATCH_PROCESS, p => p.lastOffset === '9')
  try {
    // --- docs
    consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break
          await processMessage(message)
          resolveOffset(message.offset)
          await heartbeat()
        }
      }
    })
    // --- end
    await all
    await batchEnded
    assert.deepEqual(processed, Array.from({ length: 10 }, (_, i) => `m${i}`))
  } finally {
    await consumer.disconnect()
  }
  // "All resolved offsets will be automatically committed after the function is executed."
  assert.equal((await committed(kafka, groupId, topic))[1], '10')
})

test('Consuming.md: partitionsConsumedConcurrently: 3', T, async () => {
  const kafka = gettingStartedClient()
  const topic = unique('topic-A')
  await createTopic(kafka, topic)
  await produce(kafka, topic, Array.from({ length: 40 }, (_, i) => ({ value: `m${i}`, partition: i % 4 })))
  const consumer = kafka.consumer({ groupId: unique('my-group') })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  // The documented handler does nothing observable: the batches it processed are counted
  // through the instrumentation events.
  let seen = 0
  const partitions = new Set()
  let allDone
  const all = new Promise(resolve => { allDone = resolve })
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    seen += payload.batchSize
    partitions.add(payload.partition)
    if (seen === 40) allDone()
  })
  try {
    // --- docs
    consumer.run({
      partitionsConsumedConcurrently: 3, // Default: 1
      eachMessage: async ({ topic, partition, message }) => {
        // This will be called up to 3 times concurrently
      }
    })
    // --- end
    await all
    assert.deepEqual([...partitions].sort(), [0, 1, 2, 3])
  } finally {
    await consumer.disconnect()
  }
})

// KafkaJS awaits each commit before the next message, so it commits at exactly 100, 200 and 250;
// uvkafka goes on processing while a commit is in flight and commits what is resolved once the
// threshold is reached again after it: the first commit is at 100, each later one at least 100
// further, the last at 250.
test('Consuming.md: autoCommitThreshold: 100 (the fragment, with an eachMessage handler)', T, async () => {
  const kafka = gettingStartedClient()
  const topic = unique('topic-A')
  await createTopic(kafka, topic, 1)
  await produce(kafka, topic, Array.from({ length: 250 }, (_, i) => ({ value: `m${i}` })))
  const consumer = kafka.consumer({ groupId: unique('my-group') })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const commits = []
  let allCommitted
  const all = new Promise(resolve => { allCommitted = resolve })
  consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => {
    for (const t of payload.topics) for (const p of t.partitions) commits.push(p.offset)
    if (commits.includes('250')) allCommitted()
  })
  try {
    // --- docs
    consumer.run({
      autoCommitThreshold: 100,
      // ...
      eachMessage: async ({ topic, partition, message }) => {} // (the test's)
    })
    // --- end
    await all
    assert.equal(commits[0], '100')
    assert.equal(commits[commits.length - 1], '250')
    for (let i = 1; i < commits.length - 1; i++) assert.ok(Number(commits[i]) - Number(commits[i - 1]) >= 100, commits.join())
  } finally {
    await consumer.disconnect()
  }
})

test('Consuming.md: manual committing (autoCommit: false, consumer.commitOffsets)', T, async () => {
  const kafka = gettingStartedClient()
  const A = unique('topic-A')
  const B = unique('topic-B')
  for (const t of [A, B]) await createTopic(kafka, t)
  const groupId = unique('my-group')
  const consumer = kafka.consumer({ groupId })
  await consumer.connect()
  await consumer.subscribe({ topics: [A, B] })
  const commits = nextEvent(consumer, consumer.events.COMMIT_OFFSETS)
  const joined = nextEvent(consumer, consumer.events.GROUP_JOIN)
  try {
    // --- docs
    consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        // Process the message somehow
      }
    })
    // --- end
    // Called at once, before the member has joined, uvkafka's commitOffsets rejects (see the
    // next test): here the join happens first.
    await joined
    // --- docs
    consumer.commitOffsets([
      { topic: A, partition: 0, offset: '1' },
      { topic: A, partition: 1, offset: '3' },
      { topic: B, partition: 0, offset: '2' }
    ])
    // --- end
    await commits
  } finally {
    await consumer.disconnect()
  }
  assert.deepEqual(await committed(kafka, groupId, A), { 0: '1', 1: '3', 2: '-1', 3: '-1' })
  assert.deepEqual(await committed(kafka, groupId, B), { 0: '2', 1: '-1', 2: '-1', 3: '-1' })
})

test('Consuming.md: manual committing, commitOffsets called at once after run (as documented)', {
  ...T,
}, async () => {
  const kafka = gettingStartedClient()
  const A = unique('topic-A')
  const B = unique('topic-B')
  for (const t of [A, B]) await createTopic(kafka, t)
  const groupId = unique('my-group')
  const consumer = kafka.consumer({ groupId })
  await consumer.connect()
  await consumer.subscribe({ topics: [A, B] })
  let result
  try {
    consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        // Process the message somehow
      }
    })
    result = await consumer.commitOffsets([
      { topic: A, partition: 0, offset: '1' },
      { topic: A, partition: 1, offset: '3' },
      { topic: B, partition: 0, offset: '2' }
    ]).then(() => 'committed', e => `${e.name}: ${e.message}`)
  } finally {
    await consumer.disconnect()
  }
  assert.equal(result, 'committed')
  assert.deepEqual(await committed(kafka, groupId, A), { 0: '1', 1: '3', 2: '-1', 3: '-1' })
})

// The pause examples' dependency: refuses the first call (TooManyRequestsError, retry after
// 50 ms), accepts the next ones.
class TooManyRequestsError extends Error {
  constructor () {
    super('too many requests')
    this.retryAfter = 0.05
  }
}
function dependency (onRefuse) {
  const calls = []
  let accepted
  const acceptedP = new Promise(resolve => { accepted = resolve })
  const sendToDependency = async message => {
    calls.push(message.offset)
    if (calls.length === 1) {
      setImmediate(onRefuse) // after the example's catch block has run
      throw new TooManyRequestsError()
    }
    accepted(message)
  }
  return { calls, sendToDependency, accepted: acceptedP }
}

for (const variant of ['consumer.pause([{ topic }])', 'consumer.pause([{ topic, partitions: [partition] }])', 'pause()']) {
  test(`Consuming.md: pause & resume with ${variant}, consumer.paused()`, T, async () => {
    const console = recorder()
    const kafka = gettingStartedClient()
    const jobs = unique('jobs')
    await createTopic(kafka, jobs, 2)
    const consumer = kafka.consumer({ groupId: unique('my-group') })
    let pausedAtRefusal = null
    const { calls, sendToDependency, accepted } = dependency(() => {
      pausedAtRefusal = consumer.paused()
      // --- docs
      const pausedTopicPartitions = consumer.paused()

      for (const topicPartitions of pausedTopicPartitions) {
        const { topic, partitions } = topicPartitions
        console.log({ topic, partitions })
      }
      // --- end
    })
    // The first fetch: the member has joined and knows where the (latest) start is.
    const joined = nextEvent(consumer, consumer.events.FETCH_START)
    try {
      if (variant === 'consumer.pause([{ topic }])') {
        // --- docs
        await consumer.connect()
        await consumer.subscribe({ topics: [jobs] })

        await consumer.run({
          eachMessage: async ({ topic, message }) => {
            try {
              await sendToDependency(message)
            } catch (e) {
              if (e instanceof TooManyRequestsError) {
                consumer.pause([{ topic }])
                setTimeout(() => consumer.resume([{ topic }]), e.retryAfter * 1000)
              }

              throw e
            }
          }
        })
        // --- end
      } else if (variant === 'pause()') {
        // --- docs
        await consumer.connect()
        await consumer.subscribe({ topics: [jobs] })

        await consumer.run({
          eachMessage: async ({ topic, message, pause }) => {
            try {
              await sendToDependency(message)
            } catch (e) {
              if (e instanceof TooManyRequestsError) {
                const resumeThisPartition = pause()
                // Other partitions that are paused will continue to be paused
                setTimeout(resumeThisPartition, e.retryAfter * 1000)
              }

              throw e
            }
          }
        })
        // --- end
      } else {
        await consumer.connect()
        await consumer.subscribe({ topics: [jobs] })
        // --- docs
        consumer.run({
          partitionsConsumedConcurrently: 3, // Default: 1
          eachMessage: async ({ topic, partition, message }) => {
            // This will be called up to 3 times concurrently
            try {
              await sendToDependency(message)
            } catch (e) {
              if (e instanceof TooManyRequestsError) {
                consumer.pause([{ topic, partitions: [partition] }])
                // Other partitions will keep fetching and processing, until if / when
                // they also get throttled
                setTimeout(() => {
                  consumer.resume([{ topic, partitions: [partition] }])
                  // Other partitions that are paused will continue to be paused
                }, e.retryAfter * 1000)
              }

              throw e
            }
          }
        })
        // --- end
      }
      await joined
      // The subscription starts at the end: the job is produced once the member fetches.
      await produce(kafka, jobs, [{ value: 'job-1', partition: 1 }])
      const message = await accepted
      assert.equal(str(message.value), 'job-1')
      // Refused, paused, resumed after retryAfter, and the same message delivered again.
      assert.deepEqual(calls, ['0', '0'])
      const expectPaused = variant === 'consumer.pause([{ topic }])' ? [0, 1] : [1]
      assert.deepEqual(pausedAtRefusal.map(tp => ({ topic: tp.topic, partitions: tp.partitions.slice().sort() })),
        [{ topic: jobs, partitions: expectPaused }])
      assert.deepEqual(console.entries.map(e => ({ topic: e.topic, partitions: e.partitions.slice().sort() })),
        [{ topic: jobs, partitions: expectPaused }])
      assert.deepEqual(consumer.paused(), [])
    } finally {
      await consumer.disconnect()
    }
  })
}

test('Consuming.md: seek (after run, not awaited), with and without autoCommit', {
  ...T,
}, async () => {
  const kafka = gettingStartedClient()
  const example = unique('example')
  await createTopic(kafka, example, 1)
  const producer = kafka.producer()
  await producer.connect()
  try {
    const messages = Array.from({ length: 1000 }, (_, i) => ({ value: `v${i}` }))
    for (let i = 0; i < 13; i++) await producer.send({ topic: example, messages })
  } finally {
    await producer.disconnect()
  }
  for (const autoCommit of [true, false]) {
    const groupId = unique('my-group')
    const consumer = kafka.consumer({ groupId })
    const firstBatch = nextEvent(consumer, consumer.events.START_BATCH_PROCESS)
    const lastBatch = nextEvent(consumer, consumer.events.END_BATCH_PROCESS, p => p.lastOffset === '12999')
    try {
      if (autoCommit) {
        // --- docs
        await consumer.connect()
        await consumer.subscribe({ topics: [example] })

        // you don't need to await consumer#run
        consumer.run({ eachMessage: async ({ topic, message }) => true })
        consumer.seek({ topic: example, partition: 0, offset: 12384 })
        // --- end
      } else {
        await consumer.connect()
        await consumer.subscribe({ topics: [example] })
        // --- docs
        consumer.run({
          autoCommit: false,
          eachMessage: async ({ topic, message }) => true
        })
        // This will now only resolve the previous offset, not commit it
        consumer.seek({ topic: example, partition: 0, offset: '12384' })
        // --- end
      }
      assert.equal((await firstBatch).payload.firstOffset, '12384')
      await lastBatch
    } finally {
      await consumer.disconnect()
    }
    assert.deepEqual(await committed(kafka, groupId, example), { 0: autoCommit ? '13000' : '-1' })
  }
})

test('Consuming.md: custom partition assigner (AssignerProtocol), alongside roundRobin', T, async () => {
  const kafka = gettingStartedClient()
  const topic = unique('topic')
  await createTopic(kafka, topic, 4)
  // The documented assigner comes in fragments: name and version from the first, assign from the
  // second (its myCustomAssignmentArray and assignment defined here: partitions 1 and 3 only),
  // protocol from the third.
  const { AssignerProtocol: { MemberAssignment } } = require('..')
  const { AssignerProtocol: { MemberMetadata } } = require('..')
  const MyPartitionAssigner = ({ cluster }) => ({
    name: 'MyPartitionAssigner',
    version: 1,
    async assign ({ members, topics }) {
      const myCustomAssignmentArray = members.map(m => m.memberId)
      const assignment = Object.fromEntries(myCustomAssignmentArray.map(id => [id, { [topics[0]]: [1, 3] }]))
      // --- docs
      // perform assignment
      return myCustomAssignmentArray.map(memberId => ({
        memberId,
        memberAssignment: MemberAssignment.encode({
          version: this.version,
          assignment: assignment[memberId]
        })
      }))
      // --- end
    },
    protocol ({ topics }) {
      // --- docs
      return {
        name: this.name,
        metadata: MemberMetadata.encode({
          version: this.version,
          topics
        })
      }
      // --- end
    }
  })
  const groupId = unique('my-group')
  // --- docs
  const { PartitionAssigners: { roundRobin } } = require('..')

  const consumer = kafka.consumer({
    groupId,
    partitionAssigners: [
      MyPartitionAssigner,
      roundRobin
    ]
  })
  // --- end
  const joined = nextEvent(consumer, consumer.events.GROUP_JOIN)
  try {
    await consumer.connect()
    await consumer.subscribe({ topics: [topic] })
    await consumer.run({ eachMessage: async () => {} })
    const { payload } = await joined
    assert.equal(payload.groupProtocol, 'MyPartitionAssigner')
    assert.deepEqual(payload.memberAssignment, { [topic]: [1, 3] })
    const data = await consumer.describeGroup()
    assert.equal(data.protocol, 'MyPartitionAssigner')
    const decoded = MemberAssignment.decode(data.members[0].memberAssignment)
    assert.equal(decoded.version, 1)
    assert.deepEqual(decoded.assignment, { [topic]: [1, 3] })
    assert.deepEqual(MemberMetadata.decode(data.members[0].memberMetadata).topics, [topic])
  } finally {
    await consumer.disconnect()
  }
})

// ------------------------------------------------------------------------------------------------
// Transactions.md

test('Transactions.md: send within a transaction and commit; sendOffsets', T, async () => {
  const topic = unique('topic')
  const input = unique('input')
  await createTopic(gettingStartedClient(), input, 2)
  const consumerGroupId = unique('my-group')
  const messages = [{ key: 'a', value: 'in a transaction' }, { key: 'b', value: 'also in it' }]
  // --- docs
  const { Kafka } = require('..')
  const client = new Kafka({
    clientId: 'transactional-client',
    brokers: brokerList()
  })
  const producer = client.producer({
    transactionalId: unique('my-transactional-producer'),
    maxInFlightRequests: 1,
    idempotent: true
  })
  // --- end
  await producer.connect()
  let failure = null
  try {
    // --- docs
    const transaction = await producer.transaction()

    try {
      await transaction.send({ topic, messages })

      await transaction.commit()
    } catch (e) {
      await transaction.abort()
      failure = e // (the test's)
    }
    // --- end
    assert.equal(failure, null)
    assert.equal(transaction.isActive(), false)
    {
      const topics = [{ topic: input, partitions: [{ partition: 0, offset: '5' }, { partition: 1, offset: '7' }] }]
      const transaction = await producer.transaction()
      // --- docs
      await transaction.sendOffsets({
        consumerGroupId, topics
      })
      // --- end
      await transaction.commit()
    }
  } finally {
    await producer.disconnect()
  }
  const got = await readBack(client, topic, 2, { readUncommitted: false })
  assert.deepEqual(got.map(m => str(m.value)).sort(), ['also in it', 'in a transaction'])
  assert.deepEqual(await committed(client, consumerGroupId, input), { 0: '5', 1: '7' })
})

// ------------------------------------------------------------------------------------------------
// Admin.md

test('Admin.md: connect / disconnect, listTopics, createTopics, fetchTopicMetadata, createPartitions, deleteTopics', T, async () => {
  const kafka = gettingStartedClient()
  const topic = unique('topic-name')
  // --- docs
  const admin = kafka.admin()

  // remember to connect and disconnect when you are done
  await admin.connect()
  // --- end
  try {
    const created = await admin.createTopics({
      validateOnly: false,
      waitForLeaders: true,
      timeout: 5000,
      topics: [{
        topic,
        numPartitions: 2,
        replicationFactor: 1,
        replicaAssignment: [],
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }]
      }]
    })
    assert.equal(created, true)
    assert.equal(await admin.createTopics({ topics: [{ topic }] }), false, 'false if the topic already exists')
    // --- docs
    const topics = await admin.listTopics()
    // [ 'topic-1', 'topic-2', 'topic-3', ... ]
    // --- end
    assert.ok(topics.includes(topic))
    {
      // --- docs
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] })
      // --- end
      assert.equal(metadata.topics.length, 1)
      assert.equal(metadata.topics[0].name, topic)
      assert.deepEqual(metadata.topics[0].partitions.map(p => p.partitionId).sort(), [0, 1])
      for (const p of metadata.topics[0].partitions) {
        assert.equal(p.partitionErrorCode, 0)
        assert.equal(typeof p.leader, 'number')
      }
    }
    {
      // --- docs
      await admin.createPartitions({
        validateOnly: false,
        timeout: 5000,
        topicPartitions: [{ topic, count: 5 }]
      })
      // --- end
      const all = await admin.fetchTopicMetadata()
      const mine = all.topics.find(t => t.name === topic)
      assert.equal(mine.partitions.length, 5)
    }
    await assert.rejects(admin.fetchTopicMetadata({ topics: [unique('missing')] }),
      'throws if any of the provided topics do not exist')
    // --- docs
    await admin.deleteTopics({
      topics: [topic],
      timeout: 5000 // default: 5000
    })
    // --- end
    assert.ok(!(await admin.listTopics()).includes(topic))
  } finally {
    // --- docs
    await admin.disconnect()
    // --- end
  }
})

test('Admin.md: fetchTopicOffsets, fetchTopicOffsetsByTimestamp, fetchOffsets, resetOffsets, setOffsets', T, async () => {
  const kafka = gettingStartedClient()
  const topic = unique('custom-topic')
  await createTopic(kafka, topic, 4)
  const t0 = Date.now() - 60000
  const timestamp = t0 + 30000
  await produce(kafka, topic, [
    ...Array.from({ length: 40 }, (_, i) => ({ value: `old${i}`, partition: i % 4, timestamp: String(t0) })),
    ...Array.from({ length: 8 }, (_, i) => ({ value: `new${i}`, partition: i % 4, timestamp: String(timestamp + 1000) }))
  ])
  const groupId = unique('my-consumer-group')
  const admin = kafka.admin()
  await admin.connect()
  try {
    const byPartition = rows => Object.fromEntries(rows.map(({ partition, ...rest }) => [partition, rest]))
    {
      // --- docs
      const offsets = await admin.fetchTopicOffsets(topic)
      // --- end
      assert.deepEqual(byPartition(offsets), {
        0: { offset: '12', high: '12', low: '0' },
        1: { offset: '12', high: '12', low: '0' },
        2: { offset: '12', high: '12', low: '0' },
        3: { offset: '12', high: '12', low: '0' }
      })
    }
    {
      // --- docs
      const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, timestamp)
      // --- end
      assert.deepEqual(byPartition(offsets), { 0: { offset: '10' }, 1: { offset: '10' }, 2: { offset: '10' }, 3: { offset: '10' } })
    }
    // --- docs
    await admin.setOffsets({
      groupId,
      topic,
      partitions: [
        { partition: 0, offset: '35' },
        { partition: 3, offset: '19' }
      ]
    })
    // --- end
    {
      // --- docs
      const offsets = await admin.fetchOffsets({ groupId, topics: [topic] })
      // --- end
      assert.equal(offsets.length, 1)
      assert.equal(offsets[0].topic, topic)
      assert.deepEqual(byPartition(offsets[0].partitions.map(({ partition, offset }) => ({ partition, offset }))),
        { 0: { offset: '35' }, 1: { offset: '-1' }, 2: { offset: '-1' }, 3: { offset: '19' } })
    }
    {
      // resetOffsets (to the latest by default, or the earliest), as fetchOffsets resolves them.
      await admin.resetOffsets({ groupId, topic })
      const latest = await admin.fetchOffsets({ groupId, topics: [topic], resolveOffsets: true })
      assert.deepEqual(latest[0].partitions.map(p => p.offset), ['12', '12', '12', '12'])
      // --- docs
      await admin.resetOffsets({ groupId, topic, earliest: true })
      // --- end
      const earliest = await admin.fetchOffsets({ groupId, topics: [topic], resolveOffsets: true })
      assert.deepEqual(earliest[0].partitions.map(p => p.offset), ['0', '0', '0', '0'])
    }
    // --- docs
    await admin.setOffsets({ groupId, topic, partitions: await admin.fetchTopicOffsetsByTimestamp(topic, timestamp) })
    // --- end
    assert.deepEqual(Object.values(await committed(kafka, groupId, topic)), ['10', '10', '10', '10'])
    {
      // Omit topics: every topic with committed offsets.
      const all = await admin.fetchOffsets({ groupId })
      assert.deepEqual(all.map(t => t.topic), [topic])
    }
    // deleteTopicRecords, on a topic whose partition 0 has 40 records and partition 3 has 5.
    const customTopic = unique('custom-topic')
    await admin.createTopics({ topics: [{ topic: customTopic, numPartitions: 4 }] })
    await produce(kafka, customTopic, [
      ...Array.from({ length: 40 }, (_, i) => ({ value: `p0-${i}`, partition: 0 })),
      ...Array.from({ length: 5 }, (_, i) => ({ value: `p3-${i}`, partition: 3 }))
    ])
    // --- docs
    await admin.deleteTopicRecords({
      topic: customTopic,
      partitions: [
        { partition: 0, offset: '30' }, // delete up to and including offset 29
        { partition: 3, offset: '-1' } // delete all available records on this partition
      ]
    })
    // --- end
    const after = byPartition(await admin.fetchTopicOffsets(customTopic))
    assert.deepEqual(after, {
      0: { offset: '40', high: '40', low: '30' },
      1: { offset: '0', high: '0', low: '0' },
      2: { offset: '0', high: '0', low: '0' },
      3: { offset: '5', high: '5', low: '5' }
    })
  } finally {
    await admin.disconnect()
  }
})

test('Admin.md: describeCluster, describeConfigs, alterConfigs', T, async () => {
  const kafka = gettingStartedClient()
  const topicName = unique('topic-name')
  await createTopic(kafka, topicName, 1)
  const admin = kafka.admin()
  await admin.connect()
  try {
    // --- docs
    const cluster = await admin.describeCluster()
    // --- end
    assert.ok(cluster.brokers.length >= 1)
    const [host, port] = brokerList()[0].split(':')
    assert.ok(cluster.brokers.some(b => b.host === host && b.port === Number(port)), JSON.stringify(cluster))
    assert.ok(cluster.brokers.some(b => b.nodeId === cluster.controller))
    assert.equal(typeof cluster.clusterId, 'string')
    {
      // --- docs
      const { ConfigResourceTypes } = require('..')

      const all = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topicName
          }
        ]
      })
      // --- end
      assert.equal(all.resources.length, 1)
      assert.equal(all.resources[0].resourceName, topicName)
      assert.equal(all.resources[0].resourceType, ConfigResourceTypes.TOPIC)
      assert.equal(all.resources[0].errorCode, 0)
      assert.ok(all.resources[0].configEntries.length > 10)
    }
    {
      // --- docs
      const { ConfigResourceTypes } = require('..')

      const specific = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topicName,
            configNames: ['cleanup.policy']
          }
        ]
      })
      // --- end
      const [entry] = specific.resources[0].configEntries
      assert.equal(specific.resources[0].configEntries.length, 1)
      assert.deepEqual({ ...entry, configSynonyms: undefined }, {
        configName: 'cleanup.policy',
        configValue: 'delete',
        isDefault: true,
        configSource: 5,
        isSensitive: false,
        readOnly: false,
        configSynonyms: undefined
      })
    }
    {
      // --- docs
      const { ConfigResourceTypes } = require('..')

      const altered = await admin.alterConfigs({
        resources: [{
          type: ConfigResourceTypes.TOPIC,
          name: topicName,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }]
        }]
      })
      // --- end
      assert.deepEqual(altered.resources, [{ errorCode: 0, errorMessage: null, resourceName: topicName, resourceType: 2 }])
      // The brokers apply a topic's new config from the metadata log a moment after the
      // controller took it: on 3 nodes the next describe may reach one that has not yet.
      const describe = () => admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topicName, configNames: ['cleanup.policy'] }]
      })
      let now = await describe()
      for (let i = 0; i < 100 && now.resources[0].configEntries[0].configValue !== 'compact'; i++) {
        await new Promise(resolve => setTimeout(resolve, 50))
        now = await describe()
      }
      assert.equal(now.resources[0].configEntries[0].configValue, 'compact')
      assert.equal(now.resources[0].configEntries[0].isDefault, false)
    }
  } finally {
    await admin.disconnect()
  }
})

test('Admin.md: listGroups, describeGroups, deleteGroups (and KafkaJSDeleteGroupsError)', T, async () => {
  const kafka = gettingStartedClient()
  const topic = unique('topic')
  await produce(kafka, topic, [{ value: 'x' }])
  const testgroup = unique('testgroup')
  const consumer = kafka.consumer({ groupId: testgroup })
  const admin = kafka.admin()
  await admin.connect()
  try {
    const joined = nextEvent(consumer, consumer.events.GROUP_JOIN)
    await consumer.connect()
    await consumer.subscribe({ topics: [topic] })
    await consumer.run({ eachMessage: async () => {} })
    const { payload } = await joined
    {
      // --- docs
      const { groups } = await admin.listGroups()
      // --- end
      assert.deepEqual(groups.find(g => g.groupId === testgroup), { groupId: testgroup, protocolType: 'consumer' })
    }
    {
      // --- docs
      const { groups } = await admin.describeGroups([testgroup])
      // --- end
      assert.equal(groups.length, 1)
      const [g] = groups
      assert.equal(g.groupId, testgroup)
      assert.equal(g.protocol, 'RoundRobinAssigner')
      assert.equal(g.protocolType, 'consumer')
      assert.equal(g.state, 'Stable')
      assert.equal(g.members.length, 1)
      assert.equal(g.members[0].memberId, payload.memberId)
      assert.equal(g.members[0].clientId, 'my-app')
      // --- docs
      const { AssignerProtocol } = require('..')
      const memberMetadata = AssignerProtocol.MemberMetadata.decode(g.members[0].memberMetadata)
      const memberAssignment = AssignerProtocol.MemberAssignment.decode(g.members[0].memberAssignment)
      // --- end
      assert.deepEqual(memberMetadata.topics, [topic])
      assert.deepEqual(memberAssignment.assignment, { [topic]: [0, 1, 2, 3] })
    }
    // "Note that you can only delete groups with no connected consumers."
    await assert.rejects(admin.deleteGroups([testgroup]), e => e.name === 'KafkaJSDeleteGroupsError' &&
      e.groups.length === 1 && e.groups[0].groupId === testgroup && e.groups[0].error.type === 'NON_EMPTY_GROUP')
    await consumer.disconnect()
    // --- docs
    const result = await admin.deleteGroups([testgroup])
    // --- end
    assert.deepEqual(result, [{ groupId: testgroup, errorCode: 0 }])
    assert.ok(!(await admin.listGroups()).groups.some(g => g.groupId === testgroup))
    const [a, b, c] = ['a', 'b', 'c'].map(unique)
    let error = null
    // --- docs
    try {
      await admin.deleteGroups([a, b, c])
    } catch (e) {
      // error.name 'KafkaJSDeleteGroupsError'
      // error.groups = [{
      //   groupId: a
      //   error: KafkaJSProtocolError
      // }]
      error = e // (the test's)
    }
    // --- end
    assert.equal(error.name, 'KafkaJSDeleteGroupsError')
    assert.deepEqual(error.groups.map(g => [g.groupId, g.error.name, g.error.type]), [
      [a, 'KafkaJSProtocolError', 'GROUP_ID_NOT_FOUND'],
      [b, 'KafkaJSProtocolError', 'GROUP_ID_NOT_FOUND'],
      [c, 'KafkaJSProtocolError', 'GROUP_ID_NOT_FOUND']
    ])
  } finally {
    await consumer.disconnect()
    await admin.disconnect()
  }
})

// A documented difference (docs/node.md): KafkaJS commits the markers -1 / -2, uvkafka the offsets
// they stand for, so fetchOffsets({resolveOffsets: false}) already shows the end offset.
test('Admin.md: resetOffsets, then fetchOffsets with resolveOffsets false / true', T, async () => {
  const kafka = gettingStartedClient()
  const topic = unique('topic')
  await createTopic(kafka, topic, 4)
  await produce(kafka, topic, Array.from({ length: 8 }, (_, i) => ({ value: `m${i}`, partition: i % 4 })))
  const groupId = unique('group')
  const admin = kafka.admin()
  await admin.connect()
  try {
    // --- docs
    await admin.resetOffsets({ groupId, topic })
    const unresolved = await admin.fetchOffsets({ groupId, topics: [topic], resolveOffsets: false })
    // --- end
    // --- docs
    await admin.resetOffsets({ groupId, topic })
    const resolved = await admin.fetchOffsets({ groupId, topics: [topic], resolveOffsets: true })
    // --- end
    assert.deepEqual(resolved[0].partitions.map(p => p.offset), ['2', '2', '2', '2'])
    assert.deepEqual(unresolved[0].partitions.map(p => p.offset), ['2', '2', '2', '2'])
  } finally {
    await admin.disconnect()
  }
})

test('Admin.md: fetchTopicMetadata partitions have replicas and isr (and offlineReplicas)', T, async () => {
  const kafka = gettingStartedClient()
  const topicName = unique('topic-name')
  await createTopic(kafka, topicName, 2)
  await withAdmin(kafka, async admin => {
    const metadata = await admin.fetchTopicMetadata({ topics: [topicName] })
    const brokers = (await admin.describeCluster()).brokers.map(b => b.nodeId)
    for (const p of metadata.topics[0].partitions) {
      assert.ok(p.replicas.length >= 1 && p.replicas.every(r => brokers.includes(r)), `partition ${p.partitionId}: ${p.replicas}`)
      assert.ok(p.replicas.includes(p.leader), `partition ${p.partitionId}: leader ${p.leader} not in ${p.replicas}`)
      assert.ok(p.isr.includes(p.leader) && p.isr.every(r => p.replicas.includes(r)), `partition ${p.partitionId}: isr ${p.isr}`)
      assert.deepEqual(p.offlineReplicas, [], `partition ${p.partitionId}`)
    }
  })
})

test('Admin.md: createAcls, describeAcls, deleteAcls', T, async () => {
  const kafka = gettingStartedClient()
  const topicName = unique('topic-name')
  const admin = kafka.admin()
  await admin.connect()
  const {
    AclResourceTypes,
    AclOperationTypes,
    AclPermissionTypes,
    ResourcePatternTypes
  } = require('..')
  try {
    {
      // --- docs
      const acl = [
        {
          resourceType: AclResourceTypes.TOPIC,
          resourceName: topicName,
          resourcePatternType: ResourcePatternTypes.LITERAL,
          principal: 'User:bob',
          host: '*',
          operation: AclOperationTypes.ALL,
          permissionType: AclPermissionTypes.DENY
        },
        {
          resourceType: AclResourceTypes.TOPIC,
          resourceName: topicName,
          resourcePatternType: ResourcePatternTypes.LITERAL,
          principal: 'User:alice',
          host: '*',
          operation: AclOperationTypes.ALL,
          permissionType: AclPermissionTypes.ALLOW
        }
      ]

      await admin.createAcls({ acl })
      // --- end
    }
    // The documented describeAcls call (its unterminated 'topic-name, string closed) names the
    // pattern type resourcePatternTypeFilter; KafkaJS 2.2.4 itself rejects that with this message.
    await assert.rejects(
      // --- docs
      admin.describeAcls({
        resourceName: topicName,
        resourceType: AclResourceTypes.TOPIC,
        host: '*',
        permissionType: AclPermissionTypes.ALLOW,
        operation: AclOperationTypes.ANY,
        resourcePatternTypeFilter: ResourcePatternTypes.LITERAL
      }),
      // --- end
      { name: 'KafkaJSNonRetriableError', message: 'Invalid resource pattern filter type undefined' })
    // The broker that answers describeAcls may learn of a new ACL a moment after the controller
    // took it (3 nodes; no event says when): ask until it shows, at most 10 s.
    let described
    for (let i = 0; i < 100; i++) {
      described = await admin.describeAcls({
        resourceName: topicName,
        resourceType: AclResourceTypes.TOPIC,
        host: '*',
        permissionType: AclPermissionTypes.ALLOW,
        operation: AclOperationTypes.ANY,
        resourcePatternType: ResourcePatternTypes.LITERAL
      })
      if (described.resources.length) break
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    assert.deepEqual(described.resources, [{
      resourceType: AclResourceTypes.TOPIC,
      resourceName: topicName,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      acls: [{ principal: 'User:alice', host: '*', operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.ALLOW }]
    }])
    {
      // --- docs
      const acl = {
        resourceName: topicName,
        resourceType: AclResourceTypes.TOPIC,
        host: '*',
        permissionType: AclPermissionTypes.ALLOW,
        operation: AclOperationTypes.ANY,
        resourcePatternType: ResourcePatternTypes.LITERAL
      }

      const deleted = await admin.deleteAcls({ filters: [acl] })
      // --- end
      assert.deepEqual(deleted.filterResponses, [{
        errorCode: 0,
        errorMessage: null,
        matchingAcls: [{
          errorCode: 0,
          errorMessage: null,
          resourceType: AclResourceTypes.TOPIC,
          resourceName: topicName,
          resourcePatternType: ResourcePatternTypes.LITERAL,
          principal: 'User:alice',
          host: '*',
          operation: AclOperationTypes.ALL,
          permissionType: AclPermissionTypes.ALLOW
        }]
      }])
    }
  } finally {
    // Bob's DENY (and anything left) goes too.
    await admin.deleteAcls({
      filters: [{
        resourceName: topicName,
        resourceType: AclResourceTypes.TOPIC,
        permissionType: AclPermissionTypes.ANY,
        operation: AclOperationTypes.ANY,
        resourcePatternType: ResourcePatternTypes.LITERAL
      }]
    }).finally(() => admin.disconnect())
  }
})

test('Admin.md: alterPartitionReassignments, listPartitionReassignments', T, async () => {
  const kafka = gettingStartedClient()
  const topic = unique('topic')
  await createTopic(kafka, topic, 1)
  const admin = kafka.admin()
  await admin.connect()
  try {
    const { brokers } = await admin.describeCluster()
    // --- docs
    await admin.alterPartitionReassignments({
      topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: [brokers[0].nodeId] }] }],
      timeout: 5000 // optional - 5000 default
    })
    // --- end
    // --- docs
    const response = await admin.listPartitionReassignments({
      topics: [{ topic, partitions: [0] }], // optional, if null then all topics will be returned.
      timeout: 5000 // optional - 5000 default
    })
    // --- end
    // Replicas already where they go: nothing ongoing, so the partition is not listed.
    assert.deepEqual(response, { topics: [] })
  } finally {
    await admin.disconnect()
  }
})
