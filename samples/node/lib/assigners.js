'use strict'
// KafkaJS's PartitionAssigners. The built-in ones run natively; roundRobin is KafkaJS's
// 'RoundRobinAssigner' (same protocol name, so a group can mix uvkafka and KafkaJS members).
const BUILTIN = Symbol('uvkafka.builtinAssigner')

const builtin = name => {
  const factory = () => ({ name, version: 0 })
  factory[BUILTIN] = name
  return factory
}

module.exports = {
  PartitionAssigners: {
    roundRobin: builtin('RoundRobinAssigner'),
    // Beyond KafkaJS: Java's range and roundrobin assignors, by their protocol names.
    range: builtin('range'),
    javaRoundRobin: builtin('roundrobin')
  },
  BUILTIN
}
