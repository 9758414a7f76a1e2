'use strict'
// The admin client against the test cluster: every call with its KafkaJS result shape, the
// errors KafkaJS gives, refusals of bad input before anything is sent, and the lifecycle.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const {
  Kafka,
  logLevel,
  ConfigResourceTypes,
  AclResourceTypes,
  AclOperationTypes,
  AclPermissionTypes,
  ResourcePatternTypes,
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  KafkaJSAggregateError,
  KafkaJSCreateTopicError,
  KafkaJSDeleteGroupsError,
  KafkaJSDeleteTopicRecordsError,
  KafkaJSAlterPartitionReassignmentsError
} = require('..')
const native = require('../lib/native')
const { env, unique, kafka } = require('./helpers')

async function withAdmin (fn, k = kafka()) {
  const admin = k.admin()
  await admin.connect()
  try {
    return await fn(admin, k)
  } finally {
    await admin.disconnect()
  }
}

// Resolves once `count` events of `name` were emitted (the returned remover stops it).
function waitEvents (emitter, name, count = 1) {
  let remove
  const seen = []
  const done = new Promise(resolve => {
    remove = emitter.on(name, e => {
      seen.push(e)
      if (seen.length === count) resolve(seen)
    })
  })
  return { done, seen, remove: () => remove() }
}

// Polls `get` until `ok(result)` (metadata the brokers apply asynchronously has no event);
// the last result is returned, and asserted by the caller.
async function eventually (get, ok = () => true, ms = 10000) {
  const deadline = Date.now() + ms
  for (;;) {
    let r
    try {
      r = await get()
    } catch (e) {
      if (Date.now() > deadline) throw e
      await new Promise(resolve => setTimeout(resolve, 50))
      continue
    }
    if (ok(r) || Date.now() > deadline) return r
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

async function produce (k, topic, messages) {
  const producer = k.producer()
  await producer.connect()
  try {
    return await producer.send({ topic, messages })
  } finally {
    await producer.disconnect()
  }
}

test('topics: create (true, then false when it exists), list, metadata, partitions, delete', async () => {
  await withAdmin(async admin => {
    const a = unique('node-admin-a')
    const b = unique('node-admin-b')
    assert.equal(await admin.createTopics({ topics: [{ topic: a, numPartitions: 3 }, { topic: b }] }), true)
    assert.equal(await admin.createTopics({ topics: [{ topic: a, numPartitions: 3 }] }), false)
    // validateOnly creates nothing.
    const v = unique('node-admin-validate')
    assert.equal(await admin.createTopics({ validateOnly: true, topics: [{ topic: v, numPartitions: 2 }] }), true)

    const names = await admin.listTopics()
    assert.ok(Array.isArray(names))
    assert.ok(names.includes(a) && names.includes(b), 'created topics are listed')
    assert.ok(!names.includes(v), 'validateOnly created the topic')

    const md = await admin.fetchTopicMetadata({ topics: [a] })
    assert.deepEqual(Object.keys(md), ['topics'])
    assert.equal(md.topics.length, 1)
    assert.equal(md.topics[0].name, a)
    assert.deepEqual(md.topics[0].partitions.map(p => p.partitionId).sort(), [0, 1, 2])
    const { brokers } = await admin.describeCluster()
    const ids = brokers.map(x => x.nodeId)
    for (const p of md.topics[0].partitions) {
      assert.deepEqual(Object.keys(p).sort(), ['isr', 'leader', 'offlineReplicas', 'partitionErrorCode', 'partitionId', 'replicas'])
      assert.equal(p.partitionErrorCode, 0)
      assert.equal(typeof p.leader, 'number')
      assert.ok(ids.includes(p.leader), 'waitForLeaders: every partition has a leader')
      assert.ok(p.replicas.length >= 1 && p.replicas.every(r => ids.includes(r)), `replicas ${p.replicas}`)
      assert.ok(p.replicas.includes(p.leader))
      assert.ok(p.isr.includes(p.leader) && p.isr.every(r => p.replicas.includes(r)), `isr ${p.isr}`)
    }
    const all = await admin.fetchTopicMetadata()
    assert.ok(all.topics.some(t => t.name === a) && all.topics.some(t => t.name === b))

    await admin.createPartitions({ topicPartitions: [{ topic: a, count: 5 }] })
    // createPartitions returns once the brokers' metadata shows the new partitions.
    const md5 = await admin.fetchTopicMetadata({ topics: [a] })
    assert.deepEqual(md5.topics[0].partitions.map(p => p.partitionId).sort(), [0, 1, 2, 3, 4])
    // Fewer partitions than now: the broker's INVALID_PARTITIONS.
    await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: a, count: 2 }] }),
      e => e instanceof KafkaJSProtocolError && e.type === 'INVALID_PARTITIONS')

    await admin.deleteTopics({ topics: [a, b] })
    // deleteTopics returns once the brokers' metadata no longer lists them.
    const after = await admin.listTopics()
    assert.ok(!after.includes(a) && !after.includes(b), 'deleted topics are not listed')
  })
})

