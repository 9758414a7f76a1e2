'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { CompressionTypes, KafkaJSNonRetriableError, KafkaJSError, KafkaJSProtocolError } = require('..')
const { kafka, unique, readBack } = require('./helpers')

test('send returns KafkaJS RecordMetadata and every key, value, header and timestamp reads back', async () => {
  const k = kafka()
  const topic = unique('node-produce')
  const producer = k.producer()
  await producer.connect()
  const messages = []
  for (let i = 0; i < 200; i++) {
    messages.push({
      key: i % 2 ? `key-${i}` : Buffer.from(`key-${i}`),
      value: i === 7 ? null : `value-${i}`,
      timestamp: String(1700000000000 + i),
      headers: { n: String(i), rep: ['a', Buffer.from('b')] }
    })
  }
  const md = await producer.send({ topic, messages })
  assert.ok(Array.isArray(md) && md.length >= 1)
  for (const r of md) {
    assert.deepEqual(Object.keys(r).sort(), ['baseOffset', 'errorCode', 'logAppendTime', 'logStartOffset', 'partition', 'topicName'])
    assert.equal(r.topicName, topic)
    assert.equal(r.errorCode, 0)
    assert.equal(typeof r.baseOffset, 'string')
    assert.match(r.baseOffset, /^\d+$/)
  }
  await producer.disconnect()
  const got = await readBack(k, topic, 200)
  const byKey = new Map(got.map(m => [m.key.toString(), m]))
  assert.equal(byKey.size, 200)
  for (let i = 0; i < 200; i++) {
    const m = byKey.get(`key-${i}`)
    assert.ok(m, `message ${i} missing`)
    if (i === 7) assert.equal(m.value, null)
    else assert.equal(m.value.toString(), `value-${i}`)
    assert.equal(m.timestamp, String(1700000000000 + i))
    assert.equal(m.headers.n.toString(), String(i))
    assert.deepEqual(m.headers.rep.map(String), ['a', 'b'])
  }
})

test('sendBatch writes to several topics; explicit partitions are honoured', async () => {
  const k = kafka()
  const a = unique('node-batch-a')
  const b = unique('node-batch-b')
  const producer = k.producer()
  await producer.connect()
  const md = await producer.sendBatch({
    topicMessages: [
      { topic: a, messages: [{ value: 'a0', partition: 1 }, { value: 'a1', partition: 1 }] },
      { topic: b, messages: [{ value: 'b0', partition: 2 }] }
    ]
  })
  await producer.disconnect()
  const names = md.map(r => `${r.topicName}/${r.partition}`).sort()
  assert.deepEqual(names, [`${a}/1`, `${b}/2`].sort())
  const gotA = await readBack(k, a, 2)
  assert.deepEqual(gotA.map(m => [m.partition, m.value.toString()]), [[1, 'a0'], [1, 'a1']])
})

test('every compression codec round trips', async () => {
  const k = kafka()
  const producer = k.producer()
  await producer.connect()
  for (const [name, codec] of Object.entries(CompressionTypes)) {
    const topic = unique(`node-codec-${name.toLowerCase()}`)
    const messages = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `${name} payload ${i} `.repeat(20) }))
    await producer.send({ topic, messages, compression: codec, acks: 1 })
    const got = await readBack(k, topic, 50)
    const values = new Set(got.map(m => m.value.toString()))
    for (const m of messages) assert.ok(values.has(m.value), `${name}: ${m.key} lost`)
  }
  await producer.disconnect()
})

test('acks 0 completes without metadata ([], as KafkaJS); acks 1 and -1 give offsets', async () => {
  const k = kafka()
  const topic = unique('node-acks')
  const producer = k.producer()
  await producer.connect()
  const r1 = await producer.send({ topic, acks: 1, messages: [{ value: 'one', partition: 0 }] })
  assert.equal(r1[0].baseOffset, '0')
  const r2 = await producer.send({ topic, acks: -1, messages: [{ value: 'two', partition: 0 }] })
  assert.equal(r2[0].baseOffset, '1')
  const r0 = await producer.send({ topic, acks: 0, messages: [{ value: 'zero', partition: 0 }] })
  assert.deepEqual(r0, [])
  await producer.disconnect()
  const got = await readBack(k, topic, 3)
  assert.deepEqual(got.map(m => m.value.toString()), ['one', 'two', 'zero'])
})

test('a custom partitioner written in JavaScript chooses the partition', async () => {
  const k = kafka()
  const topic = unique('node-partitioner')
  const seen = []
  const producer = k.producer({
    createPartitioner: () => ({ topic: t, partitionMetadata, message }) => {
      seen.push({ t, n: partitionMetadata.length, key: message.key && message.key.toString() })
      return partitionMetadata.length - 1
    }
  })
  await producer.connect()
  const md = await producer.send({ topic, messages: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] })
  await producer.disconnect()
  assert.equal(md.length, 1)
  assert.equal(md[0].partition, seen[0].n - 1)
  assert.deepEqual(seen.map(s => s.key), ['a', 'b'])
  assert.equal(seen[0].t, topic)
})

