'use strict'
// kafka.consumer({groupId}): KafkaJS's consumer API over uvkafka's consumer. Batches arrive
// from the addon as one Buffer plus a Float64Array of offsets into it; messages' keys and values
// are views of that Buffer, which lives as long as any of them is referenced.
const { Buffer } = require('buffer')
const native = require('./native')
const { NativeClient } = require('./kafka')
const { Instrumentation, EventType, networkEvents, statsPayload } = require('./instrumentation')
const { BUILTIN } = require('./assigners')
const { AssignerProtocol } = require('./assigner_protocol')
const { callNative } = require('./producer')
const { KafkaJSNonRetriableError, KafkaJSError, fromNative, fromThrown } = require('./errors')

const events = Object.assign({
  HEARTBEAT: 'consumer.heartbeat',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
  GROUP_JOIN: 'consumer.group_join',
  FETCH_START: 'consumer.fetch_start',
  FETCH: 'consumer.fetch',
  START_BATCH_PROCESS: 'consumer.start_batch_process',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  CONNECT: 'consumer.connect',
  DISCONNECT: 'consumer.disconnect',
  STOP: 'consumer.stop',
  CRASH: 'consumer.crash',
  REBALANCING: 'consumer.rebalancing',
  RECEIVED_UNSUBSCRIBED_TOPICS: 'consumer.received_unsubscribed_topics'
}, networkEvents('consumer'))

// KafkaJS's options, then what KafkaJS never had: the consumer group protocol of Kafka 4
// (KIP-848) and static membership (KIP-345), named as uvkafka's configuration names them.
const CONSUMER_KEYS = ['sessionTimeout', 'rebalanceTimeout', 'heartbeatInterval', 'maxBytesPerPartition', 'minBytes',
  'maxBytes', 'maxWaitTimeInMs', 'readUncommitted', 'rackId', 'groupProtocol', 'groupRemoteAssignor', 'groupInstanceId']
const CLIENT_KEYS = ['metadataMaxAge', 'allowAutoTopicCreation', 'statisticsIntervalMs']
const MSG = 8 // fields per message in the meta array (src/consumer.c)
const HDR = 4 // fields per header
const PAUSED = 1
const STALE = 2
// eachMessage asks the addon for its batch's messages this many at a time (see _eachMessage).
const CHUNK = 512

// The last three digits of an offset, as text: a batch's offsets share the digits before them,
// so an offset's string is that shared prefix plus one of these (no number formatting per message).
const ENDINGS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'))

// The texts a batch's messages share: the last timestamp's and the last offset prefix's.
function newTexts () {
  return { ts: NaN, tsText: '', high: NaN, highText: '' }
}

// Offset o as text. Consecutive offsets share `high` (o / 1000), so most cost one
// concatenation, with no division.
function offsetText (o, texts) {
  const low = o - texts.high * 1000
  if (low >= 0 && low < 1000) return texts.highText + ENDINGS[low]
  if (o < 1000 || o > Number.MAX_SAFE_INTEGER) return String(o)
  const high = Math.floor(o / 1000)
  texts.high = high
  texts.highText = String(high)
  return texts.highText + ENDINGS[o - high * 1000]
}

// Messages of one record batch mostly share a timestamp: its text is made once.
function timestampText (ts, texts) {
  if (ts !== texts.ts) {
    texts.ts = ts
    texts.tsText = String(ts)
  }
  return texts.tsText
}

// The class whose instances Buffer.from(arrayBuffer, offset, length) returns: Node's FastBuffer,
// which Node gives as Buffer[Symbol.species] (subarray and slice make their views with it).
// Constructing it directly makes the very same Buffer without from()'s argument checks and its
// call into C++ (isAnyArrayBuffer): 17 instead of 25 ns a view, and fewer calls to interpret
// before the optimizing compiler has the loop. A runtime without it gets Buffer.from.
function viewClass (B) {
  const S = B[Symbol.species]
  if (typeof S === 'function' && S.prototype === B.prototype) return S
  return function View (ab, offset, length) { return B.from(ab, offset, length) }
}
const View = viewClass(Buffer)

// A message's headers object: a plain object (its prototype is Object.prototype, as `{}`'s),
// made by a constructor so that V8 sizes it to the properties it gets (none, for most
// messages) instead of the four empty slots of every `{}`: 24 bytes less a message.
function EmptyObject () {}
EmptyObject.prototype = Object.prototype

// Header names are the producer's: one named like a member of Object.prototype (toString,
// constructor) is an own property, and `__proto__` a data property, not the object's prototype.
const hasOwn = Object.prototype.hasOwnProperty
function defineHeader (headers, name, value) {
  Object.defineProperty(headers, name, { value, writable: true, enumerable: true, configurable: true })
}