test('createTopics: configEntries and replicaAssignment apply; a broker refusal is KafkaJSAggregateError of KafkaJSCreateTopicError', async () => {
  await withAdmin(async admin => {
    const { brokers } = await admin.describeCluster()
    const id = brokers[0].nodeId
    const t = unique('node-admin-cfg')
    const r = unique('node-admin-assign')
    assert.equal(await admin.createTopics({
      topics: [
        { topic: t, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'retention.ms', value: '3600000' }] },
        { topic: r, replicaAssignment: [{ partition: 0, replicas: [id] }, { partition: 1, replicas: [id] }] }
      ]
    }), true)
    const { resources } = await eventually(() => admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: t, configNames: ['cleanup.policy', 'retention.ms'] }]
    }))
    const got = Object.fromEntries(resources[0].configEntries.map(e => [e.configName, e.configValue]))
    assert.deepEqual(got, { 'cleanup.policy': 'compact', 'retention.ms': '3600000' })
    const md = await eventually(() => admin.fetchTopicMetadata({ topics: [r] }))
    assert.deepEqual(md.topics[0].partitions.map(p => [p.partitionId, p.leader, p.replicas]).sort(), [[0, id, [id]], [1, id, [id]]])

    const bad = unique('node-admin-rf')
    const err = await admin.createTopics({ topics: [{ topic: bad, replicationFactor: brokers.length + 2 }] }).then(() => null, e => e)
    assert.ok(err instanceof KafkaJSAggregateError, `got ${err && err.name}`)
    assert.equal(err.errors.length, 1)
    assert.ok(err.errors[0] instanceof KafkaJSCreateTopicError)
    assert.equal(err.errors[0].topic, bad)
    assert.equal(err.errors[0].type, 'INVALID_REPLICATION_FACTOR')
    await admin.deleteTopics({ topics: [t, r] })
  })
})

test('fetchTopicMetadata of a topic that does not exist rejects with UNKNOWN_TOPIC_OR_PARTITION', async () => {
  await withAdmin(async admin => {
    const err = await admin.fetchTopicMetadata({ topics: [unique('node-admin-missing')] }).then(() => null, e => e)
    assert.ok(err instanceof KafkaJSProtocolError, `got ${err && err.name}`)
    assert.equal(err.type, 'UNKNOWN_TOPIC_OR_PARTITION')
    assert.equal(typeof err.message, 'string')
  })
})

test('describeCluster gives brokers, the controller and the cluster id', async () => {
  await withAdmin(async admin => {
    const c = await admin.describeCluster()
    assert.deepEqual(Object.keys(c).sort(), ['brokers', 'clusterId', 'controller'])
    const expected = env('UVK_TEST_BROKERS').split(',')
    assert.equal(c.brokers.length, Number(process.env.UVK_TEST_NODES || expected.length))
    for (const b of c.brokers) {
      assert.deepEqual(Object.keys(b).sort(), ['host', 'nodeId', 'port'])
      assert.equal(typeof b.nodeId, 'number')
      assert.equal(typeof b.port, 'number')
    }
    assert.ok(c.brokers.some(b => expected.includes(`${b.host}:${b.port}`)), 'a bootstrap broker is listed')
    assert.ok(c.brokers.some(b => b.nodeId === c.controller), 'the controller is a listed broker')
    assert.equal(typeof c.clusterId, 'string')
    assert.ok(c.clusterId.length > 0)
  })
})

test('topic offsets: fetchTopicOffsets, fetchTopicOffsetsByTimestamp and deleteTopicRecords', async () => {
  const k = kafka()
  await withAdmin(async admin => {
    const topic = unique('node-admin-offsets')
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] })
    const empty = await admin.fetchTopicOffsets(topic)
    assert.deepEqual(empty.sort((x, y) => x.partition - y.partition),
      [{ partition: 0, offset: '0', high: '0', low: '0' }, { partition: 1, offset: '0', high: '0', low: '0' }])

    const base = Date.now() - 60000
    await produce(k, topic, Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, partition: 0, timestamp: String(base + i * 1000) })))
    const offs = await admin.fetchTopicOffsets(topic)
    const p0 = offs.find(o => o.partition === 0)
    assert.deepEqual(p0, { partition: 0, offset: '10', high: '10', low: '0' })

    const byTs = await admin.fetchTopicOffsetsByTimestamp(topic, base + 3500)
    assert.deepEqual(byTs.find(o => o.partition === 0), { partition: 0, offset: '4' })
    // No record at or after the time: the end offset; no time: the end offset too.
    assert.deepEqual((await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() + 3600000)).find(o => o.partition === 0),
      { partition: 0, offset: '10' })
    assert.deepEqual((await admin.fetchTopicOffsetsByTimestamp(topic)).find(o => o.partition === 0), { partition: 0, offset: '10' })

    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '6' }] })
    assert.equal((await admin.fetchTopicOffsets(topic)).find(o => o.partition === 0).low, '6')
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: -1 }] })
    assert.equal((await admin.fetchTopicOffsets(topic)).find(o => o.partition === 0).low, '10')

    const err = await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '50' }] }).then(() => null, e => e)
    assert.ok(err instanceof KafkaJSDeleteTopicRecordsError, `got ${err && err.name}: ${err && err.message}`)
    assert.equal(err.partitions.length, 1)
    assert.equal(err.partitions[0].partition, 0)
    assert.equal(err.partitions[0].offset, '50')
    assert.equal(err.partitions[0].error.type, 'OFFSET_OUT_OF_RANGE')

    await admin.deleteTopics({ topics: [topic] })
  }, k)
})