test('bad arguments reject with KafkaJS error classes naming the problem, before anything is sent', async () => {
  const k = kafka()
  const producer = k.producer()
  await producer.connect()
  const topic = unique('node-bad')
  const cases = [
    [{ messages: [{ value: 'x' }] }, /Invalid topic/],
    [{ topic, messages: 'nope' }, /Invalid messages array/],
    [{ topic, messages: [{ key: 'k' }] }, /without value/],
    [{ topic, messages: [null] }, /Invalid message/],
    [{ topic, messages: [{ value: 42 }] }, /message value must be a Buffer, a string or null/],
    [{ topic, messages: [{ value: 'x', key: {} }] }, /message key must be a Buffer, a string or null/],
    [{ topic, messages: [{ value: 'x', partition: -3 }] }, /partition must not be negative/],
    [{ topic, messages: [{ value: 'x', partition: 'abc' }] }, /message partition must be an integer/],
    [{ topic, messages: [{ value: 'x', headers: 'h' }] }, /headers must be an object/],
    [{ topic, messages: [{ value: 'x', headers: { a: 5 } }] }, /header value must be a Buffer/],
    [{ topic, messages: [{ value: 'x', timestamp: 'yesterday' }] }, /timestamp must be an integer/],
    [{ topic, messages: [{ value: 'x' }], acks: 2 }, /acks must be -1, 0 or 1/],
    [{ topic, messages: [{ value: 'x' }], compression: 9 }, /compression must be one of CompressionTypes/],
    [{ topic: 'bad topic!', messages: [{ value: 'x' }] }, /./]
  ]
  for (const [args, re] of cases) {
    await assert.rejects(producer.send(args), e => {
      assert.ok(e instanceof KafkaJSError, `${JSON.stringify(args)}: ${e && e.constructor.name}`)
      assert.match(e.message, re)
      return true
    })
  }
  await assert.rejects(producer.sendBatch({ topicMessages: 'x' }), KafkaJSNonRetriableError)
  await producer.disconnect()
})

test('the addon refuses a malformed flattened send from a caller that bypasses lib/ (no crash)', async () => {
  const native = require('../lib/native')
  const producer = kafka().producer()
  await producer.connect()
  const h = producer._handle
  const topic = unique('node-flat')
  const cb = () => assert.fail('a refused send must not complete')
  const cases = [
    [{}, /messages must be an array/],
    [[], /messages must be an array/],
    [['x'], /messages must be an array/],
    [[[Buffer.from('a')], [null, null]], /columns must be arrays of one length/],
    [[[Buffer.from('a')], null, 'p'], /columns must be arrays of one length/],
    [[[Buffer.from('a')], null, null, null, [{ a: 1 }, {}]], /columns must be arrays of one length/],
    [[[{}]], /message value must be a Buffer, a string or null/],
    [[['a'], null, [-1]], /partition must not be negative/]
  ]
  for (const [flat, re] of cases) assert.throws(() => native.producerSend(h, topic, flat, 1, 1000, 0, cb), re)
  assert.throws(() => native.producerSendBatch(h, [7], 1, 1000, 0, cb), /topicMessages entry must be a \[topic, messages\] pair/)
  const md = await new Promise((resolve, reject) =>
    native.producerSend(h, topic, [[Buffer.from('v')], ['k']], 1, 30000, 0, (err, r) => (err ? reject(err) : resolve(r))))
  assert.equal(md[0].errorCode, 0)
  await producer.disconnect()
})

test('an idempotent producer refuses acks other than -1; a plain producer refuses transactions', async () => {
  const k = kafka()
  const idem = k.producer({ idempotent: true })
  await idem.connect()
  assert.equal(idem.isIdempotent(), true)
  await assert.rejects(idem.send({ topic: unique('node-idem'), acks: 1, messages: [{ value: 'x' }] }), /EoS guarantees/)
  const md = await idem.send({ topic: unique('node-idem'), messages: [{ value: 'x' }] })
  assert.equal(md[0].errorCode, 0)
  await assert.rejects(idem.transaction(), /Must provide transactional id/)
  await idem.disconnect()
})

test('disconnect twice is fine; calls after disconnect reject, never crash', async () => {
  const k = kafka()
  const producer = k.producer()
  await producer.connect()
  await producer.send({ topic: unique('node-after'), messages: [{ value: 'x' }] })
  await Promise.all([producer.disconnect(), producer.disconnect()])
  await producer.disconnect()
  await assert.rejects(producer.send({ topic: 'x', messages: [{ value: 'x' }] }), /The producer is disconnected/)
  await assert.rejects(producer.connect(), /The producer is disconnected/)
})

test('a send to a topic the broker refuses rejects with the broker error', async () => {
  const k = kafka({ retry: { retries: 1, initialRetryTime: 50 } })
  const producer = k.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  await assert.rejects(producer.send({ topic: unique('node-missing'), messages: [{ value: 'x' }] }), e => {
    const root = e.originalError || e
    assert.ok(root instanceof KafkaJSProtocolError, `${e.name}: ${e.message}`)
    assert.equal(root.type, 'UNKNOWN_TOPIC_OR_PARTITION')
    assert.equal(root.code, 3)
    return true
  })
  await producer.disconnect()
})

test('producer events: connect, network.request, disconnect', async () => {
  const k = kafka()
  const producer = k.producer()
  const seen = []
  producer.on(producer.events.CONNECT, e => seen.push(e.type))
  producer.on(producer.events.DISCONNECT, e => seen.push(e.type))
  const requests = []
  const remove = producer.on(producer.events.REQUEST, e => requests.push(e.payload))
  assert.throws(() => producer.on('producer.nope', () => {}), /Event name should be one of/)
  await producer.connect()
  await producer.send({ topic: unique('node-events'), messages: [{ value: 'x' }] })
  remove()
  await producer.disconnect()
  await new Promise(resolve => setImmediate(resolve))
  assert.deepEqual(seen, ['producer.connect', 'producer.disconnect'])
  const produce = requests.find(r => r.apiName === 'Produce')
  assert.ok(produce, `no Produce request among ${requests.map(r => r.apiName)}`)
  for (const key of ['apiKey', 'apiVersion', 'broker', 'clientId', 'correlationId', 'createdAt', 'duration', 'pendingDuration', 'sentAt', 'size']) {
    assert.ok(key in produce, key)
  }
  assert.equal(produce.clientId, 'uvkafka-node-test')
})
