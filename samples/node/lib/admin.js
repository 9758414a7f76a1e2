'use strict'
// kafka.admin(): KafkaJS 2.2.4's admin client (names, argument shapes, defaults, results and
// errors) over uvkafka's uvk_admin_* calls. Arguments are checked here with KafkaJS's
// messages, then again by the addon (which refuses anything malformed before sending).
const native = require('./native')
const { NativeClient } = require('./kafka')
const { Instrumentation, EventType, networkEvents, statsPayload } = require('./instrumentation')
const {
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  KafkaJSAggregateError,
  KafkaJSCreateTopicError,
  KafkaJSDeleteGroupsError,
  KafkaJSDeleteTopicRecordsError,
  KafkaJSAlterPartitionReassignmentsError,
  fromNative,
  fromThrown
} = require('./errors')
const {
  ConfigResourceTypes,
  AclResourceTypes,
  AclOperationTypes,
  AclPermissionTypes,
  ResourcePatternTypes
} = require('./constants')

const events = Object.freeze(Object.assign({
  CONNECT: 'admin.connect',
  DISCONNECT: 'admin.disconnect'
}, networkEvents('admin')))

// admin.options.retry -> the admin's own retry policy (uvk_admin_new's retry.* keys).
function settingsFromOptions (options = {}) {
  const s = []
  const retry = (options && options.retry) || {}
  for (const k of ['maxRetryTime', 'initialRetryTime', 'factor', 'multiplier', 'retries']) {
    if (retry[k] !== undefined && retry[k] !== null) s.push(`retry.${k}`, String(retry[k]))
  }
  return s
}

// A per-item error object of the addon as KafkaJS's protocol error (createErrorFromCode).
const protocolError = e => fromNative(e)
const protocolInit = e => ({
  message: e.brokerMessage || e.message,
  type: e.kafkaName || e.code,
  code: e.kafkaCode,
  retriable: e.retriable
})

const isString = v => typeof v === 'string'
const validValues = o => Object.values(o)

class Admin {
  constructor (kafka, options = {}) {
    this._kafka = kafka
    this._options = options || {}
    this._settings = settingsFromOptions(this._options)
    this._logger = kafka.rootLogger.namespace('Admin')
    this.events = events
    this._instr = new Instrumentation(events, (type, on) => { if (this._client) this._client.listen(type, on) }, this._logger)
    // admin.connect / admin.disconnect are emitted here, not by the native connections.
    this._instr.byType.delete(EventType.CONNECT)
    this._instr.byType.delete(EventType.DISCONNECT)
    this._client = null
    this._handle = null
    this._inflight = 0
    this._toFree = []
    this._open()
  }

  _open () {
    // KafkaJS's admin never creates a topic by asking for its metadata (fetchTopicOffsets or
    // describeConfigs of a missing topic fail, they do not make it).
    const client = new NativeClient(this._kafka, this._settings.concat(['allowAutoTopicCreation', 'false']), (type, payload, ts) => this._instr.emitNative(type, payload, ts),
      json => this._instr.emit(events.STATS, statsPayload(json)))
    try {
      this._handle = native.adminNew(client.handle, this._settings)
    } catch (e) {
      client.disconnect().catch(() => {})
      throw fromThrown(e)
    }
    this._client = client
    this._instr.replay()
  }

  // The native call as a promise of {err, result}: result may come with err when single
  // items failed. Refused arguments reject at once (nothing was sent).
  _call (fn, ...args) {
    return new Promise((resolve, reject) => {
      if (!this._handle) {
        reject(new KafkaJSNonRetriableError('The admin client is disconnected'))
        return
      }
      this._inflight++
      try {
        fn(this._handle, ...args, (err, result) => {
          this._settled()
          resolve({ err, result })
        })
      } catch (e) {
        this._settled()
        reject(fromThrown(e))
      }
    })
  }

  async _run (fn, ...args) {
    const { err, result } = await this._call(fn, ...args)
    if (err) throw fromNative(err)
    return result
  }

  // Handles are freed once nothing of theirs is pending, and never from inside a callback.
  _settled () {
    this._inflight--
    if (this._inflight === 0 && this._toFree.length > 0) {
      const handles = this._toFree
      this._toFree = []
      setImmediate(() => { for (const h of handles) native.adminFree(h) })
    }
  }

