'use strict'
// KafkaJS's instrumentation: on(eventName, listener) returns a remover; listeners get
// {id, type, timestamp, payload}; errors in listeners are logged, never thrown at the emitter.
const { KafkaJSNonRetriableError } = require('./errors')

// uvkafka's event type numbers (uvk_events.h).
const EventType = {
  CONNECT: 1,
  DISCONNECT: 2,
  REQUEST: 3,
  REQUEST_TIMEOUT: 4,
  REQUEST_QUEUE_SIZE: 5,
  GROUP_JOIN: 6,
  HEARTBEAT: 7,
  COMMIT_OFFSETS: 8,
  REBALANCING: 9,
  CRASH: 10,
  STOP: 11,
  FETCH: 12,
  START_BATCH_PROCESS: 13,
  END_BATCH_PROCESS: 14,
  FETCH_START: 15,
  RECEIVED_UNSUBSCRIBED_TOPICS: 16
}

const networkEvents = prefix => ({
  REQUEST: `${prefix}.network.request`,
  REQUEST_TIMEOUT: `${prefix}.network.request_timeout`,
  REQUEST_QUEUE_SIZE: `${prefix}.network.request_queue_size`,
  // uvkafka's statistics (statisticsIntervalMs > 0): not a KafkaJS event, not a native event type.
  STATS: `${prefix}.stats`
})

// A statistics event's payload: the JSON text as the library wrote it, parsed on first read.
function statsPayload (json) {
  let parsed
  return {
    json,
    get stats () {
      if (parsed === undefined) parsed = JSON.parse(json)
      return parsed
    }
  }
}

class Instrumentation {
  // events: KafkaJS's {KEY: 'name'}; nativeKeys: which keys come from the native library, and
  // listen(typeNumber, on) starts / stops them there.
  constructor (events, listen, logger) {
    this.events = events
    this.listen = listen
    this.logger = logger
    this.listeners = new Map()
    this.nextId = 0
    this.byType = new Map()
    // connect / disconnect are the handle's (once per call, as in KafkaJS), not each broker's.
    for (const key of Object.keys(events)) {
      if (EventType[key] !== undefined && key !== 'CONNECT' && key !== 'DISCONNECT') this.byType.set(EventType[key], events[key])
    }
  }

  on (eventName, listener) {
    const names = Object.values(this.events)
    if (!names.includes(eventName)) {
      // KafkaJS's message names the constants: producer.events.CONNECT, ...
      const prefix = String(this.events.CONNECT).split('.')[0]
      const keys = Object.keys(this.events).map(k => `${prefix}.events.${k}`)
      throw new KafkaJSNonRetriableError(`Event name should be one of ${keys.join(', ')}`)
    }
    if (typeof listener !== 'function') throw new KafkaJSNonRetriableError('Event listener must be a function')
    let set = this.listeners.get(eventName)
    if (!set) {
      set = new Set()
      this.listeners.set(eventName, set)
      this._native(eventName, true)
    }
    const wrapped = e => listener(e)
    set.add(wrapped)
    return () => {
      set.delete(wrapped)
      if (set.size === 0) {
        this.listeners.delete(eventName)
        this._native(eventName, false)
      }
    }
  }

  _native (eventName, on) {
    for (const [type, name] of this.byType) {
      if (name === eventName && this.listen) this.listen(type, on)
    }
  }

  // Re-registers native listeners on a new native handle (a consumer created at connect).
  replay () {
    for (const name of this.listeners.keys()) this._native(name, true)
  }

  emit (eventName, payload, timestamp = Date.now()) {
    const set = this.listeners.get(eventName)
    if (!set) return
    // KafkaJS emits connect / disconnect / stop without a payload (undefined, not null).
    const event = { id: this.nextId++, type: eventName, timestamp, payload: payload === null ? undefined : payload }
    for (const l of set) {
      Promise.resolve().then(() => l(event)).catch(e => {
        this.logger.error(`Failed to execute listener: ${e.message}`, { eventName, stack: e.stack })
      })
    }
  }

  emitNative (type, payload, timestamp) {
    const name = this.byType.get(type)
    if (!name) return
    if ((type === EventType.REQUEST || type === EventType.REQUEST_TIMEOUT) && payload) this._epoch(type, payload, timestamp)
    this.emit(name, payload, timestamp)
  }

  // A request's createdAt / sentAt come on the library's monotonic clock; KafkaJS gives them
  // in ms since the epoch. A request event is emitted as its answer arrives (createdAt +
  // duration is now), which gives the two clocks' difference; a timeout uses the last one.
  _epoch (type, payload, timestamp) {
    if (type === EventType.REQUEST) this.clockShift = timestamp - (payload.createdAt + payload.duration)
    if (this.clockShift === undefined) return
    payload.createdAt += this.clockShift
    payload.sentAt += this.clockShift
  }
}

module.exports = { Instrumentation, EventType, networkEvents, statsPayload }
