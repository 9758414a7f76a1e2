'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const zlib = require('node:zlib')
const { CompressionTypes, CompressionCodecs } = require('..')
const { kafka, unique, readBack } = require('./helpers')

test('CompressionCodecs lists the built-in codecs', () => {
  for (const type of [CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD]) {
    assert.equal(typeof CompressionCodecs[type], 'function', `codec ${type}`)
  }
  assert.throws(() => { CompressionCodecs[9] = () => ({}) }, /Unsupported compression type/)
  assert.throws(() => { CompressionCodecs[CompressionTypes.GZIP] = 'x' }, /must be a function/)
})

test('a codec written in JavaScript (KafkaJS codec shape) compresses and decompresses through uvkafka', async () => {
  const calls = { compress: 0, decompress: 0 }
  const GzipInJs = () => ({
    async compress (encoder) { calls.compress++; return zlib.gzipSync(encoder.buffer) },
    async decompress (buffer) { calls.decompress++; return zlib.gunzipSync(buffer) }
  })
  CompressionCodecs[CompressionTypes.GZIP] = GzipInJs
  try {
    const k = kafka()
    const topic = unique('node-jscodec')
    const producer = k.producer()
    await producer.connect()
    const messages = Array.from({ length: 100 }, (_, i) => ({ value: `compressed by JavaScript ${i}`.repeat(5) }))
    await producer.send({ topic, compression: CompressionTypes.GZIP, messages })
    await producer.disconnect()
    assert.ok(calls.compress >= 1, 'the JavaScript codec compressed')
    const got = await readBack(k, topic, 100)
    assert.ok(calls.decompress >= 1, 'the JavaScript codec decompressed')
    assert.deepEqual(new Set(got.map(m => m.value.toString())), new Set(messages.map(m => m.value)))
  } finally {
    delete CompressionCodecs[CompressionTypes.GZIP]
  }
  // The built-in gzip is back: no more calls into JavaScript.
  const before = calls.compress
  const k = kafka()
  const producer = k.producer()
  await producer.connect()
  await producer.send({ topic: unique('node-jscodec-builtin'), compression: CompressionTypes.GZIP, messages: [{ value: 'x' }] })
  await producer.disconnect()
  assert.equal(calls.compress, before)
})
