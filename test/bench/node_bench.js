// Node.js clients side by side: uvkafka's npm package (samples/node) against KafkaJS and other
// Node clients, one client per process (so peak RSS is that client's), one JSON line per run.
//
//   node test/bench/node_bench.js create BROKERS TOPIC PARTITIONS
//   node test/bench/node_bench.js produce CLIENT BROKERS TOPIC N [SIZE [PER_SEND [IN_FLIGHT [ACKS]]]]
//   node test/bench/node_bench.js batch|message CLIENT BROKERS TOPIC N
//   node test/bench/node_bench.js table < results.jsonl
//
// CLIENT: uvkafka (samples/node, at its defaults), kafkajs (2.2.4), platformatic
// (@platformatic/kafka), confluent (@confluentinc/kafka-javascript's KafkaJS API, librdkafka
// inside; acks and fromBeginning go to its producer / consumer configuration, where it wants
// them, instead of send() and subscribe()); the peers come from test/bench/node_modules (test/bench/package.json,
// installed by node_compare.sh). create: the topic with PARTITIONS partitions (KafkaJS's admin)
// and one message, so it exists before any client is timed. produce: one untimed message first
// (connected, metadata known), then N messages of SIZE bytes (default 100) in sends of PER_SEND
// (1,000) with up to IN_FLIGHT (8) sends outstanding, acks ACKS (1); timed until the last send
// resolved. batch / message: a fresh group reads TOPIC from the beginning with eachBatch /
// eachMessage (@platformatic/kafka has neither: its stream's 'data' event, one message at a time,
// runs as "message"); timed from connect() until N messages arrived. Every handler reads each
// message's value and offset, as a real handler does. Each line gives msg/s over
// that time, the process's CPU (process.cpuUsage, user + system) per message, its minor page
// faults in that time, its peak RSS
// (resourceUsage().maxRSS) and RSS before the client was loaded, and the event loop's lateness:
// a 10 ms setInterval's delay beyond its 10 ms, sampled while messages flow (produce: the timed
// part; consume: first message to last). table: the medians of the lines on stdin as Markdown.
'use strict'
const path = require('path')
const { performance } = require('perf_hooks')

const rssStartKb = Math.round(process.memoryUsage().rss / 1024)

function die (msg) {
  console.error(msg)
  process.exit(2)
}

// The event loop's lateness: a 10 ms interval, each tick's delay beyond 10 ms.
function lateness (periodMs = 10) {
  const samples = []
  let prev = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    samples.push(Math.max(0, now - prev - periodMs))
    prev = now
  }, periodMs)
  return () => {
    clearInterval(timer)
    const pending = performance.now() - prev - periodMs // the tick that is due but has not run
    if (pending > 0) samples.push(pending)
    samples.sort((a, b) => a - b)
    const q = p => (samples.length ? samples[Math.min(samples.length - 1, Math.ceil(p * samples.length) - 1)] : 0)
    return { p50: q(0.5), p99: q(0.99), max: samples.length ? samples[samples.length - 1] : 0, n: samples.length }
  }
}

// The timed part starts: its CPU time is measured from here, and its minor page faults (fresh
// memory touched: V8's heap growing, the addon's and the library's buffers).
let faults0 = 0
function startClock () {
  faults0 = process.resourceUsage().minorPageFault
  return process.cpuUsage()
}

function report (client, mode, n, bytes, t0, c0, loop, extra) {
  const wall = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(c0)
  const out = {
    client,
    mode,
    msgs: n,
    seconds: +wall.toFixed(3),
    msgs_per_sec: Math.round(n / wall),
    mb_per_sec: +(bytes / wall / 1e6).toFixed(2),
    cpu_s: +((cpu.user + cpu.system) / 1e6).toFixed(3),
    cpu_us_per_msg: +((cpu.user + cpu.system) / n).toFixed(3),
    max_rss_kb: process.resourceUsage().maxRSS,
    minor_faults: process.resourceUsage().minorPageFault - faults0,
    rss_start_kb: rssStartKb,
    loop_p50_ms: +loop.p50.toFixed(2),
    loop_p99_ms: +loop.p99.toFixed(2),
    loop_max_ms: +loop.max.toFixed(2),
    loop_samples: loop.n,
    ...extra
  }
  console.log(JSON.stringify(out))
}

