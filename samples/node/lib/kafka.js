'use strict'
// new Kafka(config): KafkaJS's client options turned into uvkafka settings. Every producer,
// consumer and admin gets a native client of its own (as KafkaJS gives each its own cluster).
const native = require('./native')
const { createLogger } = require('./logger')
const { logLevel } = require('./constants')
const { KafkaJSNonRetriableError, KafkaJSNotImplemented, KafkaJSConnectionError, fromNative, fromThrown } = require('./errors')

const pem = v => (Array.isArray(v) ? v.map(pem).join('\n') : Buffer.isBuffer(v) ? v.toString('utf8') : String(v))

function clientSettings (config) {
  const s = []
  const put = (k, v) => { if (v !== undefined && v !== null) s.push(k, String(v)) }
  if (Array.isArray(config.brokers)) {
    if (config.brokers.length === 0) throw new KafkaJSNonRetriableError('Failed to connect: brokers array is empty')
    for (const b of config.brokers) {
      if (typeof b !== 'string') throw new KafkaJSNonRetriableError('Failed to connect: "config.brokers" must be an array of strings')
    }
    put('brokers', config.brokers.join(','))
  } else if (typeof config.brokers !== 'function') {
    throw new KafkaJSNonRetriableError('Failed to connect: expected brokers array and got nothing')
  }
  put('clientId', config.clientId ?? 'kafkajs')
  for (const k of ['connectionTimeout', 'authenticationTimeout', 'reauthenticationThreshold', 'requestTimeout',
    'enforceRequestTimeout', 'metadataMaxAge', 'allowAutoTopicCreation', 'statisticsIntervalMs',
    'socketReceiveBufferBytes', 'socketSendBufferBytes']) put(k, config[k])
  if (config.maxInFlightRequests !== undefined) put('maxInFlightRequests', config.maxInFlightRequests === null ? 'null' : config.maxInFlightRequests)
  const retry = config.retry || {}
  for (const k of ['maxRetryTime', 'initialRetryTime', 'factor', 'multiplier', 'retries']) put(`retry.${k}`, retry[k])
  if (config.ssl === true) {
    put('ssl', 'true')
  } else if (config.ssl && typeof config.ssl === 'object') {
    put('ssl', 'true')
    if (config.ssl.ca !== undefined) put('ssl.ca', pem(config.ssl.ca))
    if (config.ssl.cert !== undefined) put('ssl.cert', pem(config.ssl.cert))
    if (config.ssl.key !== undefined) put('ssl.key', pem(config.ssl.key))
    put('ssl.passphrase', config.ssl.passphrase)
    put('ssl.rejectUnauthorized', config.ssl.rejectUnauthorized)
    put('ssl.servername', config.ssl.servername)
  }
  if (config.sasl) {
    const { mechanism } = config.sasl
    if (typeof mechanism !== 'string') throw new KafkaJSNonRetriableError('SASL mechanism must be a string')
    if (config.sasl.authenticationProvider) {
      if (typeof config.sasl.authenticationProvider !== 'function') {
        throw new KafkaJSNonRetriableError('SASL authenticationProvider must be a function')
      }
      return s  // the mechanism goes to the native client with the provider (NativeClient)
    }
    const m = mechanism.toLowerCase()
    if (!['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'].includes(m)) {
      throw new KafkaJSNonRetriableError(`SASL ${mechanism} mechanism is not supported. Supported mechanisms: plain, scram-sha-256, scram-sha-512, oauthbearer`)
    }
    put('sasl.mechanism', m)
    if (m !== 'oauthbearer') {
      put('sasl.username', config.sasl.username)
      put('sasl.password', config.sasl.password)
    } else if (typeof config.sasl.oauthBearerProvider !== 'function') {
      throw new KafkaJSNonRetriableError('SASL OAUTHBEARER requires an oauthBearerProvider function')
    }
  }
  if (config.socketFactory) throw new KafkaJSNotImplemented('socketFactory is not supported by uvkafka for Node')
  return s
}

// One native client and what its hooks need.
class NativeClient {
  constructor (kafka, extra, onEvent, onStats) {
    this.kafka = kafka
    this.connected = false
    this.brokerList = null
    const config = kafka.config
    const hooks = {
      log: (ns, level, label, ts, message, ex) => kafka.rootLogger.native(ns, level, label, ts, message, ex),
      event: onEvent,
      // The native client asks at creation too, before connect() resolved the function: that
      // first answer is a placeholder never dialled (connect asks again, after resolving).
      brokers: typeof config.brokers === 'function'
        ? () => {
            if (!this.brokerList) return ['unresolved.invalid:9092']
            this._refreshBrokers()
            return this.brokerList
          }
        : null,
      oauthbearer: config.sasl && config.sasl.oauthBearerProvider ? id => this._token(id) : null,
      sasl: config.sasl && config.sasl.authenticationProvider ? (...a) => this._saslStep(...a) : null,
      saslMechanism: config.sasl && config.sasl.mechanism,
      stats: onStats || null
    }
    this._exchanges = new Map()
    try {
      this.handle = native.clientNew(kafka.settings.concat(extra || []), hooks)
    } catch (e) {
      throw fromThrown(e)
    }
  }

