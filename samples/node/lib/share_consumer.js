'use strict'
// kafka.shareConsumer({groupId}): a share group member (KIP-932, Kafka 4.2+), which KafkaJS
// never had. Many members read one partition; each record goes to one member, which
// acknowledges it: eachMessage resolving accepts it, throwing releases it (delivered again),
// and message.acknowledge('reject' | 'release' | 'accept' | 'renew') decides explicitly.
const native = require('./native')
const { NativeClient } = require('./kafka')
const { callNative } = require('./producer')
const { KafkaJSNonRetriableError, fromThrown, fromNative } = require('./errors')

const ACK = { accept: 1, release: 2, reject: 3, renew: 4 }
const SHARE_KEYS = ['heartbeatInterval', 'maxWaitTimeInMs', 'minBytes', 'maxBytes']

class ShareConsumer {
  constructor (kafka, options = {}) {
    const { groupId } = options
    if (typeof groupId !== 'string' || groupId.length === 0) {
      throw new KafkaJSNonRetriableError('ShareConsumer groupId must be a non-empty string.')
    }
    this._logger = kafka.rootLogger.namespace('ShareConsumer')
    this._client = new NativeClient(kafka, [], () => {})
    const settings = ['groupId', groupId]
    for (const k of SHARE_KEYS) if (options[k] !== undefined && options[k] !== null) settings.push(k, String(options[k]))
    try {
      this._handle = native.shareNew(this._client.handle, settings)
    } catch (e) {
      throw fromThrown(e)
    }
    this._state = 'new'
    this._running = false
  }

  _live () {
    if (this._state === 'disconnected') throw new KafkaJSNonRetriableError('The share consumer is disconnected')
    return this._handle
  }

  async connect () {
    this._live()
    await this._client.connect()
    this._state = 'connected'
  }

  async subscribe ({ topic, topics } = {}) {
    const h = this._live()
    const list = topics || (topic !== undefined ? [topic] : [])
    if (!Array.isArray(list) || list.length === 0 || list.some(t => typeof t !== 'string' || !t)) {
      throw new KafkaJSNonRetriableError('subscribe needs topic or topics: non-empty strings (patterns are not supported by share groups)')
    }
    try {
      for (const t of list) native.shareSubscribe(h, t)
    } catch (e) {
      throw fromThrown(e)
    }
  }

  // eachMessage({topic, partition, message}) for every acquired record; message carries
  // deliveryCount and acknowledge(type). Records whose handler has not settled stay acquired
  // (until the group's lock timeout): heartbeats and other records go on meanwhile.
  async run ({ eachMessage, maxRecords = 500 } = {}) {
    const h = this._live()
    if (typeof eachMessage !== 'function') throw new KafkaJSNonRetriableError('run needs eachMessage, a function')
    if (!Number.isInteger(maxRecords) || maxRecords < 1) throw new KafkaJSNonRetriableError('maxRecords must be a positive integer')
    const onRecord = (topic, partition, offset, deliveryCount, timestamp, key, value, headers) => {
      let decided = false
      const ack = type => {
        if (decided || this._handle !== h) return false
        decided = true
        return native.shareAck(h, topic, partition, offset, type) === 0
      }
      const message = {
        key,
        value,
        headers,
        timestamp,
        offset,
        deliveryCount,
        acknowledge: (type = 'accept') => {
          if (!Object.prototype.hasOwnProperty.call(ACK, type)) {
            throw new KafkaJSNonRetriableError(`acknowledge type must be one of ${Object.keys(ACK).join(', ')}`)
          }
          if (type === 'renew') return this._handle === h && !decided && native.shareAck(h, topic, partition, offset, ACK.renew) === 0
          return ack(ACK[type])
        }
      }
      Promise.resolve()
        .then(() => eachMessage({ topic, partition, message }))
        .then(() => ack(ACK.accept), e => {
          this._logger.error('Error when calling eachMessage', { topic, partition, offset, error: e && e.message })
          ack(ACK.release)
        })
    }
    const onCrash = err => {
      this._running = false
      this._logger.error('The share consumer stopped', { error: err && err.message })
      if (this._onCrash) this._onCrash(fromNative(err))
    }
    try {
      native.shareRun(h, maxRecords, onRecord, onCrash)
    } catch (e) {
      throw fromThrown(e)
    }
    this._running = true
  }

  // Releases every record not yet acknowledged, leaves the group, closes the connections.
  async disconnect () {
    if (this._state === 'disconnected') return this._disconnecting
    this._disconnecting = (async () => {
      const h = this._handle
      this._state = 'disconnected'
      this._running = false
      try {
        await callNative(native.shareClose, h)
      } catch (e) {
        this._logger.error(`close failed: ${e.message}`)
      } finally {
        this._handle = null
        await this._client.disconnect().catch(() => {})
        setImmediate(() => native.shareFree(h))
      }
    })()
    return this._disconnecting
  }

  on (eventName, listener) {
    if (eventName !== 'share.crash') throw new KafkaJSNonRetriableError(`Event name should be one of share.crash, got ${eventName}`)
    this._onCrash = listener
    return () => { this._onCrash = null }
  }
}

module.exports = { ShareConsumer }