test('offsets of a topic that does not exist: retries exceeded with UNKNOWN_TOPIC_OR_PARTITION, the topic not created (KafkaJS\'s admin never auto-creates)', async () => {
  for (const allowAutoTopicCreation of [undefined, false]) {
    await withAdmin(async admin => {
      const topic = unique('node-admin-missing')
      for (const call of [() => admin.fetchTopicOffsets(topic), () => admin.fetchTopicOffsetsByTimestamp(topic, Date.now())]) {
        const err = await call().then(() => null, e => e)
        assert.ok(err && err.name === 'KafkaJSNumberOfRetriesExceeded', `got ${err && err.name}`)
        assert.ok(err.originalError instanceof KafkaJSProtocolError)
        assert.equal(err.originalError.type, 'UNKNOWN_TOPIC_OR_PARTITION')
      }
      assert.ok(!(await admin.listTopics()).includes(topic))
    }, kafka({ allowAutoTopicCreation, retry: { retries: 1, initialRetryTime: 50 } }))
  }
})

test('group offsets: setOffsets on an empty group, fetchOffsets (topics, all, resolveOffsets), resetOffsets', async () => {
  const k = kafka()
  await withAdmin(async admin => {
    const topic = unique('node-admin-goffsets')
    const groupId = unique('node-admin-group')
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })
    await produce(k, topic, Array.from({ length: 6 }, (_, i) => ({ value: `v${i}`, partition: i % 3 })))

    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '1' }, { partition: 2, offset: '2' }] })
    const fetched = await admin.fetchOffsets({ groupId, topics: [topic] })
    assert.deepEqual(fetched, [{
      topic,
      partitions: [
        { partition: 0, offset: '1', metadata: null },
        { partition: 1, offset: '-1', metadata: null },
        { partition: 2, offset: '2', metadata: null }
      ]
    }].map(t => ({ topic: t.topic, partitions: t.partitions })))
    // No topics: every topic the group has offsets for.
    const everything = await admin.fetchOffsets({ groupId })
    assert.equal(everything.length, 1)
    assert.equal(everything[0].topic, topic)
    assert.deepEqual(everything[0].partitions.map(p => [p.partition, p.offset]).sort(), [[0, '1'], [2, '2']])

    // resolveOffsets: a partition without a commit gets the end offset (and it is committed).
    const resolved = await admin.fetchOffsets({ groupId, topics: [topic], resolveOffsets: true })
    assert.deepEqual(resolved[0].partitions.map(p => [p.partition, p.offset]), [[0, '1'], [1, '2'], [2, '2']])
    assert.deepEqual((await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions.map(p => [p.partition, p.offset]),
      [[0, '1'], [1, '2'], [2, '2']], 'resolveOffsets commits what it resolved (as KafkaJS)')

    await admin.resetOffsets({ groupId, topic, earliest: true })
    assert.deepEqual((await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions.map(p => p.offset), ['0', '0', '0'])
    await admin.resetOffsets({ groupId, topic })
    assert.deepEqual((await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions.map(p => p.offset), ['2', '2', '2'])

    await admin.deleteGroups([groupId])
    await admin.deleteTopics({ topics: [topic] })
  }, k)
})