  async _resolveBrokers () {
    let list
    try {
      list = await this.kafka.config.brokers()
    } catch (e) {
      throw new KafkaJSConnectionError(`Failed to connect: "config.brokers" threw: ${e.message}`)
    }
    if (!Array.isArray(list) || list.length === 0) {
      throw new KafkaJSNonRetriableError('Failed to connect: "config.brokers" returned void or empty array')
    }
    this.brokerList = list
  }

  _refreshBrokers () {
    this._resolveBrokers().catch(() => {})
  }

  _token (id) {
    Promise.resolve().then(() => this.kafka.config.sasl.oauthBearerProvider()).then(t => {
      if (!t || typeof t.value !== 'string') throw new Error('oauthBearerProvider must return {value}')
      const ext = []
      for (const [k, v] of Object.entries(t.extensions || {})) ext.push(k, String(v))
      if (this.handle) native.oauthToken(this.handle, id, t.value, ext)
    }).catch(e => {
      if (this.handle) native.oauthFail(this.handle, id, `oauthBearerProvider failed: ${e.message}`)
    })
  }

  // KafkaJS's authenticationProvider({host, port, logger, saslAuthenticate}).authenticate()
  // drives the exchange; each saslAuthenticate({request, response}) answers the current step
  // with the request's bytes and resolves with the broker's next message, parsed.
  _saslStep (id, exchange, broker, server) {
    let ex = this._exchanges.get(exchange)
    if (ex && server !== null) {
      ex.id = id
      const pending = ex.pending
      ex.pending = null
      if (pending) pending(server)
      return
    }
    ex = { id, pending: null }
    this._exchanges.set(exchange, ex)
    const at = broker.lastIndexOf(':')
    const logger = this.kafka.rootLogger.namespace('SASLAuthenticator')
    const answer = (fn, ...args) => { if (this.handle) fn(this.handle, ex.id, ...args) }
    const saslAuthenticate = async ({ request, response }) => {
      const bytes = await request.encode()
      const reply = await new Promise(resolve => {
        ex.pending = resolve
        answer(native.saslSend, Buffer.from(bytes))
      })
      if (!response) return undefined
      return response.parse(await response.decode(reply))
    }
    Promise.resolve()
      .then(() => this.kafka.config.sasl.authenticationProvider({
        host: broker.slice(0, at), port: Number(broker.slice(at + 1)), logger, saslAuthenticate
      }).authenticate())
      .then(() => answer(native.saslDone), e => answer(native.saslFail, `authenticationProvider failed: ${e && e.message}`))
      .finally(() => { if (this._exchanges.get(exchange) === ex) this._exchanges.delete(exchange) })
  }

  call (fn, ...args) {
    return new Promise((resolve, reject) => {
      try {
        fn(this.handle, ...args, (err, result) => (err ? reject(fromNative(err)) : resolve(result)))
      } catch (e) {
        reject(fromThrown(e))
      }
    })
  }

  async connect () {
    if (typeof this.kafka.config.brokers === 'function') await this._resolveBrokers()
    await this.call(native.clientConnect)
    this.connected = true
  }

  async disconnect () {
    if (!this.handle) return
    const h = this.handle
    try {
      await this.call(native.clientDisconnect)
    } finally {
      this.connected = false
      this.handle = null
      // Freed on the next turn: never from inside the library's own callback.
      setImmediate(() => native.clientFree(h))
    }
  }

  listen (type, on) {
    if (this.handle) native.clientListen(this.handle, type, on)
  }
}

class Kafka {
  constructor (config = {}) {
    this.config = Object.assign({}, config)
    const level = config.logLevel ?? logLevel.INFO
    this.rootLogger = createLogger({ level, logCreator: config.logCreator })
    this.settings = clientSettings(this.config)
    // The native library filters by level before calling back; KAFKAJS_LOG_LEVEL wins.
    this.settings.push('logLevel', String(this.rootLogger.level()))
  }

  producer (options = {}) {
    const { Producer } = require('./producer')
    return new Producer(this, options)
  }

  consumer (options = {}) {
    const { Consumer } = require('./consumer')
    return new Consumer(this, options)
  }

  admin (options = {}) {
    const { Admin } = require('./admin')
    return new Admin(this, options)
  }

  // A share group member (KIP-932): not in KafkaJS; lib/share_consumer.js.
  shareConsumer (options = {}) {
    const { ShareConsumer } = require('./share_consumer')
    return new ShareConsumer(this, options)
  }

  logger () {
    return this.rootLogger
  }
}

module.exports = { Kafka, NativeClient, clientSettings }