// --- KafkaJS's API: uvkafka and KafkaJS ---

function kafkajsApi (client, brokers) {
  if (client === 'uvkafka') {
    // UVK_BENCH_PACKAGE: another copy of the package (say, an earlier commit's) for A/B runs
    const { Kafka, logLevel } = require(process.env.UVK_BENCH_PACKAGE || path.join(__dirname, '../../samples/node'))
    return new Kafka({ clientId: 'node-bench', brokers, logLevel: logLevel.ERROR })
  }
  const { Kafka, logLevel } = require('kafkajs')
  return new Kafka({ clientId: 'node-bench', brokers, logLevel: logLevel.ERROR })
}

async function produceKafkaJS (client, brokers, topic, n, size, per, inflightMax, acks) {
  const kafka = kafkajsApi(client, brokers)
  const producer = kafka.producer()
  await producer.connect()
  const value = Buffer.alloc(size, 'x')
  await producer.send({ topic, acks, messages: [{ value }] }) // untimed: connected, topic known
  const send = k => {
    const messages = new Array(k)
    for (let i = 0; i < k; i++) messages[i] = { value }
    return producer.send({ topic, acks, messages })
  }
  await timedProduce(client, n, size, per, inflightMax, send)
  await producer.disconnect()
}

async function consumeKafkaJS (client, mode, brokers, topic, n) {
  const kafka = kafkajsApi(client, brokers)
  const consumer = kafka.consumer({ groupId: `node-bench-${client}-${process.pid}-${Date.now()}` })
  const t0 = performance.now()
  const c0 = startClock()
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const run = counter(client, mode, n, t0, c0)
  if (mode === 'batch') {
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const ms = batch.messages
        let bytes = 0
        for (let i = 0; i < ms.length; i++) bytes += touch(ms[i])
        run.add(ms.length, bytes)
      }
    })
  } else {
    await consumer.run({
      eachMessage: async ({ message }) => run.add(1, touch(message))
    })
  }
  await run.done
  await consumer.disconnect()
}

// --- @confluentinc/kafka-javascript: KafkaJS's API with its documented differences ---

function confluentApi (brokers) {
  const { Kafka, logLevel } = require('@confluentinc/kafka-javascript').KafkaJS
  return new Kafka({ kafkaJS: { clientId: 'node-bench', brokers, logLevel: logLevel.ERROR } })
}

async function produceConfluent (brokers, topic, n, size, per, inflightMax, acks) {
  const producer = confluentApi(brokers).producer({ kafkaJS: { acks } })
  await producer.connect()
  const value = Buffer.alloc(size, 'x')
  await producer.send({ topic, messages: [{ value }] }) // untimed: connected, topic known
  const send = k => {
    const messages = new Array(k)
    for (let i = 0; i < k; i++) messages[i] = { value }
    return producer.send({ topic, messages })
  }
  await timedProduce('confluent', n, size, per, inflightMax, send)
  await producer.disconnect()
}

async function consumeConfluent (mode, brokers, topic, n) {
  const consumer = confluentApi(brokers).consumer({
    kafkaJS: { groupId: `node-bench-confluent-${process.pid}-${Date.now()}`, fromBeginning: true }
  })
  const t0 = performance.now()
  const c0 = startClock()
  await consumer.connect()
  await consumer.subscribe({ topics: [topic] })
  const run = counter('confluent', mode, n, t0, c0)
  if (mode === 'batch') {
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const ms = batch.messages
        let bytes = 0
        for (let i = 0; i < ms.length; i++) bytes += touch(ms[i])
        run.add(ms.length, bytes)
      }
    })
  } else {
    await consumer.run({
      eachMessage: async ({ message }) => run.add(1, touch(message))
    })
  }
  await run.done
  await consumer.disconnect()
}

// --- @platformatic/kafka: its own Producer and Consumer (a stream of messages) ---

