'use strict'
// KafkaJS's CompressionCodecs. uvkafka has gzip, snappy, lz4 and zstd built in (when the
// library was built with them); the entries say which are, and a codec assigned here for a
// type uvkafka has is not needed.
const native = require('./native')
const { CompressionTypes } = require('./constants')

const CompressionCodecs = {}
for (const type of [CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD]) {
  if (native.codecAvailable(type)) CompressionCodecs[type] = () => ({ builtin: true })
}

module.exports = { CompressionCodecs }
