'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { kafka, unique } = require('./helpers')

async function readValues (k, topic, until, opts = {}) {
  const consumer = k.consumer(Object.assign({ groupId: unique('node-txn-read') }, opts))
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: !opts.groupId })
  const values = []
  await new Promise(resolve => {
    consumer.run({
      eachMessage: async ({ message }) => {
        values.push({ offset: message.offset, value: message.value.toString() })
        if (message.value.toString() === until) resolve()
      }
    })
  })
  await consumer.disconnect()
  return values
}

test('transactions: committed sends are read read_committed, aborted ones only read_uncommitted', async () => {
  const k = kafka()
  const topic = unique('node-txn')
  const producer = k.producer({ transactionalId: unique('node-tx'), maxInFlightRequests: 1, idempotent: true })
  await producer.connect()
  await assert.rejects(producer.send({ topic, messages: [{ value: 'outside' }] }), /must use transactions/)
  const t1 = await producer.transaction()
  assert.equal(t1.isActive(), true)
  await assert.rejects(producer.transaction(), /already an ongoing transaction/)
  await t1.send({ topic, messages: [{ value: 'c1', partition: 0 }, { value: 'c2', partition: 0 }] })
  await t1.commit()
  assert.equal(t1.isActive(), false)
  await assert.rejects(t1.send({ topic, messages: [{ value: 'late' }] }), /Cannot continue to use transaction once ended/)
  const t2 = await producer.transaction()
  await t2.sendBatch({ topicMessages: [{ topic, messages: [{ value: 'a1', partition: 0 }] }] })
  await t2.abort()
  const t3 = await producer.transaction()
  await t3.send({ topic, messages: [{ value: 'c3', partition: 0 }] })
  await t3.commit()
  await producer.disconnect()
  const committed = await readValues(k, topic, 'c3')
  assert.deepEqual(committed.map(v => v.value), ['c1', 'c2', 'c3'])
  const all = await readValues(k, topic, 'c3', { readUncommitted: true })
  assert.deepEqual(all.map(v => v.value), ['c1', 'c2', 'a1', 'c3'])
})

test('transactions: sendOffsets commits the group offsets with the transaction', async () => {
  const k = kafka()
  const topic = unique('node-txn-offsets')
  const groupId = unique('node-txn-group')
  const plain = k.producer()
  await plain.connect()
  await plain.send({ topic, messages: ['m0', 'm1', 'm2', 'm3'].map(value => ({ value, partition: 0 })) })
  const producer = k.producer({ transactionalId: unique('node-tx'), maxInFlightRequests: 1, idempotent: true })
  await producer.connect()
  const tx = await producer.transaction()
  await tx.send({ topic: unique('node-txn-out'), messages: [{ value: 'out' }] })
  await assert.rejects(tx.sendOffsets({ topics: [] }), /Invalid consumer group id/)
  await tx.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset: '2' }] }] })
  await tx.commit()
  await producer.disconnect()
  await plain.disconnect()
  // A member of the group starts where the transaction left it.
  const values = await readValues(k, topic, 'm3', { groupId })
  assert.deepEqual(values, [{ offset: '2', value: 'm2' }, { offset: '3', value: 'm3' }])
})

test('transactions: after a commit that failed (a send the broker refused), abort() ends it, as in KafkaJS\'s example', async () => {
  const k = kafka()
  const topic = unique('node-txn-small')
  const admin = k.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '200' }] }] })
  await admin.disconnect()
  const producer = k.producer({ transactionalId: unique('node-tx'), maxInFlightRequests: 1, idempotent: true })
  await producer.connect()
  try {
    const tx = await producer.transaction()
    await assert.rejects(tx.send({ topic, messages: [{ value: Buffer.alloc(1000, 'x') }] }), e => e.type === 'MESSAGE_TOO_LARGE')
    await assert.rejects(tx.commit(), e => e.uvk && e.uvk.code === 'UVK_ESTATE')
    assert.equal(tx.isActive(), true)
    await assert.rejects(producer.transaction(), /already an ongoing transaction/)
    await tx.abort()
    assert.equal(tx.isActive(), false)
    const next = await producer.transaction()
    await next.send({ topic, messages: [{ value: 'fits' }] })
    await next.commit()
  } finally {
    await producer.disconnect()
  }
  const values = await readValues(k, topic, 'fits')
  assert.deepEqual(values.map(v => v.value), ['fits'])
})

test('transactions: a commit that timed out can be called again; the transaction stays active until it ends', async () => {
  const native = require('../lib/native')
  const k = kafka()
  const topic = unique('node-txn-retry')
  const producer = k.producer({ transactionalId: unique('node-tx'), maxInFlightRequests: 1, idempotent: true })
  await producer.connect()
  try {
    const tx = await producer.transaction()
    await tx.send({ topic, messages: [{ value: 'once', partition: 0 }] })
    // The library's answer to a commit past transactionTimeout (its own tests make one happen).
    const commit = native.producerCommit
    native.producerCommit = (h, cb) => cb({ code: 'UVK_ETIMEDOUT', message: 'EndTxn: no answer within transactionTimeout', retriable: true })
    try {
      await assert.rejects(tx.commit(), e => e.retriable === true && e.uvk.code === 'UVK_ETIMEDOUT')
    } finally {
      native.producerCommit = commit
    }
    assert.equal(tx.isActive(), true)
    await tx.commit()
    assert.equal(tx.isActive(), false)
    await assert.rejects(tx.abort(), /Cannot continue to use transaction once ended/)
  } finally {
    await producer.disconnect()
  }
  const values = await readValues(k, topic, 'once')
  assert.deepEqual(values.map(v => v.value), ['once'])
})