  // Waits (bounded by `timeout`) until the brokers' metadata shows a change the controller
  // accepted: KRaft brokers apply it a moment later, so a listTopics / fetchTopicMetadata right
  // after createPartitions or deleteTopics would otherwise still see the old state.
  async _settle (check, timeout, what) {
    const deadline = Date.now() + (Number.isInteger(timeout) && timeout > 0 ? timeout : 5000)
    for (;;) {
      try {
        if (await check()) return
      } catch (e) {
        if (!this._handle) return
      }
      if (Date.now() >= deadline) {
        this._logger.warn(`${what}: the brokers' metadata did not show the change yet`, { timeout })
        return
      }
      await new Promise(resolve => setTimeout(resolve, 20))
    }
  }

  async connect () {
    if (!this._handle) this._open()
    await this._client.connect()
    this._instr.emit(events.CONNECT)
  }

  async disconnect () {
    if (!this._handle) return
    const h = this._handle
    const client = this._client
    this._handle = null
    this._client = null
    try {
      await client.disconnect()
    } finally {
      if (this._inflight === 0) {
        setImmediate(() => native.adminFree(h))
      } else {
        this._toFree.push(h)
      }
    }
    this._instr.emit(events.DISCONNECT)
  }

  on (eventName, listener) {
    if (!validValues(events).includes(eventName)) {
      throw new KafkaJSNonRetriableError(`Event name should be one of ${Object.keys(events).map(k => `admin.events.${k}`).join(', ')}`)
    }
    return this._instr.on(eventName, listener)
  }

  logger () {
    return this._logger
  }

  // ---- topics ----
  // KafkaJS lists every topic of the cluster's metadata, internal ones (__consumer_offsets)
  // too; the library's listTopics leaves those out, so the names come from the metadata here.
  async listTopics () {
    const md = await this._run(native.adminFetchTopicMetadata, null)
    return md.topics.map(t => t.name)
  }

  async createTopics ({ topics, validateOnly, timeout, waitForLeaders = true } = {}) {
    if (!topics || !Array.isArray(topics)) throw new KafkaJSNonRetriableError(`Invalid topics array ${topics}`)
    if (topics.filter(t => !t || typeof t.topic !== 'string').length > 0) {
      throw new KafkaJSNonRetriableError('Invalid topics array, the topic names have to be a valid string')
    }
    const names = new Set(topics.map(({ topic }) => topic))
    if (names.size < topics.length) {
      throw new KafkaJSNonRetriableError('Invalid topics array, it cannot have multiple entries for the same topic')
    }
    for (const { topic, configEntries } of topics) {
      if (configEntries == null) continue
      if (!Array.isArray(configEntries)) {
        throw new KafkaJSNonRetriableError(`Invalid configEntries for topic "${topic}", must be an array`)
      }
      configEntries.forEach((entry, index) => {
        if (typeof entry !== 'object' || entry == null) {
          throw new KafkaJSNonRetriableError(`Invalid configEntries for topic "${topic}". Entry ${index} must be an object`)
        }
        for (const p of ['name', 'value']) {
          if (!Object.prototype.hasOwnProperty.call(entry, p) || typeof entry[p] !== 'string') {
            throw new KafkaJSNonRetriableError(`Invalid configEntries for topic "${topic}". Entry ${index} must have a valid "${p}" property`)
          }
        }
      })
    }
    if (topics.length === 0) return true
    const { err, result } = await this._call(native.adminCreateTopics, topics, validateOnly ?? false, waitForLeaders, timeout)
    const failed = (result || []).filter(r => r.error)
    if (failed.length > 0) {
      if (failed.every(r => r.error.kafkaName === 'TOPIC_ALREADY_EXISTS')) return false
      throw new KafkaJSAggregateError('Topic creation errors',
        failed.map(r => new KafkaJSCreateTopicError(protocolInit(r.error), r.name)))
    }
    if (err) throw fromNative(err)
    return true
  }

  async deleteTopics ({ topics, timeout } = {}) {
    if (!topics || !Array.isArray(topics)) throw new KafkaJSNonRetriableError(`Invalid topics array ${topics}`)
    if (topics.filter(topic => typeof topic !== 'string').length > 0) {
      throw new KafkaJSNonRetriableError('Invalid topics array, the names must be a valid string')
    }
    if (topics.length === 0) return
    await this._run(native.adminDeleteTopics, topics, timeout)
    await this._settle(async () => {
      const names = await this._run(native.adminListTopics)
      return topics.every(t => !names.includes(t))
    }, timeout, 'deleteTopics')
  }

