// The JavaScript side of eachBatch alone: what building KafkaJS's message objects costs a fresh
// Node process, with no broker, no socket and no library. It bounds how fast any client with
// KafkaJS's API can consume on one JavaScript thread (docs/node-performance.md).
//
//   node test/bench/node_floor.js package|minimal [N]
//
// N messages (default 1,000,000) of 100 B, in batches of 9,001 (what a 1 MB fetch of one
// partition holds), made as the addon hands them over: one reused bytes Buffer and one reused
// Float64Array of fields (src/consumer.c). package: the messages are built by the package's
// buildMessages (samples/node/lib/consumer.js); minimal: by the least a KafkaJS message needs
// (an object with a Buffer view for the value, the offset as a string, a headers object, the
// batch's timestamp string). Each batch is then read as node_bench.js's handler reads it
// (value.length and offset). Only building and reading are timed; one JSON line:
// total ms, the first four batches' ms (V8 interpreting, then compiling, and growing its young
// generation), the median batch after the twentieth, and the collections during the timed part (count of
// scavenges, ms of all).
'use strict'
const path = require('path')
const { PerformanceObserver, constants, performance } = require('perf_hooks')

const MSG = 8 // fields per message (src/consumer.c)
const PER_BATCH = 9001
const SIZE = 100

const View = Buffer[Symbol.species]
function EmptyObject () {}
EmptyObject.prototype = Object.prototype

function buildMinimal (data, meta) {
  const n = meta.length / MSG
  const ab = data.buffer
  const base = data.byteOffset
  const messages = new Array(n)
  for (let i = 0, b = 0; i < n; i++, b += MSG) {
    messages[i] = {
      key: null,
      value: new View(ab, base + meta[b + 5], meta[b + 6]),
      timestamp: '1796633857000',
      attributes: 0,
      offset: String(meta[b]),
      headers: new EmptyObject()
    }
  }
  return messages
}

function main () {
  const mode = process.argv[2]
  const total = Number(process.argv[3] || 1000000)
  if (!['package', 'minimal'].includes(mode) || !(total > 0)) {
    console.error('usage: node_floor.js package|minimal [N]')
    process.exit(2)
  }
  const build = mode === 'minimal'
    ? buildMinimal
    : require(path.join(__dirname, '../../samples/node/lib/consumer.js')).buildMessages
  const batches = Math.ceil(total / PER_BATCH)
  const data = Buffer.alloc(PER_BATCH * SIZE, 'x')
  const meta = new Float64Array(PER_BATCH * MSG)
  for (let i = 0; i < PER_BATCH; i++) {
    const b = i * MSG
    meta[b + 1] = 1796633857000 // timestamp
    meta[b + 4] = -1 // no key
    meta[b + 5] = i * SIZE // value at
    meta[b + 6] = SIZE // value length
  }
  const noHeaders = new Float64Array(0)

  // GC entries arrive after the synchronous loop: counted by their start time
  let scavenges = 0
  let gcMs = 0
  let from = Infinity
  let to = Infinity
  const gc = new PerformanceObserver(list => {
    for (const e of list.getEntries()) {
      if (e.startTime < from || e.startTime > to) continue
      gcMs += e.duration
      if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++
    }
  })
  gc.observe({ entryTypes: ['gc'] })

  let bytes = 0
  let offsetChars = 0
  let next = 0
  const times = []
  from = performance.now()
  for (let k = 0; k < batches; k++) {
    for (let i = 0; i < PER_BATCH; i++) meta[i * MSG] = next++
    const t0 = process.hrtime.bigint()
    const ms = build(data, meta, noHeaders)
    for (let i = 0; i < ms.length; i++) {
      const m = ms[i]
      bytes += m.value.length
      offsetChars += m.offset.length
    }
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  to = performance.now()
  if (bytes !== batches * PER_BATCH * SIZE) throw new Error(`read ${bytes} bytes, expected ${batches * PER_BATCH * SIZE}`)
  const steady = times.slice(20).sort((a, b) => a - b)
  setTimeout(() => {
    gc.disconnect()
    console.log(JSON.stringify({
      mode,
      msgs: batches * PER_BATCH,
      ms: +times.reduce((a, b) => a + b, 0).toFixed(1),
      first4_ms: +times.slice(0, 4).reduce((a, b) => a + b, 0).toFixed(1),
      steady_batch_ms: steady.length ? +steady[steady.length >> 1].toFixed(3) : null,
      scavenges,
      gc_ms: +gcMs.toFixed(1),
      offset_chars: offsetChars
    }))
  }, 50)
}

main()
