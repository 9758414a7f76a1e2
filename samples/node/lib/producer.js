'use strict'
// kafka.producer(): KafkaJS's producer API over uvkafka's producer.
const native = require('./native')
const { NativeClient } = require('./kafka')
const { Instrumentation, networkEvents, statsPayload } = require('./instrumentation')
const { NATIVE } = require('./partitioners')
const { KafkaJSError, KafkaJSNonRetriableError, fromNative, fromThrown } = require('./errors')

const events = Object.assign({
  CONNECT: 'producer.connect',
  DISCONNECT: 'producer.disconnect'
}, networkEvents('producer'))

// Producer options uvkafka's producer reads (KafkaJS's, plus the batching keys KafkaJS lacks).
const PRODUCER_KEYS = ['idempotent', 'transactionalId', 'transactionTimeout', 'linger', 'batchSize', 'batchSizeMax', 'bufferMemory']
const CLIENT_KEYS = ['metadataMaxAge', 'allowAutoTopicCreation', 'statisticsIntervalMs']

function callNative (fn, handle, ...args) {
  return new Promise((resolve, reject) => {
    try {
      fn(handle, ...args, (err, result) => (err ? reject(fromNative(err)) : resolve(result)))
    } catch (e) {
      reject(fromThrown(e))
    }
  })
}

// One send's messages as the addon reads them: parallel arrays instead of one object per
// message ([values, keys, partitions, timestamps, headers]; a column nobody set is null), so
// the addon makes no property lookup per message. JavaScript's property reads here are cheap.
function flatten (topic, messages) {
  if (!topic || typeof topic !== 'string') throw new KafkaJSNonRetriableError('Invalid topic')
  if (!Array.isArray(messages)) {
    throw new KafkaJSNonRetriableError(`Invalid messages array [${messages}] for topic "${topic}"`)
  }
  const n = messages.length
  const values = new Array(n)
  let keys = null
  let partitions = null
  let timestamps = null
  let headers = null
  for (let i = 0; i < n; i++) {
    const m = messages[i]
    if (m === null || typeof m !== 'object') {
      throw new KafkaJSNonRetriableError(`Invalid message for topic "${topic}": ${m}`)
    }
    const value = m.value
    if (value === undefined) {
      throw new KafkaJSNonRetriableError(`Invalid message without value for topic "${topic}": ${JSON.stringify(m)}`)
    }
    values[i] = value
    const { key, partition, timestamp, headers: h } = m
    if (key !== undefined && key !== null) (keys || (keys = new Array(n).fill(null)))[i] = key
    if (partition !== undefined && partition !== null) (partitions || (partitions = new Array(n).fill(null)))[i] = partition
    if (timestamp !== undefined && timestamp !== null) (timestamps || (timestamps = new Array(n).fill(null)))[i] = timestamp
    if (h !== undefined && h !== null) (headers || (headers = new Array(n).fill(null)))[i] = h
  }
  return [values, keys, partitions, timestamps, headers]
}

class Producer {
  constructor (kafka, options = {}) {
    this.kafka = kafka
    this.options = options
    this._logger = kafka.rootLogger.namespace('Producer')
    this.events = events
    this._instr = new Instrumentation(events, (type, on) => this._client && this._client.listen(type, on), this._logger)
    this._idempotent = !!(options.idempotent || options.transactionalId)
    this._transactional = !!options.transactionalId
    this._txActive = false
    this._state = 'new'
    const clientExtra = []
    for (const k of CLIENT_KEYS) if (options[k] !== undefined) clientExtra.push(k, String(options[k]))
    if (options.maxInFlightRequests !== undefined) {
      clientExtra.push('maxInFlightRequests', options.maxInFlightRequests === null ? 'null' : String(options.maxInFlightRequests))
    }
    const retry = options.retry || {}
    for (const k of Object.keys(retry)) if (retry[k] !== undefined && k !== 'restartOnFailure') clientExtra.push(`retry.${k}`, String(retry[k]))
    this._client = new NativeClient(kafka, clientExtra, (type, payload, ts) => this._instr.emitNative(type, payload, ts),
      json => this._instr.emit(events.STATS, statsPayload(json)))
    // KafkaJS's DefaultPartitioner (keyless messages round-robin), not the C library's sticky default.
    const settings = ['partitioner', 'default']
    for (const k of PRODUCER_KEYS) if (options[k] !== undefined && options[k] !== null) settings.push(k, String(options[k]))
    let partitioner = null
    if (options.createPartitioner) {
      if (typeof options.createPartitioner !== 'function') throw new KafkaJSNonRetriableError('createPartitioner must be a function')
      const made = options.createPartitioner[NATIVE] ? null : options.createPartitioner()
      if (made && !made[NATIVE]) {
        if (typeof made !== 'function') throw new KafkaJSNonRetriableError('createPartitioner must return a function')
        partitioner = (topic, partitionMetadata, message) => made({ topic, partitionMetadata, message })
      }
    }
    try {
      this._handle = native.producerNew(this._client.handle, settings, partitioner)
    } catch (e) {
      throw fromThrown(e)
    }
  }

