'use strict'
// new Kafka(config): brokers as an async function, logCreator, logLevel, logger(); and the
// consumer's instrumentation events with KafkaJS's payloads.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { Kafka, logLevel } = require('..')
const { brokers, unique, kafka } = require('./helpers')

test('brokers may be an async function; it is called when connecting', async () => {
  let calls = 0
  const k = new Kafka({
    clientId: 'fn-brokers',
    logLevel: logLevel.WARN,
    brokers: async () => {
      calls++
      await new Promise(resolve => setImmediate(resolve))
      return brokers()
    }
  })
  const producer = k.producer()
  await producer.connect()
  const [md] = await producer.send({ topic: unique('node-fnbrokers'), messages: [{ value: 'x' }] })
  assert.equal(md.errorCode, 0)
  await producer.disconnect()
  assert.ok(calls >= 1)
  const bad = new Kafka({ brokers: async () => [], logLevel: logLevel.NOTHING }).producer()
  await assert.rejects(bad.connect(), /returned void or empty array/)
  await bad.disconnect()
})

test('logCreator receives KafkaJS log entries; logLevel filters them; logger() logs through it', async () => {
  const entries = []
  const k = new Kafka({
    clientId: 'logs',
    brokers: ['127.0.0.1:1'],
    retry: { retries: 0 },
    logLevel: logLevel.ERROR,
    logCreator: level => {
      assert.equal(level, logLevel.ERROR)
      return entry => entries.push(entry)
    }
  })
  k.logger().info('not shown')
  k.logger().error('shown', { extra: 1 })
  const producer = k.producer()
  await assert.rejects(producer.connect())
  await producer.disconnect()
  const mine = entries.find(e => e.log.message === 'shown')
  assert.ok(mine)
  assert.equal(mine.label, 'ERROR')
  assert.equal(mine.log.extra, 1)
  assert.equal(mine.log.logger, 'kafkajs')
  assert.ok(!entries.some(e => e.log.message === 'not shown'))
  const native = entries.find(e => e.namespace === 'Connection')
  assert.ok(native, `no Connection entry among ${entries.map(e => e.namespace)}`)
  assert.equal(native.level, logLevel.ERROR)
  assert.match(native.log.message, /127\.0\.0\.1:1|connect/i)
  assert.ok(entries.every(e => e.level <= logLevel.ERROR))
})

test('consumer events carry KafkaJS payloads', async () => {
  const k = kafka()
  const topic = unique('node-cevents')
  const producer = k.producer()
  await producer.connect()
  await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, partition: 0 })) })
  await producer.disconnect()
  const groupId = unique('node-g')
  const consumer = k.consumer({ groupId, maxWaitTimeInMs: 100 })
  const seen = {}
  for (const name of ['GROUP_JOIN', 'FETCH_START', 'FETCH', 'START_BATCH_PROCESS', 'END_BATCH_PROCESS', 'COMMIT_OFFSETS', 'CONNECT', 'STOP', 'DISCONNECT']) {
    consumer.on(consumer.events[name], e => { (seen[name] = seen[name] || []).push(e) })
  }
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  let n = 0
  await new Promise(resolve => consumer.run({ eachMessage: async () => { if (++n === 10) resolve() } }))
  await consumer.disconnect()
  await new Promise(resolve => setImmediate(resolve))
  const join = seen.GROUP_JOIN[0]
  assert.equal(join.type, 'consumer.group_join')
  assert.equal(join.payload.groupId, groupId)
  assert.equal(join.payload.isLeader, true)
  assert.equal(join.payload.groupProtocol, 'RoundRobinAssigner')
  assert.deepEqual(join.payload.memberAssignment[topic].sort(), [0, 1, 2, 3])
  assert.equal(typeof join.payload.duration, 'number')
  const start = seen.START_BATCH_PROCESS.find(e => e.payload.partition === 0)
  assert.equal(start.payload.topic, topic)
  assert.equal(start.payload.batchSize, 10)
  assert.equal(start.payload.firstOffset, '0')
  assert.equal(start.payload.lastOffset, '9')
  assert.ok(seen.END_BATCH_PROCESS.some(e => typeof e.payload.duration === 'number'))
  assert.ok(seen.FETCH.some(e => typeof e.payload.numberOfBatches === 'number' && typeof e.payload.duration === 'number'))
  const commit = seen.COMMIT_OFFSETS.find(e => e.payload.topics.length > 0)
  assert.ok(commit, 'offsets were committed')
  assert.equal(commit.payload.groupId, groupId)
  assert.deepEqual(commit.payload.topics[0].partitions.find(p => p.partition === 0), { partition: 0, offset: '10' })
  assert.equal(seen.CONNECT.length, 1)
  assert.equal(seen.STOP.length, 1)
  assert.equal(seen.DISCONNECT.length, 1)
  const ids = [].concat(...Object.values(seen)).map(e => e.id)
  assert.equal(new Set(ids).size, ids.length, 'event ids are unique')
})

// socketReceiveBufferBytes / socketSendBufferBytes reach the library (which sets the sockets'
// buffers; test/unit/io/socket_buffer_test.cc checks the sockets): a bad size is refused,
// naming the option, and a good one connects and sends.
test('socket buffer sizes go to the library: a bad one is refused, a good one sends', async () => {
  const { KafkaJSError } = require('..')
  for (const [key, value] of [['socketReceiveBufferBytes', -1], ['socketSendBufferBytes', 2 ** 32]]) {
    assert.throws(() => new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING, [key]: value }).producer(),
      err => err instanceof KafkaJSError && err.message.includes(key))
  }
  const k = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING, socketReceiveBufferBytes: 1 << 20, socketSendBufferBytes: 1 << 19 })
  const topic = unique('node-sockbuf')
  const producer = k.producer()
  await producer.connect()
  const [meta] = await producer.send({ topic, messages: [{ value: 'x' }] })
  await producer.disconnect()
  assert.equal(meta.topicName, topic)
  assert.equal(meta.errorCode, 0)
})