// A batch's messages, built one at a time and in order from the addon's flat arrays. Keys and
// values are views of `data` made as Buffer.from(arrayBuffer, offset, length) makes them (View),
// cheaper than subarray (a subclass of Uint8Array would make them in half the time, but
// assert.deepStrictEqual tells such views from Buffers). eachMessage builds each message just before
// its handler: a batch's messages are never all alive at once, so the young generation's
// collections find little to copy.
const NO_FIELDS = new Float64Array(0)
const NO_BYTES = Buffer.alloc(0)

class MessageReader {
  constructor (data, meta, hmeta) {
    this.data = data
    this.meta = meta
    this.hmeta = hmeta
    this.ab = data.buffer
    this.base = data.byteOffset
    this.n = meta.length / MSG
    this.first = 0  // the message whose fields start `meta`
    this.h = 0  // the first header of the next message
    this.texts = newTexts()
  }

  // The next part of an eachMessage batch, messages first.. (src/consumer.c, consumerChunk):
  // count messages' fields, their headers' fields, then their bytes, in one Buffer.
  use (part, first, count, headers) {
    const ab = part.buffer
    const at = part.byteOffset
    this.data = part
    this.ab = ab
    this.base = at
    this.first = first
    this.meta = new Float64Array(ab, at, count * MSG)
    this.h = 0
    if (headers) this.hmeta = new Float64Array(ab, at + count * MSG * 8, (part.length - count * MSG * 8) >> 3)
  }

  // Message i; i goes 0, 1, 2, ... (headers are found by counting).
  message (i) {
    const meta = this.meta
    const ab = this.ab
    const base = this.base
    const b = (i - this.first) * MSG
    const kl = meta[b + 4]
    const vl = meta[b + 6]
    const nh = meta[b + 7]
    const headers = new EmptyObject()
    const { data, hmeta } = this
    for (let j = 0; j < nh; j++) {
      const g = this.h++ * HDR
      const name = data.toString('utf8', hmeta[g], hmeta[g] + hmeta[g + 1])
      const value = hmeta[g + 3] < 0 ? null : new View(ab, base + hmeta[g + 2], hmeta[g + 3])
      if (hasOwn.call(headers, name)) {
        const had = headers[name]
        if (Array.isArray(had)) had.push(value)
        else headers[name] = [had, value]
      } else if (name === '__proto__') {
        defineHeader(headers, name, value)
      } else {
        headers[name] = value
      }
    }
    return {
      key: kl < 0 ? null : new View(ab, base + meta[b + 3], kl),
      value: vl < 0 ? null : new View(ab, base + meta[b + 5], vl),
      timestamp: timestampText(meta[b + 1], this.texts),
      attributes: meta[b + 2],
      offset: offsetText(meta[b], this.texts),
      headers
    }
  }
}

// An eachBatch batch's messages. Without headers (most batches) they are built in this one
// loop, which V8 compiles on the stack during the first batch; a method called per message is
// interpreted until it is compiled on its own (docs/node-performance.md, "in one loop").
function buildMessages (data, meta, hmeta) {
  const n = meta.length / MSG
  const messages = new Array(n)
  if (hmeta.length !== 0) {
    const reader = new MessageReader(data, meta, hmeta)
    for (let i = 0; i < n; i++) messages[i] = reader.message(i)
    return messages
  }
  // timestampText and offsetText, inlined by hand: two calls a message double the first
  // batch's time in the interpreter, and the texts kept in locals make the compiled loop faster.
  const ab = data.buffer
  const base = data.byteOffset
  let ts = NaN
  let tsText = ''
  let high = NaN
  let highText = ''
  for (let i = 0, b = 0; i < n; i++, b += MSG) {
    if (meta[b + 1] !== ts) {
      ts = meta[b + 1]
      tsText = String(ts)
    }
    const o = meta[b]
    let offset
    const low = o - high * 1000
    if (low >= 0 && low < 1000) {
      offset = highText + ENDINGS[low]
    } else if (o < 1000 || o > Number.MAX_SAFE_INTEGER) {
      offset = String(o)
    } else {
      high = Math.floor(o / 1000)
      highText = String(high)
      offset = highText + ENDINGS[o - high * 1000]
    }
    const kl = meta[b + 4]
    const vl = meta[b + 6]
    messages[i] = {
      key: kl < 0 ? null : new View(ab, base + meta[b + 3], kl),
      value: vl < 0 ? null : new View(ab, base + meta[b + 5], vl),
      timestamp: tsText,
      attributes: meta[b + 2],
      offset,
      headers: new EmptyObject()
    }
  }
  return messages
}

