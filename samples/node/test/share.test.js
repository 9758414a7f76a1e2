'use strict'
// kafka.shareConsumer (KIP-932 share groups; the test cluster enables them): two members of
// one share group on a one-partition topic split its records; a released record comes back
// with delivery count 2, a rejected one never again, every other record is accepted once.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { kafka, unique, createTopic } = require('./helpers')

test('shareConsumer: two members share one partition; release redelivers, reject archives', async () => {
  const k = kafka()
  const topic = unique('node-share')
  await createTopic(k, topic, 1)
  const producer = k.producer()
  await producer.connect()
  const groupId = unique('node-share-group')
  const seen = []  // {value, deliveryCount, member}
  let warm = false
  const members = ['a', 'b'].map(name => {
    const s = k.shareConsumer({ groupId, maxWaitTimeInMs: 200 })
    s.name = name
    return s
  })
  for (const s of members) {
    await s.connect()
    await s.subscribe({ topics: [topic] })
    await s.run({
      eachMessage: async ({ message }) => {
        const value = message.value.toString()
        if (value === 'warm') {
          warm = true
          return
        }
        seen.push({ value, deliveryCount: message.deliveryCount, member: s.name })
        if (value === 't-5' && message.deliveryCount === 1) assert.equal(message.acknowledge('release'), true)
        if (value === 't-7') assert.equal(message.acknowledge('reject'), true)
      }
    })
  }
  // A share group starts at the partition's end (share.auto.offset.reset latest): write until
  // a member has the partition, then the records under test.
  const until = async (pred, what) => {
    for (let i = 0; i < 300 && !pred(); i++) await new Promise(resolve => setTimeout(resolve, 100))
    assert.ok(pred(), what)
  }
  for (let i = 0; i < 60 && !warm; i++) {
    await producer.send({ topic, messages: [{ value: 'warm' }] })
    await new Promise(resolve => setTimeout(resolve, 500))
  }
  assert.ok(warm, 'a share member got the partition')
  await producer.send({ topic, messages: Array.from({ length: 30 }, (_, i) => ({ value: `t-${i}` })) })
  const deliveries = v => seen.filter(x => x.value === v)
  await until(() => new Set(seen.map(x => x.value)).size === 30 && deliveries('t-5').length === 2,
    'every record delivered, t-5 twice')
  await new Promise(resolve => setTimeout(resolve, 1000))  // nothing more may come
  for (let i = 0; i < 30; i++) {
    const d = deliveries(`t-${i}`)
    if (i === 5) {
      assert.deepEqual(d.map(x => x.deliveryCount), [1, 2])
    } else {
      assert.equal(d.length, 1, `t-${i} delivered once`)
      assert.equal(d[0].deliveryCount, 1)
    }
  }
  for (const s of members) await s.disconnect()
  await members[0].disconnect()  // a second disconnect is fine
  await producer.disconnect()
})

test('shareConsumer: bad options and arguments are refused before anything is sent', async () => {
  const k = kafka()
  assert.throws(() => k.shareConsumer({}), /groupId must be a non-empty string/)
  const s = k.shareConsumer({ groupId: unique('node-share-bad') })
  await assert.rejects(s.subscribe({}), /subscribe needs topic or topics/)
  await assert.rejects(s.subscribe({ topics: [/re/] }), /subscribe needs topic or topics/)
  await assert.rejects(s.run({}), /run needs eachMessage/)
  await assert.rejects(s.run({ eachMessage: async () => {}, maxRecords: 0 }), /maxRecords must be a positive integer/)
  await s.disconnect()
  await assert.rejects(s.subscribe({ topic: 'x' }), /disconnected/)
})