async function producePlatformatic (brokers, topic, n, size, per, inflightMax, acks) {
  const { Producer } = await import('@platformatic/kafka')
  const producer = new Producer({ clientId: 'node-bench', bootstrapBrokers: brokers })
  const value = Buffer.alloc(size, 'x')
  await producer.send({ messages: [{ topic, value }], acks }) // untimed: connected, topic known
  const send = k => {
    const messages = new Array(k)
    for (let i = 0; i < k; i++) messages[i] = { topic, value }
    return producer.send({ messages, acks })
  }
  await timedProduce('platformatic', n, size, per, inflightMax, send)
  await producer.close()
}

async function consumePlatformatic (mode, brokers, topic, n) {
  if (mode !== 'message') die('@platformatic/kafka has no batch callback: run it as "message" (its stream)')
  const { Consumer } = await import('@platformatic/kafka')
  const t0 = performance.now()
  const c0 = startClock()
  const consumer = new Consumer({ groupId: `node-bench-platformatic-${process.pid}-${Date.now()}`, clientId: 'node-bench', bootstrapBrokers: brokers })
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest' })
  const run = counter('platformatic', mode, n, t0, c0)
  stream.on('data', m => run.add(1, touch(m)))
  stream.on('error', e => { console.error(e); process.exit(1) })
  await run.done
  await stream.close()
  await consumer.close()
}

// --- shared ---

// What a handler reads of every message, the same for every client: its value (the length is
// counted) and its offset (kept, and printed in the line, so no compiler can drop the read).
let lastOffset = null
function touch (m) {
  lastOffset = m.offset
  return m.value ? m.value.length : 0
}

// N messages in sends of PER, up to IN_FLIGHT outstanding; send(k) returns a promise.
async function timedProduce (client, n, size, per, inflightMax, send) {
  const t0 = performance.now()
  const c0 = startClock()
  const stop = lateness()
  let sent = 0
  let failed = null
  const inflight = new Set()
  while (sent < n) {
    const k = Math.min(per, n - sent)
    const p = send(k).then(() => inflight.delete(p), e => { failed = e; inflight.delete(p) })
    inflight.add(p)
    sent += k
    if (inflight.size >= inflightMax) await Promise.race(inflight)
    if (failed) throw failed
  }
  await Promise.all(inflight)
  if (failed) throw failed
  report(client, 'produce', n, n * size, t0, c0, stop())
}

// Counts arriving messages; `done` resolves (after the line is printed) when N arrived.
function counter (client, mode, n, t0, c0) {
  let seen = 0
  let bytes = 0
  let stop = null
  let first = 0
  let resolve
  const done = new Promise(r => { resolve = r })
  return {
    done,
    add (k, b) {
      if (seen >= n) return
      if (!stop) {
        stop = lateness()
        first = performance.now()
      }
      seen += k
      bytes += b
      if (seen >= n) {
        const loop = stop()
        const flowS = (performance.now() - first) / 1000
        report(client, mode, seen, bytes, t0, c0, loop, {
          first_msg_s: +((first - t0) / 1000).toFixed(3),
          flow_msgs_per_sec: Math.round(seen / flowS),
          last_offset: String(lastOffset)
        })
        setTimeout(() => process.exit(0), 10000).unref() // a disconnect that hangs does not hold the run
        resolve()
      }
    }
  }
}

async function create (brokers, topic, partitions) {
  const { Kafka, logLevel } = require('kafkajs')
  const kafka = new Kafka({ clientId: 'node-bench', brokers, logLevel: logLevel.ERROR })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true })
  await admin.disconnect()
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic, acks: 1, messages: [{ value: Buffer.alloc(100, 'x') }] })
  await producer.disconnect()
}

