'use strict'
// One group, two clients: a KafkaJS consumer (the npm package) and a uvkafka consumer split
// the partitions (both speak KafkaJS's RoundRobinAssigner) and read every message once.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const kafkajs = require('kafkajs')
const { kafka, unique, brokers } = require('./helpers')

test('a KafkaJS member and a uvkafka member share a group and read every message once', async () => {
  const topic = unique('node-interop')
  const groupId = unique('node-interop-g')
  const peer = new kafkajs.Kafka({ clientId: 'kafkajs-peer', brokers: brokers(), logLevel: kafkajs.logLevel.NOTHING })
  const admin = peer.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true })
  await admin.disconnect()

  const ours = kafka()
  const consumers = [
    ['kafkajs', peer.consumer({ groupId, heartbeatInterval: 500, sessionTimeout: 10000, rebalanceTimeout: 15000, maxWaitTimeInMs: 200 })],
    ['uvkafka', ours.consumer({ groupId, heartbeatInterval: 500, sessionTimeout: 10000, rebalanceTimeout: 15000, maxWaitTimeInMs: 200 })]
  ]
  const assignment = { kafkajs: [], uvkafka: [] }
  const generation = { kafkajs: -1, uvkafka: -1 }
  const read = { kafkajs: [], uvkafka: [] }
  let balanced
  const isBalanced = new Promise(resolve => { balanced = resolve })
  const check = () => {
    const all = [...assignment.kafkajs, ...assignment.uvkafka].sort()
    if (assignment.kafkajs.length > 0 && assignment.uvkafka.length > 0 && all.length === 6 &&
        new Set(all).size === 6) balanced()
  }
  let total = 0
  let allRead
  const everything = new Promise(resolve => { allRead = resolve })
  for (const [name, c] of consumers) {
    c.on(c.events.GROUP_JOIN, e => {
      assignment[name] = (e.payload.memberAssignment[topic] || []).slice()
      generation[name] = e.payload.groupProtocol
      check()
    })
    await c.connect()
    await c.subscribe({ topics: [topic], fromBeginning: true })
    await c.run({
      eachMessage: async ({ partition, message }) => {
        read[name].push(`${partition}:${message.offset}:${message.value.toString()}`)
        if (++total === 600) allRead()
      }
    })
  }
  await isBalanced
  assert.equal(generation.kafkajs, 'RoundRobinAssigner')
  assert.equal(generation.uvkafka, 'RoundRobinAssigner')
  const producer = ours.producer()
  await producer.connect()
  await producer.send({ topic, messages: Array.from({ length: 600 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) })
  await producer.disconnect()
  await everything
  for (const [, c] of consumers) await c.disconnect()
  const values = [...read.kafkajs, ...read.uvkafka].map(s => s.split(':')[2])
  assert.equal(values.length, 600)
  assert.equal(new Set(values).size, 600, 'a message was read twice')
  for (const name of ['kafkajs', 'uvkafka']) {
    assert.ok(read[name].length > 0, `${name} read nothing`)
    for (const r of read[name]) assert.ok(assignment[name].includes(Number(r.split(':')[0])), `${name} read ${r} outside its assignment`)
  }
})
