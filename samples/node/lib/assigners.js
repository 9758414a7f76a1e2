'use strict'
// KafkaJS's PartitionAssigners. The built-in ones run natively; roundRobin is KafkaJS's
// 'RoundRobinAssigner' (same protocol name, so a group can mix uvkafka and KafkaJS members).
// roundRobin's assigner also has KafkaJS's assign / protocol in JavaScript, for custom
// assigners that delegate to it; a consumer given roundRobin itself runs the native one.
const BUILTIN = Symbol('uvkafka.builtinAssigner')

const builtin = name => {
  const factory = () => ({ name, version: 0 })
  factory[BUILTIN] = name
  return factory
}

// Every partition of the subscribed topics, in topic order then metadata order, dealt in turn
// to the members sorted by id.
function roundRobin ({ cluster } = {}) {
  const { AssignerProtocol } = require('./assigner_protocol')
  return {
    name: 'RoundRobinAssigner',
    version: 0,
    async assign ({ members, topics }) {
      const ids = members.map(m => m.memberId).sort()
      const parts = []
      for (const topic of topics) {
        for (const p of cluster.findTopicPartitionMetadata(topic)) parts.push([topic, p.partitionId])
      }
      const byMember = new Map()
      parts.forEach(([topic, partition], i) => {
        const id = ids[i % ids.length]
        if (!byMember.has(id)) byMember.set(id, Object.create(null))
        const a = byMember.get(id)
        ;(a[topic] || (a[topic] = [])).push(partition)
      })
      return [...byMember].map(([memberId, assignment]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: this.version, assignment })
      }))
    },
    protocol ({ topics }) {
      return { name: this.name, metadata: AssignerProtocol.MemberMetadata.encode({ version: this.version, topics }) }
    }
  }
}
roundRobin[BUILTIN] = 'RoundRobinAssigner'

module.exports = {
  PartitionAssigners: {
    roundRobin,
    // Beyond KafkaJS: Java's range and roundrobin assignors, by their protocol names.
    range: builtin('range'),
    javaRoundRobin: builtin('roundrobin')
  },
  BUILTIN
}