// Medians of the JSON lines on stdin, one table per workload, ratios to KafkaJS.
function table (text) {
  const runs = text.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l))
  const median = xs => {
    const s = xs.slice().sort((a, b) => a - b)
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
  }
  const names = { uvkafka: 'uvkafka', kafkajs: 'KafkaJS 2.2.4', platformatic: '@platformatic/kafka', confluent: '@confluentinc/kafka-javascript' }
  const titles = { produce: 'produce', batch: 'consume, eachBatch', message: 'consume, eachMessage' }
  const out = []
  for (const mode of ['produce', 'batch', 'message']) {
    const of = runs.filter(r => r.mode === mode)
    if (!of.length) continue
    const n = of[0].msgs
    const broker = of.every(r => r.broker_cpu_s !== undefined)
    out.push(`| ${titles[mode]}, ${n.toLocaleString('en-US')} x 100 B | runs | msg/s | vs KafkaJS | CPU µs/msg | vs KafkaJS | peak RSS | loop p99 | loop max |` +
             (broker ? ' broker CPU µs/msg |' : ''))
    out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|' + (broker ? '---:|' : ''))
    const med = {}
    for (const c of Object.keys(names)) {
      const rs = of.filter(r => r.client === c)
      if (!rs.length) continue
      med[c] = {
        k: rs.length,
        rate: median(rs.map(r => r.msgs_per_sec)),
        cpu: median(rs.map(r => r.cpu_us_per_msg)),
        rss: median(rs.map(r => r.max_rss_kb)),
        p99: median(rs.map(r => r.loop_p99_ms)),
        max: median(rs.map(r => r.loop_max_ms)),
        broker: broker ? median(rs.map(r => r.broker_cpu_s * 1e6 / r.msgs)) : 0
      }
    }
    const base = med.kafkajs
    for (const [c, m] of Object.entries(med)) {
      const rr = base ? `${(m.rate / base.rate).toFixed(2)}x` : '-'
      const cr = base ? `${(m.cpu / base.cpu).toFixed(2)}x` : '-'
      out.push(`| ${names[c]} | ${m.k} | ${(m.rate / 1e6).toFixed(3)} M | ${rr} | ${m.cpu.toFixed(2)} | ${cr} | ` +
               `${(m.rss / 1024).toFixed(1)} MB | ${m.p99.toFixed(1)} ms | ${m.max.toFixed(1)} ms |` +
               (broker ? ` ${m.broker.toFixed(2)} |` : ''))
    }
    out.push('')
  }
  console.log(out.join('\n'))
}

async function main () {
  const [mode, ...a] = process.argv.slice(2)
  if (mode === 'table') {
    let text = ''
    process.stdin.setEncoding('utf8')
    for await (const chunk of process.stdin) text += chunk
    return table(text)
  }
  if (mode === 'create') {
    if (a.length < 3) die('usage: node_bench.js create BROKERS TOPIC PARTITIONS')
    return create(a[0].split(','), a[1], Number(a[2]))
  }
  const [client, brokersText, topic, nText, sizeText, perText, inflightText, acksText] = a
  if (!['produce', 'batch', 'message'].includes(mode) || !['uvkafka', 'kafkajs', 'platformatic', 'confluent'].includes(client) ||
      !brokersText || !topic || !nText) {
    die('usage: node_bench.js produce|batch|message uvkafka|kafkajs|platformatic|confluent BROKERS TOPIC N [SIZE PER_SEND IN_FLIGHT ACKS]')
  }
  const brokers = brokersText.split(',')
  const n = Number(nText)
  if (mode === 'produce') {
    const size = Number(sizeText || 100)
    const per = Number(perText || 1000)
    const inflight = Number(inflightText || 8)
    const acks = Number(acksText || 1)
    if (client === 'platformatic') return producePlatformatic(brokers, topic, n, size, per, inflight, acks)
    if (client === 'confluent') return produceConfluent(brokers, topic, n, size, per, inflight, acks)
    return produceKafkaJS(client, brokers, topic, n, size, per, inflight, acks)
  }
  if (client === 'platformatic') return consumePlatformatic(mode, brokers, topic, n)
  if (client === 'confluent') return consumeConfluent(mode, brokers, topic, n)
  return consumeKafkaJS(client, mode, brokers, topic, n)
}

main().then(() => process.exit(0), e => {
  console.error(e)
  process.exit(1)
})