  async createPartitions ({ topicPartitions, validateOnly, timeout } = {}) {
    if (!topicPartitions || !Array.isArray(topicPartitions)) {
      throw new KafkaJSNonRetriableError(`Invalid topic partitions array ${topicPartitions}`)
    }
    if (topicPartitions.length === 0) throw new KafkaJSNonRetriableError('Empty topic partitions array')
    if (topicPartitions.filter(t => !t || typeof t.topic !== 'string').length > 0) {
      throw new KafkaJSNonRetriableError('Invalid topic partitions array, the topic names have to be a valid string')
    }
    const names = new Set(topicPartitions.map(({ topic }) => topic))
    if (names.size < topicPartitions.length) {
      throw new KafkaJSNonRetriableError('Invalid topic partitions array, it cannot have multiple entries for the same topic')
    }
    await this._run(native.adminCreatePartitions, topicPartitions, validateOnly ?? false, timeout)
    if (validateOnly) return
    await this._settle(async () => {
      const md = await this._run(native.adminFetchTopicMetadata, [...names])
      return topicPartitions.every(({ topic, count }) => {
        const t = md.topics.find(x => x.name === topic)
        return t && t.partitions.length >= count
      })
    }, timeout, 'createPartitions')
  }

  // KafkaJS's partition metadata also has offlineReplicas, which the C ABI does not give.
  async fetchTopicMetadata ({ topics = [] } = {}) {
    if (topics) {
      if (!Array.isArray(topics)) throw new KafkaJSNonRetriableError(`Invalid topics array ${topics}`)
      topics.forEach(topic => {
        if (!topic || typeof topic !== 'string') throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
      })
    }
    const md = await this._run(native.adminFetchTopicMetadata, topics && topics.length > 0 ? topics : null)
    const failed = md.topics.find(t => t.error)
    if (failed) throw protocolError(failed.error)
    return {
      topics: md.topics.map(t => ({
        name: t.name,
        partitions: t.partitions.map(({ partitionErrorCode, partitionId, leader, replicas, isr, offlineReplicas }) =>
          ({ partitionErrorCode, partitionId, leader, replicas, isr, offlineReplicas }))
      }))
    }
  }

  async describeCluster () {
    const md = await this._run(native.adminDescribeCluster)
    return {
      brokers: md.brokers.map(({ nodeId, host, port }) => ({ nodeId, host, port })),
      controller: md.controller,
      clusterId: md.clusterId
    }
  }

  // ---- offsets ----
  async fetchTopicOffsets (topic) {
    if (!topic || typeof topic !== 'string') throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
    const offsets = await this._run(native.adminFetchTopicOffsets, topic)
    const failed = offsets.find(o => o.error)
    if (failed) throw protocolError(failed.error)
    return offsets.map(({ partition, offset, high, low }) => ({ partition, offset, high, low }))
  }

  async fetchTopicOffsetsByTimestamp (topic, timestamp) {
    if (!topic || typeof topic !== 'string') throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
    if (timestamp != null && (typeof timestamp !== 'number' || !Number.isInteger(timestamp))) {
      throw new KafkaJSNonRetriableError(`Invalid timestamp ${timestamp}`)
    }
    const offsets = await this._run(native.adminFetchTopicOffsetsByTimestamp, topic, timestamp ?? -1)
    const failed = offsets.find(o => o.error)
    if (failed) throw protocolError(failed.error)
    return offsets.map(({ partition, offset }) => ({ partition, offset }))
  }