  _live () {
    if (this._state === 'disconnected') throw new KafkaJSError('The producer is disconnected')  // retriable, as KafkaJS's
    return this._handle
  }

  async connect () {
    this._live()
    await this._client.connect()
    await callNative(native.producerConnect, this._handle)
    this._state = 'connected'
    this._instr.emit(events.CONNECT, null)
  }

  async disconnect () {
    if (this._state === 'disconnected' || this._disconnecting) return this._disconnecting
    this._disconnecting = (async () => {
      const h = this._handle
      try {
        await callNative(native.producerDisconnect, h)
      } finally {
        this._state = 'disconnected'
        await this._client.disconnect().catch(() => {})
        setImmediate(() => native.producerFree(h))
        this._instr.emit(events.DISCONNECT, null)
      }
    })()
    return this._disconnecting
  }

  // KafkaJS answers its `idempotent` option (false for a transactional producer without it,
  // although its sends are idempotent, here as there).
  isIdempotent () {
    return !!this.options.idempotent
  }

  _sendOptions (acks, timeout, compression) {
    if (acks === undefined || acks === null) acks = -1
    if (this._idempotent && acks !== -1) {
      throw new KafkaJSNonRetriableError(`Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees`)
    }
    return [acks, timeout ?? 30000, compression ?? 0]
  }

  _checkTx (inTx) {
    if (this._transactional && !inTx) {
      throw new KafkaJSNonRetriableError('Transactional producers must use transactions to send messages')
    }
  }

  // KafkaJS resolves with [] when nothing was sent (no messages) and when acks is 0 (the
  // broker answers nothing, so there is no metadata to give).
  async send ({ topic, messages, acks, timeout, compression } = {}, inTx = false) {
    const h = this._live()
    const flat = flatten(topic, messages)
    this._checkTx(inTx)
    const [a, t, c] = this._sendOptions(acks, timeout, compression)
    if (flat[0].length === 0) return []
    const result = await callNative(native.producerSend, h, topic, flat, a, t, c)
    return a === 0 ? [] : result
  }

  async sendBatch ({ topicMessages = [], acks, timeout, compression } = {}, inTx = false) {
    const h = this._live()
    if (!Array.isArray(topicMessages)) throw new KafkaJSNonRetriableError(`Invalid topicMessages array [${topicMessages}]`)
    if (topicMessages.some(tm => !tm || typeof tm !== 'object' || !tm.topic)) throw new KafkaJSNonRetriableError('Invalid topic')
    const flat = topicMessages.map(tm => [tm.topic, flatten(tm.topic, tm.messages)]).filter(([, f]) => f[0].length > 0)
    this._checkTx(inTx)
    const [a, t, c] = this._sendOptions(acks, timeout, compression)
    if (flat.length === 0) return []
    const result = await callNative(native.producerSendBatch, h, flat, a, t, c)
    return a === 0 ? [] : result
  }

  async transaction () {
    const h = this._live()
    if (!this._transactional) throw new KafkaJSNonRetriableError('Must provide transactional id for transactional producer')
    if (this._txActive) {
      throw new KafkaJSNonRetriableError('There is already an ongoing transaction for this producer. Please end the transaction before beginning another.')
    }
    if (this._state !== 'connected') await this.connect()
    try {
      native.producerBegin(h)
    } catch (e) {
      throw fromThrown(e)
    }
    this._txActive = true
    let active = true
    // A failed commit or abort leaves the transaction open (the library keeps it for abort, or
    // for commit again after a timeout), so KafkaJS's `catch (e) { await transaction.abort() }`
    // works; a producer that failed for good rejects that abort with its error.
    const end = async fn => {
      if (!active) throw new KafkaJSNonRetriableError('Cannot continue to use transaction once ended')
      await callNative(fn, h)
      active = false
      this._txActive = false
    }
    const guard = () => { if (!active) throw new KafkaJSNonRetriableError('Cannot continue to use transaction once ended') }
    return {
      send: async record => { guard(); return this.send(record, true) },
      sendBatch: async batch => { guard(); return this.sendBatch(batch, true) },
      sendOffsets: async ({ consumerGroupId, topics } = {}) => {
        guard()
        if (!consumerGroupId) throw new KafkaJSNonRetriableError('Invalid consumer group id')
        if (!Array.isArray(topics)) throw new KafkaJSNonRetriableError('Invalid offsets: topics must be an array')
        const offsets = []
        for (const { topic, partitions } of topics) {
          for (const { partition, offset } of partitions || []) offsets.push({ topic, partition, offset })
        }
        return callNative(native.producerSendOffsets, h, consumerGroupId, offsets)
      },
      commit: () => end(native.producerCommit),
      abort: () => end(native.producerAbort),
      isActive: () => active
    }
  }

  on (eventName, listener) {
    return this._instr.on(eventName, listener)
  }

  logger () {
    return this._logger
  }
}

module.exports = { Producer, callNative }
