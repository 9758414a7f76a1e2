'use strict'
// Shared by the package's tests: the test cluster from the environment (test/kafka/cluster.sh
// exports it), unique names, and reading a topic back.
const assert = require('node:assert/strict')
const { Kafka, logLevel } = require('..')

function env (name) {
  const v = process.env[name]
  assert.ok(v, `${name} is not set: start the test cluster (test/kafka/cluster.sh up) and export its env`)
  return v
}

let seq = 0
const unique = prefix => `${prefix}-${process.pid}-${Date.now()}-${seq++}`

const brokers = () => env('UVK_TEST_BROKERS').split(',')

function kafka (extra = {}) {
  return new Kafka(Object.assign({ clientId: 'uvkafka-node-test', brokers: brokers(), logLevel: logLevel.WARN }, extra))
}

// Reads `count` messages of `topic` from the beginning with a fresh group; resolves with them
// in arrival order (per partition in offset order).
async function readBack (k, topic, count, consumerOptions = {}) {
  const consumer = k.consumer(Object.assign({ groupId: unique('readback') }, consumerOptions))
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const got = []
  await new Promise((resolve, reject) => {
    consumer.run({
      eachMessage: async ({ topic: t, partition, message }) => {
        got.push(Object.assign({ topic: t, partition }, message))
        if (got.length === count) resolve()
      }
    }).catch(reject)
  })
  await consumer.disconnect()
  return got
}

async function createTopic (k, topic, numPartitions = 4) {
  // Through the admin when it exists, else by producing one untimed message (auto-creation).
  const admin = k.admin()
  await admin.connect()
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions }] })
  } finally {
    await admin.disconnect()
  }
}

module.exports = { env, unique, brokers, kafka, readBack, createTopic }