class Consumer {
  constructor (kafka, options = {}) {
    const { groupId } = options
    if (typeof groupId !== 'string' || groupId.length === 0) {
      throw new KafkaJSNonRetriableError('Consumer groupId must be a non-empty string.')
    }
    const { sessionTimeout = 30000, heartbeatInterval = 3000 } = options
    if (heartbeatInterval >= sessionTimeout) {
      throw new KafkaJSNonRetriableError(`Consumer heartbeatInterval (${heartbeatInterval}) must be lower than sessionTimeout (${sessionTimeout}). It is recommended to set heartbeatInterval to approximately a third of the sessionTimeout.`)
    }
    this.kafka = kafka
    this.options = options
    this.events = events
    this._logger = kafka.rootLogger.namespace('Consumer')
    this._instr = new Instrumentation(events, (type, on) => this._listen(type, on), this._logger)
    this._running = false
    this._state = 'new'
    const clientExtra = []
    for (const k of CLIENT_KEYS) if (options[k] !== undefined) clientExtra.push(k, String(options[k]))
    if (options.maxInFlightRequests !== undefined) {
      clientExtra.push('maxInFlightRequests', options.maxInFlightRequests === null ? 'null' : String(options.maxInFlightRequests))
    }
    const retry = Object.assign({ retries: 5 }, options.retry)
    for (const k of Object.keys(retry)) if (typeof retry[k] === 'number') clientExtra.push(`retry.${k}`, String(retry[k]))
    this._client = new NativeClient(kafka, clientExtra, (type, payload, ts) => this._onEvent(type, payload, ts),
      json => this._instr.emit(events.STATS, statsPayload(json)))
    const settings = ['groupId', groupId]
    for (const k of Object.keys(retry)) if (typeof retry[k] === 'number') settings.push(`retry.${k}`, String(retry[k]))
    for (const k of CONSUMER_KEYS) if (options[k] !== undefined && options[k] !== null) settings.push(k, String(options[k]))
    const assigners = options.partitionAssigners || [require('./assigners').PartitionAssigners.roundRobin]
    if (!Array.isArray(assigners) || assigners.length === 0) {
      throw new KafkaJSNonRetriableError('partitionAssigners must be a non-empty array')
    }
    const builtins = assigners.filter(a => a && a[BUILTIN]).map(a => a[BUILTIN])
    this._customAll = assigners.filter(a => !(a && a[BUILTIN]))
    this._custom = this._customAll.slice()
    if (builtins.length) settings.push('partitionAssigners', builtins.join(','))
    this._settings = settings
    try {
      this._handle = native.consumerNew(this._client.handle, settings)
    } catch (e) {
      throw fromThrown(e)
    }
    this._spent = false  // stopped: the next subscribe or run makes a new native consumer
    this._subs = new Map()  // topic -> fromBeginning, kept across a stop (as KafkaJS keeps them)
    this._subscribed = []
    this._seeks = new Map()  // seeks per partition: a handler's batch ends at a seek
    this._pendingSeeks = new Map()
    this._pendingCommits = []
    this._hasJoined = false
    this._active = 0
    this._waiting = []
    this._unsent = new Set()  // the running eachMessage loops' flushes (_flushResolved)
  }

  _onEvent (type, payload, ts) {
    if (type === EventType.CRASH && payload && payload.error) payload.error = require('./errors').fromNative(payload.error)
    if (type === EventType.GROUP_JOIN) this._joined(payload)
    this._instr.emitNative(type, payload, ts)
    if (type === EventType.GROUP_JOIN || type === EventType.CRASH) this._joinWaitEnds()
  }

  _listen (type, on) {
    if (type <= EventType.REQUEST_QUEUE_SIZE) return this._client.listen(type, on)
    if ((type === EventType.GROUP_JOIN || type === EventType.CRASH) && !on) return  // the package itself listens to these
    if (this._handle) native.consumerListen(this._handle, type, on)
  }

  // A join: seeks and commits asked for before this member had the partitions apply now
  // (KafkaJS keeps them too). Runs inside the join's event, before the first fetch.
  _joined (payload) {
    this._hasJoined = true
    const h = this._handle
    if (!h) return
    const assigned = payload.memberAssignment || {}
    for (const [key, seek] of this._pendingSeeks) {
      if (!(assigned[seek.topic] || []).includes(seek.partition)) continue
      this._pendingSeeks.delete(key)
      try {
        native.consumerSeek(h, seek.topic, seek.partition, seek.offset)
        this._seekCount(seek.topic, seek.partition).n++
      } catch (e) {
        this._logger.error(`seek of ${seek.topic}/${seek.partition} failed: ${e.message}`)
      }
    }
    const commits = this._pendingCommits
    this._pendingCommits = []
    for (const c of commits) callNative(native.consumerCommit, h, c.offsets).then(c.resolve, c.reject)
  }

