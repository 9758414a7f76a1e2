'use strict'
// KafkaJS's Partitioners. The default one runs natively (Java-compatible murmur2, the same
// choice as KafkaJS 2's DefaultPartitioner); a partitioner written in JavaScript is called
// for every message whose partition is not given.

const NATIVE = Symbol('uvkafka.nativePartitioner')

const DefaultPartitioner = () => {
  const fn = () => { throw new Error('the default partitioner runs inside uvkafka') }
  fn[NATIVE] = 'default'
  return fn
}
DefaultPartitioner[NATIVE] = 'default'

// KafkaJS 1.x's default, kept by KafkaJS 2 as LegacyPartitioner: a murmur2 computed with
// JavaScript number arithmetic (products beyond 2^53 lose bits, so it differs from Java's),
// keyless messages round-robin per topic over partitions that have a leader.
function legacyHash (key) {
  const data = Buffer.isBuffer(key) ? key : Buffer.from(String(key))
  const n = data.length
  const m = 0x5bd1e995
  let h = 0x9747b28c ^ n
  for (let i = 0; i < n / 4; i++) {
    const at = i * 4
    let k = (data[at] & 0xff) + ((data[at + 1] & 0xff) << 8) + ((data[at + 2] & 0xff) << 16) + ((data[at + 3] & 0xff) << 24)
    k *= m
    k ^= k >>> 24
    k *= m
    h *= m
    h ^= k
  }
  const tail = n & ~3
  const rest = n % 4
  if (rest === 3) h ^= (data[tail + 2] & 0xff) << 16
  if (rest >= 2) h ^= (data[tail + 1] & 0xff) << 8
  if (rest >= 1) {
    h ^= data[tail] & 0xff
    h *= m
  }
  h ^= h >>> 13
  h *= m
  h ^= h >>> 15
  return h
}

const positive = x => x & 0x7fffffff

const LegacyPartitioner = () => {
  const counters = new Map()
  return ({ topic, partitionMetadata, message }) => {
    if (message.partition !== null && message.partition !== undefined) return message.partition
    const total = partitionMetadata.length
    if (message.key !== null && message.key !== undefined) return positive(legacyHash(message.key)) % total
    const available = partitionMetadata.filter(p => p.leader >= 0)
    const next = (counters.has(topic) ? counters.get(topic) : Math.floor(Math.random() * 0xffffffff)) + 1
    counters.set(topic, next)
    if (available.length > 0) return available[positive(next) % available.length].partitionId
    return positive(next) % total
  }
}

module.exports = {
  Partitioners: {
    DefaultPartitioner,
    LegacyPartitioner,
    JavaCompatiblePartitioner: DefaultPartitioner
  },
  NATIVE,
  legacyHash
}
