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

module.exports = {
  Partitioners: {
    DefaultPartitioner,
    JavaCompatiblePartitioner: DefaultPartitioner
  },
  NATIVE
}