  _live () {
    if (this._state === 'disconnected') throw new KafkaJSNonRetriableError('The consumer is disconnected')
    return this._handle
  }

  async connect () {
    this._live()
    await this._client.connect()
    this._state = 'connected'
    this._instr.emit(events.CONNECT, null)
  }

  // KafkaJS lets a stopped consumer subscribe and run again (a new group membership, the
  // subscriptions kept). The library's consumer runs once, so a stopped one is replaced by a
  // new one on the same connections, given the same settings, subscriptions and assigners.
  _renew () {
    this._live()
    if (!this._spent) return
    const old = this._handle
    let h
    try {
      h = native.consumerNew(this._client.handle, this._settings)
      for (const [name, fromBeginning] of this._subs) native.consumerSubscribe(h, name, fromBeginning, false)
    } catch (e) {
      if (h) native.consumerFree(h)
      throw fromThrown(e)
    }
    this._handle = h
    this._spent = false
    this._custom = this._customAll.slice()
    this._seeks = new Map()
    this._pendingSeeks = new Map()
    this._pendingCommits = []
    this._hasJoined = false
    this._instr.replay()  // the listeners of consumer events, on the new consumer
    setImmediate(() => native.consumerFree(old))
  }

  async subscribe ({ topic, topics, fromBeginning = false } = {}) {
    this._renew()
    const h = this._live()
    if (this._running) throw new KafkaJSNonRetriableError('Cannot subscribe to topic while consumer is running')
    if (!topic && !topics) throw new KafkaJSNonRetriableError('Missing required argument "topics"')
    if (topics != null && !Array.isArray(topics)) throw new KafkaJSNonRetriableError('Argument "topics" must be an array')
    const list = topics || [topic]
    for (const t of list) {
      if (!(t instanceof RegExp) && (typeof t !== 'string' || t.length === 0)) {
        throw new KafkaJSNonRetriableError(`Invalid topic ${t} (${typeof t}), the topic name has to be a String or a RegExp`)
      }
    }
    let names = null
    for (const t of list) {
      if (t instanceof RegExp) {
        if (!names) names = await callNative(native.clientTopics, this._client.handle)
        for (const n of names) {
          if (!n.startsWith('__') && t.test(n)) this._subscribe(h, n, fromBeginning)
        }
      } else if (typeof t === 'string' && t.length > 0) {
        this._subscribe(h, t, fromBeginning)
      } else {
        throw new KafkaJSNonRetriableError(`Invalid topic ${t} (${typeof t}), the topic name has to be a String or a RegExp`)
      }
    }
  }

  _subscribe (h, name, fromBeginning) {
    try {
      native.consumerSubscribe(h, name, !!fromBeginning, false)
    } catch (e) {
      throw fromThrown(e)
    }
    if (!this._subs.has(name)) this._subscribed.push(name)
    this._subs.set(name, !!fromBeginning)
  }

