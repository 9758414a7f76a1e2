// Deliberately wrong uses of the API: test/typescript.test.js compiles this alone and expects
// tsc to fail with an error on exactly the lines marked EXPECT-ERROR (and nowhere else).
import { Kafka, CompressionTypes, logLevel } from 'uvkafka'

const kafka = new Kafka({ brokers: 'localhost:9092' }) // EXPECT-ERROR brokers is an array or a function
const producer = kafka.producer()

export async function wrong(): Promise<void> {
  await producer.send({ topic: 't', messages: [{ key: 'k' }] }) // EXPECT-ERROR value is required
  await producer.send({ topic: 't', messages: [{ value: 'v' }], compression: 'gzip' }) // EXPECT-ERROR CompressionTypes
  const consumer = kafka.consumer({ groupId: 'g' })
  await consumer.subscribe({ topics: 'one-topic' }) // EXPECT-ERROR topics is an array
  await consumer.run({
    eachMessage: async ({ message }) => {
      const text: string = message.value.toString() // EXPECT-ERROR value may be null
      console.log(text, CompressionTypes.GZIP)
    },
  })
  consumer.seek({ topic: 't', partition: 0, offset: 5 }) // EXPECT-ERROR offset is a string
  producer.on('producer.nonexistent', () => {}) // EXPECT-ERROR unknown event
  const admin = kafka.admin()
  const created: string = await admin.createTopics({ topics: [{ topic: 't' }] }) // EXPECT-ERROR resolves to boolean
  await admin.fetchTopicOffsets({ topic: 't' }) // EXPECT-ERROR takes a topic name
  const level: logLevel = 'debug' // EXPECT-ERROR logLevel enum
  console.log(created, level)
}
