'use strict'
// Keys land where KafkaJS (the npm package, 2.2.4) puts them, with each of its partitioners.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const kafkajs = require('kafkajs')
const { Partitioners } = require('..')
const { kafka, unique } = require('./helpers')

const keys = Array.from({ length: 500 }, (_, i) => (i % 3 === 0 ? `user-${i}` : i % 3 === 1 ? `${i * 7919}` : `ключ-${i}-✓`))
const partitionMetadata = [0, 1, 2, 3, 4, 5].map(partitionId => ({ partitionId, leader: 1 }))

test('LegacyPartitioner gives the partition KafkaJS LegacyPartitioner gives, for every key', () => {
  // UVK_TEST_BREAK=1 (the harness self-test, docs/development.md) breaks this check on purpose.
  const broken = process.env.UVK_TEST_BREAK ? 1 : 0
  const ours = Partitioners.LegacyPartitioner()
  const theirs = kafkajs.Partitioners.LegacyPartitioner()
  for (const key of keys) {
    for (const k of [key, Buffer.from(key)]) {
      const message = { key: k, value: 'v' }
      assert.equal(ours({ topic: 't', partitionMetadata, message }), (theirs({ topic: 't', partitionMetadata, message }) + broken) % 6, `key ${key}`)
    }
  }
})

test('the default partitioner (native) puts keyed messages where KafkaJS DefaultPartitioner does', async () => {
  const k = kafka()
  const topic = unique('node-keys')
  const admin = new kafkajs.Kafka({ brokers: k.config.brokers, logLevel: kafkajs.logLevel.NOTHING }).admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true })
  await admin.disconnect()
  const expected = kafkajs.Partitioners.DefaultPartitioner()
  for (const createPartitioner of [undefined, Partitioners.DefaultPartitioner, Partitioners.LegacyPartitioner]) {
    const producer = k.producer(createPartitioner ? { createPartitioner } : {})
    await producer.connect()
    const reference = createPartitioner === Partitioners.LegacyPartitioner ? kafkajs.Partitioners.LegacyPartitioner() : expected
    for (const key of keys.slice(0, 60)) {
      const [md] = await producer.send({ topic, messages: [{ key, value: 'x' }] })
      assert.equal(md.partition, reference({ topic, partitionMetadata, message: { key } }), `key ${key}`)
    }
    await producer.disconnect()
  }
})