  async run ({
    autoCommit = true, autoCommitInterval = null, autoCommitThreshold = null, eachBatchAutoResolve = true,
    partitionsConsumedConcurrently = 1, eachBatch = null, eachMessage = null
  } = {}) {
    if (!this._running) this._renew()
    const h = this._live()
    if (this._running) {
      this._logger.warn('consumer#run was called, but the consumer is already running', { groupId: this.options.groupId })
      return
    }
    if (!eachBatch && !eachMessage) throw new KafkaJSNonRetriableError('Either eachBatch or eachMessage must be provided')
    if (eachBatch && typeof eachBatch !== 'function') throw new KafkaJSNonRetriableError('eachBatch must be a function')
    if (eachMessage && typeof eachMessage !== 'function') throw new KafkaJSNonRetriableError('eachMessage must be a function')
    if (this._state !== 'connected') await this.connect()
    for (const factory of this._custom) this._addAssigner(h, factory)
    this._custom = []
    const opts = {
      autoCommit: autoCommit ? 1 : 0,
      autoCommitInterval: autoCommitInterval ?? -1,
      autoCommitThreshold: autoCommitThreshold ?? -1,
      eachBatchAutoResolve: eachBatch ? (eachBatchAutoResolve ? 1 : 0) : 0,
      partitionsConsumedConcurrently,
      chunked: eachBatch ? 0 : 1
    }
    // uvkafka hands out batches of other partitions while one is pending; KafkaJS runs at most
    // partitionsConsumedConcurrently handlers at once, so the rest wait here, in order.
    const limit = Number.isInteger(partitionsConsumedConcurrently) && partitionsConsumedConcurrently > 0
      ? partitionsConsumedConcurrently : 1
    this._active = 0
    this._waiting = []
    const start = eachBatch
      ? (t, p, info, data, meta, hmeta, slot) => this._eachBatch(h, eachBatch, t, p, info, data, meta, hmeta, slot)
      : (t, p, info, data, meta, hmeta, slot) => this._eachMessage(h, eachMessage, t, p, info, data, meta, hmeta, slot)
    this._startNext = () => {
      while (this._active < limit && this._waiting.length) {
        this._active++
        start(...this._waiting.shift())
      }
    }
    const handler = (...batch) => {
      this._waiting.push(batch)
      this._startNext()
      // eachBatch's field arrays are the addon's, rewritten by its next batch: one that waits
      // keeps copies (the messages are built as the batch starts, see src/consumer.c).
      if (eachBatch && this._waiting.length && this._waiting[this._waiting.length - 1] === batch) {
        batch[4] = batch[4].slice()
        batch[5] = batch[5].slice()
      }
    }
    // KafkaJS checks autoCommitThreshold / autoCommitInterval after every message.
    this._commitEach = !!autoCommit && (autoCommitInterval !== null || autoCommitThreshold !== null)
    try {
      this._hasJoined = false
      native.consumerListen(h, EventType.GROUP_JOIN, true)
      native.consumerListen(h, EventType.CRASH, true)
      native.consumerRun(h, opts, handler)
    } catch (e) {
      throw fromThrown(e)
    }
    this._running = true
    // KafkaJS's run resolves once the member joined its group and has its assignment (a
    // crash, stop or disconnect before that ends the wait too).
    if (this._subscribed.length > 0 && !this._hasJoined) await new Promise(resolve => { this._whenJoined = resolve })
  }

  _joinWaitEnds () {
    const joined = this._whenJoined
    this._whenJoined = null
    if (joined) joined()
  }

  _finish (h, slot, result) {
    this._flushResolved()
    if (this._handle === h) native.consumerDone(h, slot, result)
    this._active--
    this._startNext()
    if (this._active === 0 && this._whenIdle) {
      const idle = this._whenIdle
      this._whenIdle = null
      idle()
    }
  }

  _pauseFn (h, topic, partition) {
    return () => {
      this.pause([{ topic, partitions: [partition] }])
      return () => this.resume([{ topic, partitions: [partition] }])
    }
  }

  _eachBatch (h, eachBatch, topic, partition, info, data, meta, hmeta, slot) {
    const messages = buildMessages(data, meta, hmeta)
    const n = messages.length
    const batch = {
      topic,
      partition,
      highWatermark: info.highWatermark,
      messages,
      isEmpty: () => n === 0,
      firstOffset: () => (n ? messages[0].offset : null),
      lastOffset: () => (n ? messages[n - 1].offset : String(BigInt(info.highWatermark) - 1n)),
      offsetLag: () => info.offsetLag,
      offsetLagLow: () => info.offsetLagLow
    }
    const resolved = { offset: null }
    const payload = {
      batch,
      resolveOffset: offset => {
        resolved.offset = offset
        native.consumerResolveOffset(h, topic, partition, offset)
      },
      heartbeat: async () => {},
      commitOffsetsIfNecessary: async offsets => {
        if (offsets) return this.commitOffsets(Array.isArray(offsets) ? offsets : flatten(offsets))
        this._flushResolved()
        native.consumerCommitIfNecessary(h)
      },
      uncommittedOffsets: () => ({
        topics: resolved.offset === null ? [] : [{ topic, partitions: [{ partition, offset: String(BigInt(resolved.offset) + 1n) }] }]
      }),
      isRunning: () => this._running,
      isStale: () => this._handle !== h || (native.consumerState(h, topic, partition) & STALE) !== 0,
      pause: this._pauseFn(h, topic, partition)
    }
    Promise.resolve()
      .then(() => eachBatch(payload))
      .then(() => this._finish(h, slot, 0), e => {
        this._logger.error(`Error when calling eachBatch`, { topic, partition, offset: batch.firstOffset(), stack: e && e.stack, error: e && e.message })
        this._finish(h, slot, -1)
      })
  }

