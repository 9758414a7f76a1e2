'use strict'
// KafkaJS's Partitioners. The default one runs natively (Java-compatible murmur2, the same
// choice as KafkaJS 2's DefaultPartitioner); a partitioner written in JavaScript is called
// for every message whose partition is not given.

const NATIVE = Symbol('uvkafka.nativePartitioner')

// Java's murmur2 (Kafka's Utils.murmur2) in 32-bit integer arithmetic: what the native
// default computes, for JavaScript that calls the partitioner itself (a custom partitioner
// that falls back to the default one).
function javaHash (key) {
  const data = Buffer.isBuffer(key) ? key : Buffer.from(String(key))
  const n = data.length
  const m = 0x5bd1e995
  let h = (0x9747b28c ^ n) | 0
  const whole = n & ~3
  for (let at = 0; at < whole; at += 4) {
    let k = data[at] | (data[at + 1] << 8) | (data[at + 2] << 16) | (data[at + 3] << 24)
    k = Math.imul(k, m)
    k ^= k >>> 24
    k = Math.imul(k, m)
    h = Math.imul(h, m) ^ k
  }
  const rest = n & 3
  if (rest === 3) h ^= data[whole + 2] << 16
  if (rest >= 2) h ^= data[whole + 1] << 8
  if (rest >= 1) h = Math.imul(h ^ data[whole], m)
  h ^= h >>> 13
  h = Math.imul(h, m)
  h ^= h >>> 15
  return h
}

const positive = x => x & 0x7fffffff

// Explicit partition, else the key's hash, else round-robin per topic over the partitions
// that have a leader (from a random start), as KafkaJS's partitioners choose.
const partitionerWith = hash => () => {
  const counters = new Map()
  return ({ topic, partitionMetadata, message }) => {
    if (message.partition !== null && message.partition !== undefined) return message.partition
    const total = partitionMetadata.length
    if (message.key !== null && message.key !== undefined) return positive(hash(message.key)) % total
    const available = partitionMetadata.filter(p => p.leader >= 0)
    const next = (counters.has(topic) ? counters.get(topic) : Math.floor(Math.random() * 0xffffffff)) + 1
    counters.set(topic, next)
    if (available.length > 0) return available[positive(next) % available.length].partitionId
    return positive(next) % total
  }
}

// Given to a producer, the default runs natively (the NATIVE mark); called from JavaScript it
// computes the same partitions.
const DefaultPartitioner = () => {
  const fn = partitionerWith(javaHash)()
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

const LegacyPartitioner = partitionerWith(legacyHash)

module.exports = {
  Partitioners: {
    DefaultPartitioner,
    LegacyPartitioner,
    JavaCompatiblePartitioner: DefaultPartitioner
  },
  NATIVE,
  legacyHash,
  javaHash
}
