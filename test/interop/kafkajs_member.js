// One KafkaJS consumer group member for the mixed-group interop test
// (test/integration/interop_test.cc). Joins GROUP on TOPIC with KafkaJS's default
// RoundRobinAssigner, reads from the beginning and prints one line per event on stdout:
//   JOIN <count> <partition,partition,...>
//   MSG <partition> <offset> <value>
// It leaves the group (disconnect) and exits when its stdin closes.
// Usage: node kafkajs_member.js BROKERS GROUP TOPIC
const { Kafka, logLevel } = require('kafkajs')

const [brokers, groupId, topic] = process.argv.slice(2)
const kafka = new Kafka({ clientId: 'kafkajs-interop', brokers: brokers.split(','), logLevel: logLevel.NOTHING })
const consumer = kafka.consumer({ groupId, heartbeatInterval: 500, sessionTimeout: 10000, rebalanceTimeout: 15000, maxWaitTimeInMs: 200 })

consumer.on(consumer.events.GROUP_JOIN, e => {
  const parts = (e.payload.memberAssignment[topic] || []).slice().sort((a, b) => a - b)
  process.stdout.write(`JOIN ${parts.length} ${parts.join(',')}\n`)
})

const main = async () => {
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      process.stdout.write(`MSG ${partition} ${message.offset} ${message.value.toString()}\n`)
    },
  })
}

process.stdin.on('end', async () => {
  await consumer.disconnect()
  process.exit(0)
})
process.stdin.resume()
main().catch(e => {
  process.stderr.write(`kafkajs member failed: ${e.stack}\n`)
  process.exit(1)
})