  // KafkaJS's eachMessage loop: one message at a time, each resolved once its handler is done,
  // so a stop, pause or rebalance commits exactly what was processed.
  //
  // The addon hears of resolved messages once per stretch of handlers that finished without
  // waiting, not once per message: nothing but this package can look at the consumer while
  // microtasks run, so the last resolved offset is sent when the stretch ends (a nextTick runs
  // once the microtasks run dry, before Node goes back to its loop) or before this package
  // calls into the consumer (_flushResolved). After either, the loop asks for the partition's
  // state again, as it did after every message.
  //
  // The batch stays in the addon (n messages, nh headers); the loop takes CHUNK messages at a
  // time (consumerChunk), each part a Buffer of its own that is garbage a few hundred
  // messages later, so a scavenge frees it. One Buffer for the whole batch outlived two
  // scavenges, moved to the old generation and kept its memory until a full collection:
  // every batch took fresh memory, a page fault per 4 KB.
  _eachMessage (h, eachMessage, topic, partition, info, _data, n, nh, slot) {
    const reader = new MessageReader(NO_BYTES, NO_FIELDS, NO_FIELDS)
    let partEnd = 0  // the end of the part taken
    const heartbeat = async () => {}
    const pause = this._pauseFn(h, topic, partition)
    const seeks = this._seekCount(topic, partition)
    let offset = null
    let unsent = -1  // the last message handled and not yet told to the addon
    let unsentOffset = 0  // its offset (a number)
    let recheck = false  // the state may have changed since the loop read it
    let queued = false
    const flush = () => {
      recheck = true
      if (unsent < 0) return
      const i = unsent
      unsent = -1
      if (this._handle === h) native.consumerResolveNext(h, slot, unsentOffset)
    }
    const tick = () => {
      queued = false
      flush()
    }
    this._unsent.add(flush)
    const end = result => {
      this._unsent.delete(flush)
      flush()
      this._finish(h, slot, result)
    }
    const failed = e => {
      this._logger.error(`Error when calling eachMessage`, { topic, partition, offset, stack: e && e.stack, error: e && e.message })
      end(-1)
    }
    // The loop is a chain of promise reactions, not an async function awaiting each handler:
    // Promise.resolve(r).then(after) is what `await r` does, at the same tick, without the
    // closures, context and throwaway promise V8 makes for every await (about 110 of the 545
    // bytes a message cost here, so a fifth fewer young-generation collections).
    let i = 0
    let state = 0
    let sought = 0
    let partStart = 0
    const takePart = () => {
      const part = native.consumerChunk(h, slot, CHUNK)
      if (part === null) return false
      const count = Math.min(CHUNK, n - i)
      reader.use(part, i, count, nh > 0)
      partStart = i
      partEnd = i + count
      return true
    }
    const next = () => {
      let r
      let done = false
      try {
        if (i >= n || !this._running || this._handle !== h || (state & (PAUSED | STALE))) {
          done = true
        } else if (i >= partEnd && !takePart()) {
          done = true  // the batch is done already (a stop)
        } else {
          const message = reader.message(i)
          sought = seeks.n
          offset = message.offset
          if (!queued) {  // runs before Node's loop can: a handler that waits is seen
            queued = true
            process.nextTick(tick)
          }
          r = eachMessage({ topic, partition, message, heartbeat, pause })
        }
      } catch (e) {
        r = Promise.reject(e)  // thrown, not returned: failed after the same tick as a rejection
      }
      if (done) return end(0)
      Promise.resolve(r).then(after, failed)
    }
    // Message i's handler resolved.
    const after = () => {
      let go = false
      try {
        go = seeks.n === sought && this._handle === h  // a seek decides what comes next
        if (go) {
          if (recheck || this._commitEach) {
            recheck = false
            unsent = -1
            state = native.consumerResolveNext(h, slot, reader.meta[(i - partStart) * MSG])  // and tells the state after
            if (this._commitEach) native.consumerCommitIfNecessary(h)
          } else {
            unsent = i
            unsentOffset = reader.meta[(i - partStart) * MSG]
          }
          i++
        }
      } catch (e) {
        return failed(e)
      }
      if (go) next()
      else end(0)
    }
    try {
      state = native.consumerSlotState(h, slot)
    } catch (e) {
      Promise.reject(e).then(null, failed)
      return
    }
    next()
  }

  // Resolved offsets the eachMessage loops have not told the addon yet go first, before any
  // call that lets the library act on them (commit, seek, pause, a finished handler).
  _flushResolved () {
    if (this._unsent.size) for (const flush of this._unsent) flush()
  }

  // The seeks of one partition so far, as an object a running loop keeps (no lookup per message).
  _seekCount (topic, partition) {
    const key = `${partition}|${topic}`
    let c = this._seeks.get(key)
    if (!c) this._seeks.set(key, (c = { n: 0 }))
    return c
  }