test('groups: a running consumer group is listed, described with members, refuses setOffsets and deleteGroups; once empty it is deleted', async () => {
  const k = kafka()
  await withAdmin(async admin => {
    const topic = unique('node-admin-cg')
    const groupId = unique('node-admin-cg')
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] })
    await produce(k, topic, [{ value: 'a', partition: 0 }, { value: 'b', partition: 1 }])

    const consumer = k.consumer({ groupId })
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    let seen = 0
    let allSeen
    const consumed = new Promise(resolve => { allSeen = resolve })
    consumer.run({ eachMessage: async () => { if (++seen === 2) allSeen() } }).catch(() => {})
    await consumed
    await consumer.commitOffsets([{ topic, partition: 0, offset: '1' }, { topic, partition: 1, offset: '1' }])

    const { groups } = await admin.listGroups()
    const listed = groups.find(g => g.groupId === groupId)
    assert.deepEqual(listed, { groupId, protocolType: 'consumer' })

    const described = (await admin.describeGroups([groupId])).groups
    assert.equal(described.length, 1)
    const g = described[0]
    assert.equal(g.groupId, groupId)
    assert.equal(g.errorCode, 0)
    assert.equal(g.state, 'Stable')
    assert.equal(g.protocolType, 'consumer')
    assert.equal(g.members.length, 1)
    assert.equal(g.members[0].clientId, 'uvkafka-node-test')
    assert.ok(Buffer.isBuffer(g.members[0].memberMetadata) && g.members[0].memberMetadata.length > 0)
    assert.ok(Buffer.isBuffer(g.members[0].memberAssignment) && g.members[0].memberAssignment.length > 0)

    await assert.rejects(admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '0' }] }),
      e => e instanceof KafkaJSNonRetriableError && /must have no running instances, current state: Stable/.test(e.message))
    const busy = await admin.deleteGroups([groupId]).then(() => null, e => e)
    assert.ok(busy instanceof KafkaJSDeleteGroupsError, `got ${busy && busy.name}`)
    assert.deepEqual(busy.groups.map(x => [x.groupId, x.errorCode, x.error.type]), [[groupId, 68, 'NON_EMPTY_GROUP']])

    await consumer.disconnect()
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] })
    assert.deepEqual(offsets[0].partitions.map(p => [p.partition, p.offset]), [[0, '1'], [1, '1']])
    const empty = (await admin.describeGroups([groupId])).groups[0]
    assert.equal(empty.state, 'Empty')
    assert.deepEqual(empty.members, [])

    assert.deepEqual(await admin.deleteGroups([groupId]), [{ groupId, errorCode: 0 }])
    const gone = await admin.deleteGroups([groupId]).then(() => null, e => e)
    assert.ok(gone instanceof KafkaJSDeleteGroupsError)
    assert.equal(gone.groups[0].errorCode, 69) // GROUP_ID_NOT_FOUND
    assert.equal((await admin.describeGroups([groupId])).groups[0].state, 'Dead')
    assert.deepEqual(await admin.deleteGroups([]), [])
    await admin.deleteTopics({ topics: [topic] })
  }, k)
})

test('configs: describe (names, all, broker with synonyms), alter and read back, refusals', async () => {
  await withAdmin(async admin => {
    const topic = unique('node-admin-configs')
    await admin.createTopics({ topics: [{ topic }] })
    const before = await eventually(() => admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }] }))
    assert.equal(before.resources.length, 1)
    const r = before.resources[0]
    assert.deepEqual(Object.keys(r).sort(), ['configEntries', 'errorCode', 'errorMessage', 'resourceName', 'resourceType'])
    assert.equal(r.resourceType, ConfigResourceTypes.TOPIC)
    assert.equal(r.resourceName, topic)
    assert.equal(r.configEntries.length, 1)
    const e = r.configEntries[0]
    assert.deepEqual(Object.keys(e).sort(), ['configName', 'configSource', 'configSynonyms', 'configValue', 'isDefault', 'isSensitive', 'readOnly'])
    assert.equal(e.configName, 'retention.ms')
    assert.equal(e.isDefault, true)

    const altered = await admin.alterConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '7200000' }, { name: 'segment.ms', value: '3600000' }] }]
    })
    assert.deepEqual(altered, { resources: [{ errorCode: 0, errorMessage: null, resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }] })
    // Brokers apply config changes from the metadata log, a moment later.
    const after = await eventually(() => admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] }),
      d => d.resources[0].configEntries.some(x => x.configName === 'segment.ms' && x.configValue === '3600000'))
    const map = new Map(after.resources[0].configEntries.map(x => [x.configName, x]))
    assert.ok(map.size > 10, 'no configNames: every config')
    assert.equal(map.get('retention.ms').configValue, '7200000')
    assert.equal(map.get('retention.ms').isDefault, false)
    assert.equal(map.get('segment.ms').configValue, '3600000')

    // validateOnly changes nothing.
    await admin.alterConfigs({ validateOnly: true, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '1000' }] }] })
    const still = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }] })
    assert.equal(still.resources[0].configEntries[0].configValue, '7200000')

    const { brokers } = await admin.describeCluster()
    const broker = await admin.describeConfigs({
      includeSynonyms: true,
      resources: [{ type: ConfigResourceTypes.BROKER, name: String(brokers[0].nodeId), configNames: ['log.retention.hours'] }]
    })
    const be = broker.resources[0].configEntries[0]
    assert.equal(be.configName, 'log.retention.hours')
    assert.ok(Array.isArray(be.configSynonyms) && be.configSynonyms.length >= 1)
    assert.equal(be.configSynonyms[0].configName, 'log.retention.hours')

    await assert.rejects(admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: 'soon' }] }] }),
      x => x instanceof KafkaJSProtocolError && x.type === 'INVALID_CONFIG')
    await assert.rejects(admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: unique('node-admin-missing') }] }),
      x => x instanceof KafkaJSProtocolError && x.type === 'UNKNOWN_TOPIC_OR_PARTITION')
    await admin.deleteTopics({ topics: [topic] })
  })
})