  async fetchOffsets ({ groupId, topics, resolveOffsets = false } = {}) {
    if (!groupId) throw new KafkaJSNonRetriableError(`Invalid groupId ${groupId}`)
    if (typeof groupId !== 'string') throw new KafkaJSNonRetriableError(`Invalid groupId ${groupId}, it must be a string`)
    if (!topics) topics = []
    if (!Array.isArray(topics)) throw new KafkaJSNonRetriableError('Expected topics array to be set')
    const offsets = await this._run(native.adminFetchOffsets, groupId, topics.length > 0 ? topics : null, !!resolveOffsets)
    const failed = offsets.find(o => o.error)
    if (failed) throw protocolError(failed.error)
    const byTopic = new Map()
    for (const t of topics) byTopic.set(t, [])
    for (const { topic, partition, offset, metadata } of offsets) {
      if (!byTopic.has(topic)) byTopic.set(topic, [])
      byTopic.get(topic).push({ partition, offset, metadata: metadata || null })
    }
    const result = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }))
    if (resolveOffsets) {
      // KafkaJS commits the resolved offsets (setOffsets: the group must have no members).
      for (const { topic, partitions } of result) {
        const seeks = partitions.filter(p => Number(p.offset) >= 0).map(({ partition, offset }) => ({ partition, offset }))
        if (seeks.length > 0) await this._commit(groupId, native.adminSetOffsets, groupId, topic, seeks)
      }
    }
    return result
  }

  // An offset commit refused because the group has members: KafkaJS's refusal.
  async _groupBusy (groupId, err) {
    if (!['UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION'].includes(err.kafkaName)) return fromNative(err)
    try {
      const { groups } = await this.describeGroups([groupId])
      const state = groups[0] && groups[0].state
      if (state && !['Empty', 'Dead'].includes(state)) {
        return new KafkaJSNonRetriableError(`The consumer group must have no running instances, current state: ${state}`)
      }
    } catch (_) {}
    return fromNative(err)
  }

  async _commit (groupId, fn, ...args) {
    const { err, result } = await this._call(fn, ...args)
    if (err) throw await this._groupBusy(groupId, err)
    const failed = (result || []).find(o => o.error)
    if (failed) throw protocolError(failed.error)
  }

  async setOffsets ({ groupId, topic, partitions } = {}) {
    if (!groupId) throw new KafkaJSNonRetriableError(`Invalid groupId ${groupId}`)
    if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
    if (!partitions || partitions.length === 0) throw new KafkaJSNonRetriableError('Invalid partitions')
    if (!Array.isArray(partitions)) throw new KafkaJSNonRetriableError('Invalid partitions, it must be an array')
    await this._commit(groupId, native.adminSetOffsets, groupId, topic, partitions)
  }

  async resetOffsets ({ groupId, topic, earliest = false } = {}) {
    if (!groupId) throw new KafkaJSNonRetriableError(`Invalid groupId ${groupId}`)
    if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
    await this._commit(groupId, native.adminResetOffsets, groupId, topic, !!earliest)
  }

  async deleteTopicRecords ({ topic, partitions } = {}) {
    if (!topic || typeof topic !== 'string') throw new KafkaJSNonRetriableError(`Invalid topic "${topic}"`)
    if (!partitions || partitions.length === 0) throw new KafkaJSNonRetriableError('Invalid partitions')
    if (!Array.isArray(partitions)) throw new KafkaJSNonRetriableError('Invalid partitions, it must be an array')
    const { err, result } = await this._call(native.adminDeleteTopicRecords, topic, partitions)
    const failed = (result || []).filter(o => o.error)
    if (failed.length > 0) {
      const requested = new Map(partitions.map(p => [p && p.partition, p && p.offset]))
      throw new KafkaJSDeleteTopicRecordsError({
        topic,
        partitions: failed.map(({ partition, error }) => ({
          partition,
          offset: requested.get(partition),
          error: new KafkaJSProtocolError(protocolInit(error))
        }))
      })
    }
    if (err) throw fromNative(err)
  }

  // ---- configs ----
  _checkResources (resources) {
    if (!resources || !Array.isArray(resources)) throw new KafkaJSNonRetriableError(`Invalid resources array ${resources}`)
    if (resources.length === 0) throw new KafkaJSNonRetriableError('Resources array cannot be empty')
    const invalidType = resources.find(r => !r || !validValues(ConfigResourceTypes).includes(r.type))
    if (invalidType) {
      throw new KafkaJSNonRetriableError(`Invalid resource type ${invalidType && invalidType.type}: ${JSON.stringify(invalidType)}`)
    }
    const invalidName = resources.find(r => !r.name || typeof r.name !== 'string')
    if (invalidName) {
      throw new KafkaJSNonRetriableError(`Invalid resource name ${invalidName.name}: ${JSON.stringify(invalidName)}`)
    }
  }

  async describeConfigs ({ resources, includeSynonyms } = {}) {
    this._checkResources(resources)
    const invalidConfigs = resources.find(r => !Array.isArray(r.configNames) && r.configNames != null)
    if (invalidConfigs) {
      throw new KafkaJSNonRetriableError(`Invalid resource configNames ${invalidConfigs.configNames}: ${JSON.stringify(invalidConfigs)}`)
    }
    const described = await this._run(native.adminDescribeConfigs, resources, !!includeSynonyms)
    const failed = described.find(r => r.error)
    if (failed) throw protocolError(failed.error)
    return {
      resources: described.map(r => ({
        errorCode: 0,
        errorMessage: '',  // KafkaJS reads the broker's null message as ''
        resourceType: r.resourceType,
        resourceName: r.resourceName,
        configEntries: r.configEntries
      }))
    }
  }

  async alterConfigs ({ resources, validateOnly } = {}) {
    this._checkResources(resources)
    const invalidConfigs = resources.find(r => !Array.isArray(r.configEntries))
    if (invalidConfigs) {
      throw new KafkaJSNonRetriableError(`Invalid resource configEntries ${invalidConfigs.configEntries}: ${JSON.stringify(invalidConfigs)}`)
    }
    const invalidValue = resources.find(r => r.configEntries.some(e => !e || typeof e.name !== 'string' || typeof e.value !== 'string'))
    if (invalidValue) {
      throw new KafkaJSNonRetriableError(`Invalid resource config value: ${JSON.stringify(invalidValue)}`)
    }
    const results = await this._run(native.adminAlterConfigs, resources, !!validateOnly)
    const failed = results.find(r => r.error)
    if (failed) throw protocolError(failed.error)
    // Results are named by resource, in the order given.
    return {
      resources: results.map((r, i) => ({
        errorCode: 0,
        errorMessage: null,
        resourceType: resources[i] && resources[i].name === r.name ? resources[i].type : (resources.find(x => x.name === r.name) || {}).type,
        resourceName: r.name
      }))
    }
  }

  // ---- groups ----
  async listGroups () {
    const groups = await this._run(native.adminListGroups)
    return { groups: groups.map(({ groupId, protocolType }) => ({ groupId, protocolType: protocolType ?? '' })) }
  }

  async describeGroups (groupIds) {
    if (!groupIds || !Array.isArray(groupIds)) throw new KafkaJSNonRetriableError(`Invalid groupIds array ${groupIds}`)
    if (groupIds.some(g => typeof g !== 'string' || g.length === 0)) {
      throw new KafkaJSNonRetriableError('Invalid groupIds array, the group ids have to be non-empty strings')
    }
    if (groupIds.length === 0) return { groups: [] }
    const groups = await this._run(native.adminDescribeGroups, groupIds)
    return {
      groups: groups.map(g => ({
        errorCode: 0,
        groupId: g.groupId,
        state: g.state,
        protocolType: g.protocolType ?? '',
        protocol: g.protocol ?? '',
        members: g.members
      }))
    }
  }

  async deleteGroups (groupIds) {
    if (!groupIds || !Array.isArray(groupIds)) throw new KafkaJSNonRetriableError(`Invalid groupIds array ${groupIds}`)
    const invalidGroupId = groupIds.some(g => typeof g !== 'string')
    if (invalidGroupId) throw new KafkaJSNonRetriableError(`Invalid groupId name: ${JSON.stringify(invalidGroupId)}`)
    if (groupIds.length === 0) return []
    const { err, result } = await this._call(native.adminDeleteGroups, groupIds)
    if (!result || result.length === 0) {
      if (err) throw fromNative(err)
      return []
    }
    const all = result.map(r => r.error
      ? { groupId: r.name, errorCode: r.error.kafkaCode, error: new KafkaJSProtocolError(protocolInit(r.error)) }
      : { groupId: r.name, errorCode: 0 })
    const errors = all.filter(r => r.errorCode !== 0 || r.error)
    if (errors.length > 0) throw new KafkaJSDeleteGroupsError('Error in DeleteGroups', errors)
    if (err) throw fromNative(err)
    return all
  }

  // ---- partition reassignments (KafkaJS 2.2.0) ----
  async alterPartitionReassignments ({ topics, timeout } = {}) {
    if (!topics || !Array.isArray(topics)) throw new KafkaJSNonRetriableError(`Invalid topics array ${topics}`)
    if (topics.filter(t => !t || typeof t.topic !== 'string').length > 0) {
      throw new KafkaJSNonRetriableError('Invalid topics array, the topic names have to be a valid string')
    }
    const names = new Set(topics.map(({ topic }) => topic))
    if (names.size < topics.length) {
      throw new KafkaJSNonRetriableError('Invalid topics array, it cannot have multiple entries for the same topic')
    }
    for (const { topic, partitionAssignment } of topics) {
      if (!partitionAssignment || !Array.isArray(partitionAssignment)) {
        throw new KafkaJSNonRetriableError(`Invalid partitions array: ${partitionAssignment} for topic: ${topic}`)
      }
      for (const entry of partitionAssignment) {
        const { partition, replicas } = entry || {}
        if (partition === null || partition === undefined || typeof partition !== 'number' || partition < 0) {
          throw new KafkaJSNonRetriableError(`Invalid partitions index: ${partition} for topic: ${topic}`)
        }
        if (!replicas || !Array.isArray(replicas)) {
          throw new KafkaJSNonRetriableError(`Invalid replica assignment: ${replicas} for topic: ${topic} on partition: ${partition}`)
        }
        if (replicas.filter(replica => typeof replica !== 'number' || replica < 0).length >= 1) {
          throw new KafkaJSNonRetriableError(`Invalid replica assignment: ${replicas} for topic: ${topic} on partition: ${partition}. Replicas must be a non negative number`)
        }
      }
    }
    if (topics.length === 0) return
    const { err, result } = await this._call(native.adminAlterPartitionReassignments, topics, timeout)
    const failed = (result || []).filter(r => r.error)
    if (failed.length > 0) {
      throw new KafkaJSAggregateError('Errors altering partition reassignments',
        failed.map(r => new KafkaJSAlterPartitionReassignmentsError(protocolInit(r.error), r.topic, r.partition)))
    }
    if (err) throw fromNative(err)
  }

  async listPartitionReassignments ({ topics = null, timeout } = {}) {
    if (topics) {
      if (!Array.isArray(topics)) throw new KafkaJSNonRetriableError(`Invalid topics array ${topics}`)
      if (topics.filter(t => !t || typeof t.topic !== 'string').length > 0) {
        throw new KafkaJSNonRetriableError('Invalid topics array, the topic names have to be a valid string')
      }
      const names = new Set(topics.map(({ topic }) => topic))
      if (names.size < topics.length) {
        throw new KafkaJSNonRetriableError('Invalid topics array, it cannot have multiple entries for the same topic')
      }
      for (const { topic, partitions } of topics) {
        if (!partitions || !Array.isArray(partitions)) {
          throw new KafkaJSNonRetriableError(`Invalid partition array: ${partitions} for topic: ${topic}`)
        }
        if (partitions.filter(p => typeof p !== 'number' || p < 0).length >= 1) {
          throw new KafkaJSNonRetriableError(`Invalid partition array: ${partitions} for topic: ${topic}. The partition indices have to be a valid number greater than 0.`)
        }
      }
    }
    const ongoing = await this._run(native.adminListPartitionReassignments, topics && topics.length > 0 ? topics : null, timeout)
    const byTopic = new Map()
    for (const { topic, partition, replicas, addingReplicas, removingReplicas } of ongoing) {
      if (!byTopic.has(topic)) byTopic.set(topic, [])
      byTopic.get(topic).push({ partition, replicas, addingReplicas, removingReplicas })
    }
    return { topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) }
  }

  // ---- ACLs ----
  _checkAcls (list, what, filter) {
    const bad = key => list.some(a => !a || (typeof a[key] !== 'string' && !(filter && typeof a[key] === 'undefined')))
    if (bad('principal')) throw new KafkaJSNonRetriableError(`Invalid ${what} array, the principals have to be a valid string`)
    if (bad('host')) throw new KafkaJSNonRetriableError(`Invalid ${what} array, the hosts have to be a valid string`)
    if (bad('resourceName')) throw new KafkaJSNonRetriableError(`Invalid ${what} array, the resourceNames have to be a valid string`)
    const enums = [
      ['operation', AclOperationTypes, 'operation type'],
      ['resourcePatternType', ResourcePatternTypes, 'resource pattern type'],
      ['permissionType', AclPermissionTypes, 'permission type'],
      ['resourceType', AclResourceTypes, 'resource type']
    ]
    for (const [key, values, name] of enums) {
      const invalid = list.find(a => !validValues(values).includes(a[key]))
      if (invalid) throw new KafkaJSNonRetriableError(`Invalid ${name} ${invalid[key]}: ${JSON.stringify(invalid)}`)
    }
  }

  async createAcls ({ acl } = {}) {
    if (!acl || !Array.isArray(acl)) throw new KafkaJSNonRetriableError(`Invalid ACL array ${acl}`)
    if (acl.length === 0) throw new KafkaJSNonRetriableError('Empty ACL array')
    this._checkAcls(acl, 'ACL', false)
    const { err, result } = await this._call(native.adminCreateAcls, acl)
    const failed = (result || []).find(r => r.error)
    if (failed) throw protocolError(failed.error)
    if (err) throw fromNative(err)
    return true
  }

  async describeAcls (filter = {}) {
    const { resourceType, resourceName, resourcePatternType, principal, host, operation, permissionType } = filter || {}
    if (typeof principal !== 'string' && typeof principal !== 'undefined') {
      throw new KafkaJSNonRetriableError('Invalid principal, the principal have to be a valid string')
    }
    if (typeof host !== 'string' && typeof host !== 'undefined') {
      throw new KafkaJSNonRetriableError('Invalid host, the host have to be a valid string')
    }
    if (typeof resourceName !== 'string' && typeof resourceName !== 'undefined') {
      throw new KafkaJSNonRetriableError('Invalid resourceName, the resourceName have to be a valid string')
    }
    if (!validValues(AclOperationTypes).includes(operation)) throw new KafkaJSNonRetriableError(`Invalid operation type ${operation}`)
    if (!validValues(ResourcePatternTypes).includes(resourcePatternType)) {
      throw new KafkaJSNonRetriableError(`Invalid resource pattern filter type ${resourcePatternType}`)
    }
    if (!validValues(AclPermissionTypes).includes(permissionType)) throw new KafkaJSNonRetriableError(`Invalid permission type ${permissionType}`)
    if (!validValues(AclResourceTypes).includes(resourceType)) throw new KafkaJSNonRetriableError(`Invalid resource type ${resourceType}`)
    const acls = await this._run(native.adminDescribeAcls,
      { resourceType, resourceName, resourcePatternType, principal, host, operation, permissionType })
    const resources = []
    const byKey = new Map()
    for (const a of acls) {
      const key = `${a.resourceType}\u0000${a.resourcePatternType}\u0000${a.resourceName}`
      let r = byKey.get(key)
      if (!r) {
        r = { resourceType: a.resourceType, resourceName: a.resourceName, resourcePatternType: a.resourcePatternType, acls: [] }
        byKey.set(key, r)
        resources.push(r)
      }
      r.acls.push({ principal: a.principal, host: a.host, operation: a.operation, permissionType: a.permissionType })
    }
    return { resources }
  }

  async deleteAcls ({ filters } = {}) {
    if (!filters || !Array.isArray(filters)) throw new KafkaJSNonRetriableError(`Invalid ACL Filter array ${filters}`)
    if (filters.length === 0) throw new KafkaJSNonRetriableError('Empty ACL Filter array')
    this._checkAcls(filters, 'ACL Filter', true)
    const { err, result } = await this._call(native.adminDeleteAcls, filters)
    if (err && (!result || result.length === 0)) throw fromNative(err)
    const failed = (result || []).find(r => r.error)
    if (failed) throw protocolError(failed.error)
    if (err) throw fromNative(err)
    const filterResponses = filters.map(() => ({ errorCode: 0, errorMessage: null, matchingAcls: [] }))
    for (const a of result) {
      const fr = filterResponses[a.index]
      if (!fr) continue
      fr.matchingAcls.push({
        errorCode: 0,
        errorMessage: null,
        resourceType: a.resourceType,
        resourceName: a.resourceName,
        resourcePatternType: a.resourcePatternType,
        principal: a.principal,
        host: a.host,
        operation: a.operation,
        permissionType: a.permissionType
      })
    }
    return { filterResponses }
  }
}

module.exports = { Admin, events, settingsFromOptions }
