'use strict'
// statisticsIntervalMs: the library's statistics document as a `<prefix>.stats` event.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { KafkaJSError } = require('..')
const { kafka, unique, createTopic } = require('./helpers')

// Resolves with the first STATS event of `owner` for which want(stats) holds.
function nextStats (owner, want) {
  return new Promise(resolve => {
    const remove = owner.on(owner.events.STATS, e => {
      if (!want(e.payload.stats)) return
      remove()
      resolve(e)
    })
  })
}

test('a producer emits producer.stats; txmsgs counts exactly the acknowledged messages', async () => {
  const k = kafka()
  const topic = unique('node-stats-p')
  await createTopic(k, topic, 2)
  const producer = k.producer({ statisticsIntervalMs: 100 })
  await producer.connect()
  const messages = Array.from({ length: 300 }, (_, i) => ({ value: `v${i}` }))
  await producer.send({ topic, acks: -1, messages: messages.slice(0, 150) })
  await producer.send({ topic, acks: -1, messages: messages.slice(150) })
  const e = await nextStats(producer, s => s.txmsgs >= 300)
  await producer.disconnect()
  assert.equal(e.type, 'producer.stats')
  assert.equal(typeof e.payload.json, 'string')
  assert.deepEqual(JSON.parse(e.payload.json), e.payload.stats)
  const s = e.payload.stats
  assert.equal(s.txmsgs, 300)
  assert.equal(s.client_id, 'uvkafka-node-test')
  assert.equal(s.type, 'producer')
  assert.equal(s.msg_cnt, 0)
  assert.ok(Object.keys(s.brokers).length >= 1, 'brokers are listed')
})

test('a consumer emits consumer.stats; rxmsgs reaches the messages handed to eachMessage', async () => {
  const k = kafka()
  const topic = unique('node-stats-c')
  await createTopic(k, topic, 2)
  const producer = k.producer()
  await producer.connect()
  await producer.send({ topic, messages: Array.from({ length: 50 }, (_, i) => ({ value: `v${i}` })) })
  await producer.disconnect()
  const consumer = k.consumer({ groupId: unique('node-stats-g'), statisticsIntervalMs: 100 })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  let seen = 0
  const all = new Promise(resolve => consumer.run({ eachMessage: async () => { if (++seen === 50) resolve() } }))
  await all
  const e = await nextStats(consumer, s => s.rxmsgs >= 50)
  await consumer.disconnect()
  assert.equal(e.type, 'consumer.stats')
  assert.equal(e.payload.stats.rxmsgs, 50)
  assert.equal(e.payload.stats.type, 'consumer')
})

test('a bad statisticsIntervalMs throws when the producer is made, naming the option', () => {
  const k = kafka()
  assert.throws(() => k.producer({ statisticsIntervalMs: -5 }),
    err => err instanceof KafkaJSError && /statisticsIntervalMs/.test(err.message))
})

// eachMessage tells the library of finished messages once per stretch of handlers that did not
// wait (lib/consumer.js): when a handler waits, everything finished before it must be resolved
// already, since the library (here its statistics timer) runs while the handler waits.
test('while an eachMessage handler waits, the library has every message before it resolved (stored_offset)', async () => {
  const k = kafka()
  const topic = unique('node-stats-stretch')
  await createTopic(k, topic, 1)
  const producer = k.producer()
  await producer.connect()
  await producer.send({ topic, messages: Array.from({ length: 100 }, (_, i) => ({ value: `v${i}` })) })
  await producer.disconnect()
  const consumer = k.consumer({ groupId: unique('node-stats-g'), statisticsIntervalMs: 50 })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  let seenWhileWaiting = null
  const stored = s => {
    const p = s.topics && s.topics[topic] && s.topics[topic].partitions && s.topics[topic].partitions['0']
    return p ? p.stored_offset : undefined
  }
  const done = new Promise((resolve, reject) => consumer.run({
    eachMessage: async ({ message }) => {
      if (message.offset === '40') {
        // The next document is made while this handler waits: the library's timer ran.
        const e = await nextStats(consumer, s => stored(s) !== undefined)
        seenWhileWaiting = stored(e.payload.stats)
      }
      if (message.offset === '99') resolve()
    }
  }).catch(reject))
  await done
  await consumer.disconnect()
  assert.equal(seenWhileWaiting, 40)
})