test('partition reassignments: alter to a live broker, refusal of an unknown broker, list', async () => {
  await withAdmin(async admin => {
    const topic = unique('node-admin-reassign')
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] })
    const { brokers } = await admin.describeCluster()
    const id = brokers[0].nodeId
    assert.equal(await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: [id] }] }] }), undefined)
    const missing = Math.max(...brokers.map(b => b.nodeId)) + 100
    const err = await admin.alterPartitionReassignments({
      topics: [{ topic, partitionAssignment: [{ partition: 1, replicas: [missing] }] }]
    }).then(() => null, e => e)
    assert.ok(err instanceof KafkaJSAggregateError, `got ${err && err.name}`)
    assert.equal(err.errors.length, 1)
    assert.ok(err.errors[0] instanceof KafkaJSAlterPartitionReassignmentsError)
    assert.equal(err.errors[0].topic, topic)
    assert.equal(err.errors[0].partition, 1)
    assert.equal(err.errors[0].type, 'INVALID_REPLICA_ASSIGNMENT')
    // Nothing is in progress on a topic whose replicas did not move.
    const listed = await eventually(() => admin.listPartitionReassignments({ topics: [{ topic, partitions: [0, 1] }] }), l => l.topics.length === 0)
    assert.deepEqual(listed, { topics: [] })
    const everywhere = await admin.listPartitionReassignments({})
    assert.ok(Array.isArray(everywhere.topics))
    for (const t of everywhere.topics) {
      assert.equal(typeof t.name, 'string')
      for (const p of t.partitions) assert.deepEqual(Object.keys(p).sort(), ['addingReplicas', 'partition', 'removingReplicas', 'replicas'])
    }
    await admin.deleteTopics({ topics: [topic] })
  })
})

test('ACLs over SASL_PLAINTEXT: create, describe, delete', async () => {
  const k = new Kafka({
    clientId: 'uvkafka-node-test',
    brokers: env('UVK_TEST_SASL_PLAINTEXT_BROKERS').split(','),
    logLevel: logLevel.WARN,
    sasl: { mechanism: 'plain', username: env('UVK_TEST_USER'), password: env('UVK_TEST_PASSWORD') }
  })
  await withAdmin(async admin => {
    const resourceName = unique('node-admin-acl')
    const principal = `User:${unique('node-acl-user')}`
    const acl = {
      resourceType: AclResourceTypes.TOPIC,
      resourceName,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal,
      host: '*',
      operation: AclOperationTypes.READ,
      permissionType: AclPermissionTypes.ALLOW
    }
    const filter = {
      resourceType: AclResourceTypes.TOPIC,
      resourceName,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY
    }
    try {
      assert.equal(await admin.createAcls({ acl: [acl, { ...acl, operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.DENY }] }), true)
      // The brokers' authorizer applies new ACLs from the metadata log, a moment later.
      const described = await eventually(() => admin.describeAcls(filter), d => d.resources.length === 1 && d.resources[0].acls.length === 2)
      assert.deepEqual(Object.keys(described), ['resources'])
      assert.deepEqual(described.resources.map(({ acls, ...r }) => r),
        [{ resourceType: AclResourceTypes.TOPIC, resourceName, resourcePatternType: ResourcePatternTypes.LITERAL }])
      for (const a of described.resources[0].acls) assert.deepEqual(Object.keys(a).sort(), ['host', 'operation', 'permissionType', 'principal'])
      assert.equal(described.resources.length, 1)
      assert.deepEqual(described.resources[0].acls.map(a => [a.principal, a.operation, a.permissionType]).sort(),
        [[principal, AclOperationTypes.READ, AclPermissionTypes.ALLOW], [principal, AclOperationTypes.WRITE, AclPermissionTypes.DENY]])

      const deleted = await admin.deleteAcls({
        filters: [
          { ...filter, operation: AclOperationTypes.READ },
          { ...filter, resourceType: AclResourceTypes.GROUP }
        ]
      })
      assert.equal(deleted.filterResponses.length, 2)
      assert.equal(deleted.filterResponses[0].errorCode, 0)
      assert.deepEqual(deleted.filterResponses[0].matchingAcls, [{
        errorCode: 0,
        errorMessage: null,
        resourceType: AclResourceTypes.TOPIC,
        resourceName,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal,
        host: '*',
        operation: AclOperationTypes.READ,
        permissionType: AclPermissionTypes.ALLOW
      }])
      assert.deepEqual(deleted.filterResponses[1].matchingAcls, [])
      const left = await eventually(() => admin.describeAcls(filter), d => d.resources.length === 1 && d.resources[0].acls.length === 1)
      assert.deepEqual(left.resources[0].acls.map(a => a.operation), [AclOperationTypes.WRITE])
    } finally {
      await admin.deleteAcls({ filters: [filter] }).catch(() => {})
    }
    assert.deepEqual(await eventually(() => admin.describeAcls(filter), d => d.resources.length === 0), { resources: [] })
  }, k)
})