  _addAssigner (h, factory) {
    if (typeof factory !== 'function') throw new KafkaJSNonRetriableError('a partition assigner must be a factory function')
    let topicsNow = []
    const cluster = {
      findTopicPartitionMetadata: topic => {
        const t = topicsNow.find(x => x.topic === topic)
        return t ? Array.from({ length: t.partitions }, (_, i) => ({ partitionId: i, leader: -1 })) : []
      }
    }
    const assigner = factory({ cluster, groupId: this.options.groupId, logger: this._logger })
    if (!assigner || typeof assigner.name !== 'string' || typeof assigner.assign !== 'function') {
      throw new KafkaJSNonRetriableError('a partition assigner must give {name, version, assign, protocol}')
    }
    let userData = null
    if (typeof assigner.protocol === 'function') {
      const { metadata } = assigner.protocol({ topics: this._subscribed })
      if (metadata) userData = AssignerProtocol.MemberMetadata.decode(metadata).userData
    }
    const assign = (members, topics) => {
      topicsNow = topics
      const box = {}
      Promise.resolve()
        .then(() => assigner.assign({ members, topics: topics.map(t => t.topic) }))
        .then(r => { box.r = r }, e => { this._logger.error(`assigner ${assigner.name} failed: ${e.message}`) })
      return box
    }
    try {
      native.consumerAddAssigner(h, assigner.name, assigner.version || 0, userData && userData.length ? userData : null, assign)
    } catch (e) {
      throw fromThrown(e)
    }
  }

  // KafkaJS's checks and messages; like KafkaJS, only after run (the group exists).
  _checkPartitions (topicPartitions, what) {
    const h = this._live()
    if (!Array.isArray(topicPartitions)) throw new KafkaJSNonRetriableError(`Invalid topic ${topicPartitions}`)
    for (const tp of topicPartitions) {
      if (!tp || !tp.topic || typeof tp.topic !== 'string') {
        throw new KafkaJSNonRetriableError(`Invalid topic ${(tp && tp.topic) || tp}`)
      }
      if (typeof tp.partitions !== 'undefined' && (!Array.isArray(tp.partitions) || tp.partitions.some(isNaN))) {
        throw new KafkaJSNonRetriableError(`Array of valid partitions required to ${what} specific partitions instead of ${tp.partitions}`)
      }
    }
    if (!this._running) throw new KafkaJSNonRetriableError('Consumer group was not initialized, consumer#run must be called first')
    return h
  }

  _setPaused (topicPartitions, pause) {
    const h = this._checkPartitions(topicPartitions, pause ? 'pause' : 'resume')
    this._flushResolved()
    for (const { topic, partitions } of topicPartitions) {
      try {
        native.consumerPause(h, topic, partitions ? partitions.map(Number) : null, pause)
      } catch (e) {
        throw fromThrown(e)
      }
    }
  }

  pause (topicPartitions = []) {
    this._setPaused(topicPartitions, true)
  }

  resume (topicPartitions = []) {
    this._setPaused(topicPartitions, false)
  }

