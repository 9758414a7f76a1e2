'use strict'
// KafkaJS's CompressionCodecs. uvkafka has gzip, snappy, lz4 and zstd built in (when the
// library was built with them), so the entries start filled. Assigning a KafkaJS codec
// (`CompressionCodecs[CompressionTypes.ZSTD] = ZstdCodec`) registers it in uvkafka's codec
// registry for the whole process, replacing the built-in one; deleting the entry puts the
// built-in one back. uvkafka calls codecs synchronously: a codec's compress / decompress
// must settle without waiting for I/O (see docs/node.md).
const native = require('./native')
const { CompressionTypes } = require('./constants')
const { KafkaJSNonRetriableError } = require('./errors')

const builtin = () => ({ builtin: true })
const entries = {}
for (const type of [CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD]) {
  if (native.codecAvailable(type)) entries[type] = builtin
}

function bridge (factory) {
  const codec = factory()
  if (!codec || typeof codec.compress !== 'function' || typeof codec.decompress !== 'function') {
    throw new KafkaJSNonRetriableError('a compression codec must give {compress, decompress}')
  }
  return (compress, data) => {
    const box = {}
    const settle = r => { box.r = Buffer.isBuffer(r) ? r : Buffer.from(r) }
    try {
      // KafkaJS hands compress an encoder whose `buffer` holds the bytes.
      const r = compress ? codec.compress({ buffer: data }) : codec.decompress(data)
      if (r && typeof r.then === 'function') r.then(settle, () => {})
      else settle(r)
    } catch (_) {}
    return box
  }
}

const CompressionCodecs = new Proxy(entries, {
  set (target, key, value) {
    const type = Number(key)
    if (!(type >= 1 && type <= 4)) throw new KafkaJSNonRetriableError(`Unsupported compression type ${key}`)
    if (typeof value !== 'function') throw new KafkaJSNonRetriableError('a compression codec must be a function returning {compress, decompress}')
    native.codecRegister(type, value === builtin ? null : bridge(value))
    target[key] = value
    return true
  },
  deleteProperty (target, key) {
    const type = Number(key)
    if (type >= 1 && type <= 4) native.codecRegister(type, null)
    delete target[key]
    if (native.codecAvailable(type)) target[key] = builtin
    return true
  }
})

module.exports = { CompressionCodecs }