test('bad arguments reject with KafkaJSNonRetriableError naming the argument, before any request', async () => {
  await withAdmin(async admin => {
    const requests = []
    const stop = admin.on(admin.events.REQUEST, e => requests.push(e))
    const cases = [
      [() => admin.createTopics({}), /Invalid topics array undefined/],
      [() => admin.createTopics({ topics: 'x' }), /Invalid topics array x/],
      [() => admin.createTopics({ topics: [{ topic: 1 }] }), /the topic names have to be a valid string/],
      [() => admin.createTopics({ topics: [{ topic: 'a' }, { topic: 'a' }] }), /cannot have multiple entries for the same topic/],
      [() => admin.createTopics({ topics: [{ topic: 'a', configEntries: {} }] }), /Invalid configEntries for topic "a", must be an array/],
      [() => admin.createTopics({ topics: [{ topic: 'a', configEntries: [{ name: 'x', value: 1 }] }] }), /Entry 0 must have a valid "value" property/],
      [() => admin.createTopics({ topics: [{ topic: 'a', numPartitions: 'many' }] }), /topics\[0\]\.numPartitions must be an integer/],
      [() => admin.createTopics({ topics: [{ topic: 'a', numPartitions: 0 }] }), /topics\[0\]\.numPartitions must be positive/],
      [() => admin.createTopics({ topics: [{ topic: 'a', replicationFactor: 70000 }] }), /topics\[0\]\.replicationFactor is out of range/],
      [() => admin.createTopics({ topics: [{ topic: 'a', replicaAssignment: [{ partition: 0, replicas: [-1] }] }] }), /replicaAssignment\[0\]\.replicas\[0\] is out of range/],
      [() => admin.createTopics({ topics: [{ topic: '' }] }), /topics\[0\]\.topic must not be empty/],
      [() => admin.createTopics({ topics: [{ topic: 'a\u0000b' }] }), /must not contain a NUL character/],
      [() => admin.createTopics({ topics: [{ topic: 'a' }], validateOnly: 'yes' }), /validateOnly must be a boolean/],
      [() => admin.createTopics({ topics: Array.from({ length: 10001 }, (_, i) => ({ topic: `t${i}` })) }), /topics has too many entries \(at most 10000\)/],
      [() => admin.deleteTopics({ topics: [1] }), /the names must be a valid string/],
      [() => admin.deleteTopics({}), /Invalid topics array/],
      [() => admin.createPartitions({ topicPartitions: [] }), /Empty topic partitions array/],
      [() => admin.createPartitions({ topicPartitions: [{ topic: 'a', count: -3 }] }), /topicPartitions\[0\]\.count is out of range/],
      [() => admin.createPartitions({ topicPartitions: [{ topic: 'a', count: 2, assignments: [['x']] }] }), /assignments\[0\]\[0\] must be an integer/],
      [() => admin.fetchTopicMetadata({ topics: [''] }), /Invalid topic/],
      [() => admin.fetchTopicMetadata({ topics: 'abc' }), /Invalid topics array/],
      [() => admin.fetchTopicOffsets(5), /Invalid topic 5/],
      [() => admin.fetchTopicOffsetsByTimestamp('t', 'yesterday'), /Invalid timestamp/],
      [() => admin.fetchOffsets({}), /Invalid groupId undefined/],
      [() => admin.fetchOffsets({ groupId: 'g', topics: 'x' }), /Expected topics array to be set/],
      [() => admin.fetchOffsets({ groupId: 'g', topics: Array.from({ length: 65 }, (_, i) => `t${i}`) }), /topics has too many entries \(at most 64\)/],
      [() => admin.setOffsets({ groupId: 'g', topic: 't' }), /Invalid partitions/],
      [() => admin.setOffsets({ groupId: 'g', topic: 't', partitions: [{ partition: 0, offset: 'x' }] }), /partitions\[0\]\.offset must be an integer/],
      [() => admin.setOffsets({ groupId: 'g', topic: 't', partitions: [{ partition: 0, offset: '-5' }] }), /partitions\[0\]\.offset must be at least 0/],
      [() => admin.setOffsets({ groupId: 'g', topic: 't', partitions: [{ partition: -1, offset: '0' }] }), /partitions\[0\]\.partition is out of range/],
      [() => admin.resetOffsets({ groupId: 'g' }), /Invalid topic undefined/],
      [() => admin.resetOffsets({ groupId: 'g', topic: 7 }), /topic must be a string/],
      [() => admin.deleteTopicRecords({ topic: 't', partitions: [] }), /Invalid partitions/],
      [() => admin.deleteTopicRecords({ topic: 't', partitions: [{ partition: 0, offset: '-2' }] }), /partitions\[0\]\.offset must be at least -1/],
      [() => admin.describeConfigs({ resources: [] }), /Resources array cannot be empty/],
      [() => admin.describeConfigs({ resources: [{ type: 3, name: 'x' }] }), /Invalid resource type 3/],
      [() => admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'x', configNames: 'y' }] }), /Invalid resource configNames y/],
      [() => admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'x', configNames: [7] }] }), /resources\[0\]\.configNames\[0\] must be a string/],
      [() => admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'x' }] }), /Invalid resource configEntries undefined/],
      [() => admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'x', configEntries: [{ name: 'a', value: 1 }] }] }), /Invalid resource config value/],
      [() => admin.describeGroups('g'), /Invalid groupIds array g/],
      [() => admin.describeGroups([3]), /group ids have to be non-empty strings/],
      [() => admin.deleteGroups('g'), /Invalid groupIds array g/],
      [() => admin.deleteGroups([{}]), /Invalid groupId name/],
      [() => admin.deleteGroups(Array.from({ length: 10001 }, (_, i) => `g${i}`)), /groupIds has too many entries/],
      [() => admin.createAcls({ acl: [] }), /Empty ACL array/],
      [() => admin.createAcls({ acl: [{ principal: 'User:a', host: '*', resourceName: 'x', operation: 99, resourcePatternType: 3, permissionType: 3, resourceType: 2 }] }), /Invalid operation type 99/],
      [() => admin.createAcls({ acl: [{ principal: 'User:a', host: '*', resourceName: 'x', operation: AclOperationTypes.ANY, resourcePatternType: 3, permissionType: 3, resourceType: 2 }] }), /acl\[0\]\.operation is out of range/],
      [() => admin.createAcls({ acl: [{ principal: 5 }] }), /the principals have to be a valid string/],
      [() => admin.describeAcls({ resourceType: 2, resourcePatternType: 1, operation: 1, permissionType: 1, principal: 4 }), /Invalid principal/],
      [() => admin.describeAcls({ resourceType: 2, resourcePatternType: 1, operation: 1 }), /Invalid permission type undefined/],
      [() => admin.alterPartitionReassignments({ topics: [{ topic: 't' }] }), /Invalid partitions array: undefined for topic: t/],
      [() => admin.alterPartitionReassignments({ topics: [{ topic: 't', partitionAssignment: [{ partition: -1, replicas: [1] }] }] }), /Invalid partitions index: -1 for topic: t/],
      [() => admin.alterPartitionReassignments({ topics: [{ topic: 't', partitionAssignment: [{ partition: 0, replicas: ['1'] }] }] }), /Replicas must be a non negative number/],
      [() => admin.listPartitionReassignments({ topics: [{ topic: 't', partitions: [-2] }] }), /Invalid partition array: -2 for topic: t/],
      [() => admin.deleteAcls({ filters: [] }), /Empty ACL Filter array/],
      [() => admin.deleteAcls({ filters: [{ resourceType: 42, resourcePatternType: 1, operation: 1, permissionType: 1 }] }), /Invalid resource type 42/]
    ]
    for (const [call, message] of cases) {
      const err = await call().then(() => null, e => e)
      assert.ok(err instanceof KafkaJSNonRetriableError, `${message}: got ${err && err.name}: ${err && err.message}`)
      assert.match(err.message, message)
    }
    assert.throws(() => admin.on('admin.nope', () => {}), /Event name should be one of admin\.events\.CONNECT/)
    // Listener events are delivered asynchronously: one good call afterwards proves the
    // listener works, and every request it saw is that call's.
    await new Promise(resolve => setImmediate(resolve))
    assert.equal(requests.length, 0, `refused calls sent ${requests.length} request(s)`)
    const seen = waitEvents(admin, admin.events.REQUEST)
    await admin.listTopics()
    await seen.done
    seen.remove()
    stop()
    assert.ok(requests.length >= 1, 'the REQUEST listener saw the good call')
  })
})