  paused () {
    if (!this._handle || this._state === 'disconnected') return []
    const byTopic = new Map()
    for (const { topic, partition } of native.consumerAssignment(this._handle)) {
      if (native.consumerState(this._handle, topic, partition) & PAUSED) {
        if (!byTopic.has(topic)) byTopic.set(topic, [])
        byTopic.get(topic).push(partition)
      }
    }
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }))
  }

  seek ({ topic, partition, offset } = {}) {
    const h = this._live()
    const value = offsetArg(topic, partition, offset)
    // -1 and -2: KafkaJS's LATEST and EARLIEST markers
    if (value < 0n && value !== -1n && value !== -2n) throw new KafkaJSNonRetriableError(`Offset must not be a negative number`)
    if (!this._running) throw new KafkaJSNonRetriableError('Consumer group was not initialized, consumer#run must be called first')
    if (value < 0n) return this._seekToEnd(h, topic, Number(partition), value === -2n)
    const key = `${partition}|${topic}`
    this._flushResolved()
    try {
      native.consumerSeek(h, topic, partition, String(value))
    } catch (e) {
      // Not (yet) assigned to this member: applied when a join assigns it, as KafkaJS does.
      if (e.code !== 'UVK_ENOTFOUND') throw fromThrown(e)
      this._pendingSeeks.set(key, { topic, partition: Number(partition), offset: String(value) })
      return
    }
    this._seekCount(topic, partition).n++
  }

  // A seek to the log's start (earliest) or end: the library seeks to offsets only, so the
  // partition's offsets are asked first (ListOffsets, on this consumer's connections) and the
  // seek lands with their answer. Until then the partition goes on from where it was.
  _seekToEnd (h, topic, partition, earliest) {
    if (!this._offsets) this._offsets = { handle: native.adminNew(this._client.handle, []), pending: 0 }
    const o = this._offsets
    const failed = e => this._logger.error(`seek of ${topic}/${partition} to the ${earliest ? 'earliest' : 'latest'} offset failed: ${e.message}`, { topic, partition })
    try {
      native.adminFetchTopicOffsets(o.handle, topic, (err, offsets) => {
        o.pending--
        if (o.free && o.pending === 0) setImmediate(() => native.adminFree(o.handle))
        if (this._handle !== h || !this._running) return
        if (err) return failed(fromNative(err))
        const p = offsets.find(x => x.partition === partition)
        if (!p || p.error) return failed(p ? fromNative(p.error) : new Error('no such partition'))
        try {
          this.seek({ topic, partition, offset: earliest ? p.low : p.offset })
        } catch (e) {
          failed(e)
        }
      })
      o.pending++
    } catch (e) {
      throw fromThrown(e)
    }
  }

  // KafkaJS's checks and messages, in its order. The metadata (string or null) is stored with
  // the offset; past 32767 bytes (UVK_COMMIT_METADATA_MAX) the addon refuses it at once.
  async commitOffsets (topicPartitions = []) {
    const h = this._live()
    if (!Array.isArray(topicPartitions)) throw new KafkaJSNonRetriableError('topicPartitions must be an array')
    for (const { topic, partition, offset, metadata = null } of topicPartitions) {
      if (offsetArg(topic, partition, offset) < 0n) throw new KafkaJSNonRetriableError('Offset must not be a negative number')
      if (metadata !== null && typeof metadata !== 'string') {
        throw new KafkaJSNonRetriableError(`Invalid offset metadata, expected string or null, received ${metadata}`)
      }
    }
    if (!this._running) throw new KafkaJSNonRetriableError('Consumer group was not initialized, consumer#run must be called first')
    if (topicPartitions.length === 0) return
    this._flushResolved()
    try {
      return await callNative(native.consumerCommit, h, topicPartitions)
    } catch (e) {
      // Before the first join the partitions are not this member's yet: commit once joined.
      if (this._hasJoined || !this._running || !e.uvk || e.uvk.code !== 'UVK_ENOTFOUND') throw e
      return new Promise((resolve, reject) => this._pendingCommits.push({ offsets: topicPartitions, resolve, reject }))
    }
  }

  async describeGroup () {
    return callNative(native.consumerDescribeGroup, this._live())
  }

  // As KafkaJS: handlers running now finish first (their loops end after the current
  // message), so what they processed is committed by the stop.
  async stop () {
    if (!this._running || !this._handle) return
    const h = this._handle
    this._running = false
    this._joinWaitEnds()
    this._flushResolved()
    this._waiting = []  // their partitions are released by the stop
    if (this._active > 0) await new Promise(resolve => { this._whenIdle = resolve })
    await callNative(native.consumerStop, h)
    if (this._handle === h) this._spent = true
  }

  async disconnect () {
    if (this._state === 'disconnected') return this._disconnecting
    this._disconnecting = (async () => {
      const h = this._handle
      try {
        if (this._running) await this.stop().catch(e => this._logger.error(`stop failed: ${e.message}`))
      } finally {
        this._state = 'disconnected'
        this._handle = null
        this._joinWaitEnds()
        const o = this._offsets
        this._offsets = null
        if (o) {
          o.free = true
          if (o.pending === 0) setImmediate(() => native.adminFree(o.handle))
        }
        await this._client.disconnect().catch(() => {})
        setImmediate(() => native.consumerFree(h))
        this._instr.emit(events.DISCONNECT, null)
      }
    })()
    return this._disconnecting
  }

  on (eventName, listener) {
    return this._instr.on(eventName, listener)
  }

  logger () {
    return this._logger
  }
}

// A seek's or commit's topic, partition and offset checked as KafkaJS checks them; the offset
// as a BigInt.
function offsetArg (topic, partition, offset) {
  if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
  if (isNaN(partition)) throw new KafkaJSNonRetriableError(`Invalid partition, expected a number received ${partition}`)
  try {
    return BigInt(offset)
  } catch (_) {
    throw new KafkaJSNonRetriableError(`Invalid offset, expected a long received ${offset}`)
  }
}

function flatten ({ topics = [] }) {
  const out = []
  for (const { topic, partitions } of topics) {
    for (const { partition, offset, metadata } of partitions) out.push({ topic, partition, offset, metadata })
  }
  return out
}

module.exports = { Consumer, KafkaJSError, buildMessages, viewClass }  // the last two: for test/messages.test.js