test('the addon refuses malformed input itself (hostile calls past the JavaScript checks)', async () => {
  const k = kafka()
  const admin = k.admin()
  const h = admin._handle
  const cb = () => assert.fail('a refused call must not complete')
  const refuse = (fn, args, re) => assert.throws(() => fn(h, ...args, cb), e => re.test(e.message) && e.code === 'UVK_EINVAL', String(re))
  refuse(native.adminCreateTopics, [null, false, true, 1000], /topics must be an array/)
  refuse(native.adminCreateTopics, [[], false, true, 1000], /topics must not be empty/)
  refuse(native.adminCreateTopics, [[7], false, true, 1000], /topics\[0\] must be an object/)
  refuse(native.adminCreateTopics, [[{ topic: 'a', replicaAssignment: [{ partition: 'x', replicas: [] }] }], false, true, 1000], /replicaAssignment\[0\]\.partition must be an integer/)
  refuse(native.adminCreateTopics, [[{ topic: 'a', configEntries: [{ name: 'x', value: null }] }], false, true, 1000], /configEntries\[0\]\.value must be a string/)
  refuse(native.adminCreateTopics, [[{ topic: 'x'.repeat(40000) }], false, true, 1000], /topics\[0\]\.topic is too long/)
  refuse(native.adminCreateTopics, [[{ topic: 'a' }], false, true, -5], /timeout is out of range/)
  refuse(native.adminDeleteTopics, [new Array(20000).fill('t'), 1000], /topics has too many entries/)
  refuse(native.adminFetchOffsets, [5, null, false], /groupId must be a string/)
  refuse(native.adminSetOffsets, ['g', 't', [{ partition: 0, offset: 2 ** 60 }]], /partitions\[0\]\.offset must be an integer/)
  refuse(native.adminAlterConfigs, [[{ type: 2, name: 'x', configEntries: [{ name: 5, value: 'a' }] }], false], /resources\[0\]\.configEntries\[0\]\.name must be a string/)
  refuse(native.adminDescribeConfigs, [[{ type: 1, name: 'x' }], false], /resources\[0\]\.type must be ConfigResourceTypes/)
  refuse(native.adminDescribeAcls, [{ resourceType: 0, resourcePatternType: 1, operation: 1, permissionType: 1 }], /filter\.resourceType is out of range/)
  refuse(native.adminCreateAcls, [[{ resourceType: 2, resourceName: 'x', resourcePatternType: 1, principal: 'User:a', host: '*', operation: 3, permissionType: 3 }]], /acl\[0\]\.resourcePatternType is out of range/)
  refuse(native.adminDeleteAcls, [[{ resourceType: 2, resourcePatternType: 1, operation: 1, permissionType: 1, host: 9 }]], /filters\[0\]\.host must be a string or null/)
  refuse(native.adminDescribeGroups, [{ length: 3 }], /groupIds must be an array/)
  refuse(native.adminAlterPartitionReassignments, [[{ topic: 't', partitionAssignment: [] }], null], /topics\[0\]\.partitionAssignment must not be empty/)
  refuse(native.adminAlterPartitionReassignments, [[{ topic: 't', partitionAssignment: [{ partition: 0, replicas: new Array(2000).fill(1) }] }], null], /replicas has too many entries/)
  refuse(native.adminListPartitionReassignments, [[{ topic: 't', partitions: [0.5] }], null], /topics\[0\]\.partitions\[0\] must be an integer/)
  // Not an admin handle, or no callback.
  assert.throws(() => native.adminListTopics({}, cb), /not a handle of this kind/)
  assert.throws(() => native.adminListTopics(h, 'cb'), /callback must be a function/)
  assert.throws(() => native.adminListTopics(h), /too few arguments|callback must be a function/)
  await admin.disconnect()
})

test('lifecycle: events, calls after disconnect, disconnect twice, reconnect, a call pending at disconnect', async () => {
  const k = kafka()
  const admin = k.admin()
  assert.deepEqual(admin.events, {
    CONNECT: 'admin.connect',
    DISCONNECT: 'admin.disconnect',
    REQUEST: 'admin.network.request',
    REQUEST_TIMEOUT: 'admin.network.request_timeout',
    REQUEST_QUEUE_SIZE: 'admin.network.request_queue_size',
    STATS: 'admin.stats' // uvkafka's statistics, not KafkaJS's (docs/node.md)
  })
  assert.equal(typeof admin.logger().info, 'function')
  const connects = waitEvents(admin, admin.events.CONNECT)
  const disconnects = waitEvents(admin, admin.events.DISCONNECT, 2)
  const requests = waitEvents(admin, admin.events.REQUEST)
  await admin.connect()
  const [c] = await connects.done
  assert.equal(c.type, 'admin.connect')
  assert.equal(typeof c.id, 'number')
  assert.equal(typeof c.timestamp, 'number')
  await admin.listTopics()
  const [r] = await requests.done
  assert.equal(r.type, 'admin.network.request')
  assert.equal(typeof r.payload.apiName, 'string')

  await admin.disconnect()
  await admin.disconnect()
  for (const call of [
    () => admin.listTopics(),
    () => admin.createTopics({ topics: [{ topic: 'x' }] }),
    () => admin.fetchTopicOffsets('x'),
    () => admin.describeCluster(),
    () => admin.listGroups(),
    () => admin.fetchOffsets({ groupId: 'g' })
  ]) {
    await assert.rejects(call(), e => e instanceof KafkaJSNonRetriableError && /disconnected/.test(e.message))
  }

  // connect() after disconnect() opens the admin again.
  await admin.connect()
  assert.ok(Array.isArray(await admin.listTopics()))
  // A call still pending at disconnect settles (either way) and nothing crashes.
  const pending = admin.fetchTopicMetadata().then(() => 'resolved', e => e.name)
  await admin.disconnect()
  const outcome = await pending
  assert.ok(['resolved', 'KafkaJSConnectionClosedError', 'KafkaJSNonRetriableError', 'KafkaJSConnectionError'].includes(outcome), outcome)
  const ds = await disconnects.done
  assert.equal(ds.length, 2)
  connects.remove()
  disconnects.remove()
  requests.remove()
  // The handles are freed on a later turn; make sure that turn runs cleanly.
  await new Promise(resolve => setImmediate(resolve))
  await new Promise(resolve => setImmediate(resolve))
})

test('admin retry options are accepted; a refused option throws at kafka.admin()', async () => {
  const k = kafka()
  await withAdmin(async admin => {
    assert.ok((await admin.listTopics()).length >= 0)
  }, k)
  const admin = k.admin({ retry: { retries: 1, initialRetryTime: 50 } })
  await admin.connect()
  assert.ok(Array.isArray(await admin.listTopics()))
  await admin.disconnect()
  assert.throws(() => k.admin({ retry: { retries: 'lots' } }), e => e instanceof KafkaJSNonRetriableError)
})
