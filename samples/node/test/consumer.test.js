'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { KafkaJSNonRetriableError } = require('..')
const { kafka, unique, readBack, createTopic } = require('./helpers')

async function produce (k, topic, n, opts = {}) {
  const producer = k.producer()
  await producer.connect()
  const messages = Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: opts.partition }))
  await producer.send({ topic, messages })
  await producer.disconnect()
}

// Resolves when cond() is true, checked after each event of `consumer`'s kind or handler call.
function until (cond) {
  let resolve
  const p = new Promise(r => { resolve = r })
  return { p, check: () => { if (cond()) resolve() } }
}

test('consumer() needs a groupId; run needs a handler; subscribe validates topics', async () => {
  const k = kafka()
  assert.throws(() => k.consumer({}), KafkaJSNonRetriableError)
  assert.throws(() => k.consumer({ groupId: '' }), /groupId must be a non-empty string/)
  const consumer = k.consumer({ groupId: unique('node-g') })
  await consumer.connect()
  await assert.rejects(consumer.subscribe({ topics: [42] }), /the topic name has to be a String or a RegExp/)
  assert.equal(await consumer.subscribe({ topics: [] }), undefined)  // as KafkaJS: nothing to subscribe
  await assert.rejects(consumer.run({}), /Either eachBatch or eachMessage must be provided/)
  assert.throws(() => consumer.seek({ topic: 't', partition: 0, offset: '1' }), /consumer#run must be called first/)
  await consumer.disconnect()
  await consumer.disconnect()
  await assert.rejects(consumer.subscribe({ topics: ['x'] }), /disconnected/)
})

test('the addon answers batch slot numbers it never gave out (or gave out and took back) without harm', async () => {
  const native = require('../lib/native')
  const consumer = kafka().consumer({ groupId: unique('node-g') })
  await consumer.connect()
  const h = consumer._handle
  for (const slot of [0, 1, 7, 65536, 65537, -1, 1.5, 2 ** 40, NaN, Infinity]) {
    assert.equal(native.consumerSlotState(h, slot), 2, `state of ${slot}`)
    assert.equal(native.consumerResolveNext(h, slot, 5), 2, `resolve through ${slot}`)
    assert.notEqual(native.consumerDone(h, slot, 0), 0, `done of ${slot}`)
  }
  assert.throws(() => native.consumerResolveNext(h, 0, 'x'), /offset must be/)
  await consumer.disconnect()
})

test('eachBatch: batch API, resolveOffset, offsets committed on stop and picked up by the next member', async () => {
  const k = kafka()
  const topic = unique('node-batch')
  const groupId = unique('node-g')
  await produce(k, topic, 300)
  const consumer = k.consumer({ groupId })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const seen = new Set()
  const done = until(() => seen.size === 300)
  await consumer.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, uncommittedOffsets }) => {
      assert.equal(batch.topic, topic)
      assert.equal(batch.isEmpty(), batch.messages.length === 0)
      assert.equal(batch.firstOffset(), batch.messages[0].offset)
      assert.equal(batch.lastOffset(), batch.messages[batch.messages.length - 1].offset)
      assert.equal(typeof batch.highWatermark, 'string')
      assert.equal(BigInt(batch.offsetLag()), BigInt(batch.highWatermark) - 1n - BigInt(batch.lastOffset()))
      assert.equal(isRunning(), true)
      assert.equal(isStale(), false)
      for (const m of batch.messages) {
        seen.add(m.key.toString())
        resolveOffset(m.offset)
      }
      const u = uncommittedOffsets()
      assert.equal(u.topics[0].partitions[0].offset, String(BigInt(batch.lastOffset()) + 1n))
      await heartbeat()
      done.check()
    }
  })
  await done.p
  await consumer.disconnect()
  // Everything was committed: a new member of the group gets only what comes next.
  await produce(k, topic, 5, { partition: 0 })
  const next = k.consumer({ groupId })
  await next.connect()
  await next.subscribe({ topic })
  const later = []
  const fin = until(() => later.length === 5)
  await next.run({ eachMessage: async ({ message }) => { later.push(message.value.toString()); fin.check() } })
  await fin.p
  await next.disconnect()
  assert.deepEqual(later, ['v0', 'v1', 'v2', 'v3', 'v4'])
})

test('a handler that throws gets the same message again; nothing is skipped', async () => {
  const k = kafka({ retry: { initialRetryTime: 50, retries: 3 } })
  const topic = unique('node-throw')
  await produce(k, topic, 10, { partition: 0 })
  const consumer = k.consumer({ groupId: unique('node-g'), retry: { initialRetryTime: 50 }, maxWaitTimeInMs: 100 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const calls = []
  let failed = false
  const done = until(() => calls.filter(c => c === 'v9').length === 1)
  await consumer.run({
    eachMessage: async ({ message }) => {
      const v = message.value.toString()
      calls.push(v)
      if (v === 'v4' && !failed) {
        failed = true
        throw new Error('handler failure')
      }
      done.check()
    }
  })
  await done.p
  await consumer.disconnect()
  assert.deepEqual(calls, ['v0', 'v1', 'v2', 'v3', 'v4', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9'])
})

test('eachMessage handlers that are not async: a return value, a throw and a thenable are awaited as KafkaJS awaits them', async () => {
  const k = kafka({ retry: { initialRetryTime: 50, retries: 3 } })
  const topic = unique('node-sync')
  await produce(k, topic, 10, { partition: 0 })
  const consumer = k.consumer({ groupId: unique('node-g'), retry: { initialRetryTime: 50 }, maxWaitTimeInMs: 100 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const log = []
  let failed = false
  const done = until(() => log.includes('end v9'))
  await consumer.run({
    eachMessage: ({ message }) => {  // a plain function
      const v = message.value.toString()
      log.push(`start ${v}`)
      if (v === 'v4' && !failed) {
        failed = true
        throw new Error('thrown, not rejected')  // the same message comes again
      }
      if (v === 'v6') {  // a thenable that is not a Promise: the next message waits for it
        return { then (resolve) { setTimeout(() => { log.push('end v6'); resolve() }, 20) } }
      }
      log.push(`end ${v}`)
      done.check()
      return v  // any value: done
    }
  })
  await done.p
  await consumer.disconnect()
  const expected = []
  for (const v of ['v0', 'v1', 'v2', 'v3', 'v4', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9']) expected.push(`start ${v}`, `end ${v}`)
  expected.splice(expected.indexOf('end v4'), 1)  // the first v4 threw
  assert.deepEqual(log, expected)
})

test('pause, paused, resume and seek', async () => {
  const k = kafka()
  const topic = unique('node-pause')
  await produce(k, topic, 20, { partition: 0 })
  const consumer = k.consumer({ groupId: unique('node-g') })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const values = []
  let resumeLater = null
  const phase1 = until(() => values.length === 10 && resumeLater)
  const phase2 = until(() => values.length >= 25)
  await consumer.run({
    eachMessage: async ({ message, pause }) => {
      values.push(Number(message.value.toString().slice(1)))
      if (values.length === 10) resumeLater = pause()
      phase1.check()
      phase2.check()
    }
  })
  await phase1.p
  assert.deepEqual(consumer.paused(), [{ topic, partitions: [0] }])
  assert.deepEqual(values, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  consumer.seek({ topic, partition: 0, offset: '5' })
  resumeLater()
  assert.deepEqual(consumer.paused(), [])
  await phase2.p
  await consumer.disconnect()
  // After the seek the partition starts again at 5 and reads to the end (15 messages), then the
  // rest up to 35 would need more data: 10 + 15 = 25 values before the end.
  assert.deepEqual(values.slice(10, 25), [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19])
})

test('partitionsConsumedConcurrently bounds the handlers running at once (1 by default, as KafkaJS)', async () => {
  const k = kafka()
  const topic = unique('node-concurrency')
  const producer = k.producer()
  await producer.connect()
  await producer.send({ topic, messages: Array.from({ length: 40 }, (_, i) => ({ value: `v${i}`, partition: i % 4 })) })
  await producer.disconnect()
  for (const limit of [1, 3]) {
    const consumer = k.consumer({ groupId: unique('node-g') })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    let running = 0
    let peak = 0
    let seen = 0
    const done = until(() => seen === 40)
    await consumer.run({
      partitionsConsumedConcurrently: limit === 1 ? undefined : limit,
      eachMessage: async () => {
        running++
        peak = Math.max(peak, running)
        // Yield to the loop so other partitions' batches could start if nothing held them.
        await new Promise(resolve => setImmediate(resolve))
        running--
        seen++
        done.check()
      }
    })
    await done.p
    await consumer.disconnect()
    assert.ok(peak <= limit, `limit ${limit}: ${peak} handlers ran at once`)
    if (limit === 3) assert.ok(peak > 1, 'with a limit of 3 the partitions ran concurrently')
  }
})

test('stop during eachMessage commits exactly the messages processed; the group resumes after them', async () => {
  const k = kafka()
  const topic = unique('node-stop')
  const groupId = unique('node-g')
  await produce(k, topic, 100, { partition: 0 })
  const consumer = k.consumer({ groupId })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  let processed = 0
  let stopped = null
  await new Promise(resolve => {
    consumer.run({
      eachMessage: async () => {
        processed++
        if (processed === 30) {
          stopped = consumer.stop()  // not awaited here: stop waits for this handler
          resolve()
        }
      }
    })
  })
  await stopped
  assert.equal(processed, 30)
  await consumer.disconnect()
  const next = k.consumer({ groupId })
  await next.connect()
  await next.subscribe({ topic })
  const first = await new Promise(resolve => next.run({ eachMessage: async ({ message }) => resolve(message.offset) }))
  await next.disconnect()
  assert.equal(first, '30')
})

test('groupProtocol consumer (KIP-848) with a static groupInstanceId reads every message; bad values are refused', async () => {
  const k = kafka()
  assert.throws(() => k.consumer({ groupId: unique('node-g'), groupProtocol: 'eager' }), /groupProtocol/)
  const topic = unique('node-kip848')
  await createTopic(k, topic, 3)
  const producer = k.producer()
  await producer.connect()
  await producer.send({ topic, messages: Array.from({ length: 30 }, (_, i) => ({ value: `m${i}` })) })
  await producer.disconnect()
  const got = await readBack(k, topic, 30, { groupProtocol: 'consumer', groupRemoteAssignor: 'uniform', groupInstanceId: unique('static') })
  assert.deepEqual(got.map(m => m.value.toString()).sort(), Array.from({ length: 30 }, (_, i) => `m${i}`).sort())
})

test('batch memory is reused only once nothing refers to it: kept messages stay intact across later batches', async () => {
  // The addon hands each batch's bytes out of a pool that takes memory back when V8 collects
  // the batch's Buffer (src/batch_mem.c). Every other batch is kept here and the rest dropped,
  // with a full collection after each, so later batches land in memory the dropped ones gave
  // back; a kept value overwritten by a later batch fails the comparison at the end.
  require('node:v8').setFlagsFromString('--expose-gc')
  const gc = require('node:vm').runInNewContext('gc')
  const k = kafka()
  const topic = unique('node-batchmem')
  await createTopic(k, topic, 1)
  const producer = k.producer()
  await producer.connect()
  const value = i => `value-${i}-`.padEnd(120, String.fromCharCode(97 + (i % 26)))
  for (let s = 0; s < 40; s++) {  // 40 record batches of 5: a small maxBytesPerPartition fetches a few at a time
    await producer.send({ topic, messages: Array.from({ length: 5 }, (_, j) => ({ value: value(s * 5 + j) })) })
  }
  await producer.disconnect()
  const consumer = k.consumer({ groupId: unique('node-g'), maxBytesPerPartition: 1500 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const kept = []
  let batches = 0
  let count = 0
  const done = until(() => count === 200)
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (batches++ % 2 === 0) kept.push(...batch.messages)
      count += batch.messages.length
      gc()
      await new Promise(resolve => setImmediate(resolve))  // the collected Buffers' memory goes back
      done.check()
    }
  })
  await done.p
  await consumer.disconnect()
  assert.ok(batches >= 10, `only ${batches} batches: the test needs many`)
  assert.ok(kept.length > 0)
  for (const m of kept) assert.equal(m.value.toString(), value(Number(m.offset)))
})

test('eachMessage reads a batch in parts: keys, values, headers and offsets stay exact across the parts, and kept messages stay intact', async () => {
  // The loop takes its batch from the addon 512 messages at a time (lib/consumer.js, CHUNK),
  // each part with its own bytes and positions. 1,300 messages sent at once make one record
  // batch, so one fetch hands over more than two parts; null keys, tombstones, headers (also
  // repeated) and empty values sit on both sides of the part boundaries. Every message is
  // kept, with a full collection after each part's worth, and compared at the end.
  require('node:v8').setFlagsFromString('--expose-gc')
  const gc = require('node:vm').runInNewContext('gc')
  const k = kafka()
  const topic = unique('node-parts')
  await createTopic(k, topic, 1)
  const N = 1300
  const key = i => (i % 7 === 3 ? null : `key-${i}`)
  const value = i => (i % 11 === 5 ? null : i % 13 === 6 ? '' : `value-${i}-`.padEnd(20 + (i % 50), 'x'))
  const headers = i => (i % 5 === 0 ? { h: `h${i}`, both: [`a${i}`, `b${i}`] } : i % 5 === 1 ? { only: `o${i}` } : undefined)
  const producer = k.producer()
  await producer.connect()
  await producer.send({
    topic,
    messages: Array.from({ length: N }, (_, i) => ({ key: key(i), value: value(i), headers: headers(i) }))
  })
  await producer.disconnect()
  const consumer = k.consumer({ groupId: unique('node-g') })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const kept = []
  const done = until(() => kept.length === N)
  await consumer.run({
    eachMessage: async ({ message }) => {
      kept.push(message)
      if (kept.length % 300 === 0) gc()
      done.check()
    }
  })
  await done.p
  await consumer.disconnect()
  gc()
  const str = b => (b === null ? null : b.toString())
  for (let i = 0; i < N; i++) {
    const m = kept[i]
    assert.equal(m.offset, String(i))
    assert.equal(str(m.key), key(i), `key of ${i}`)
    assert.equal(str(m.value), value(i), `value of ${i}`)
    const want = headers(i) || {}
    const got = {}
    for (const [name, v] of Object.entries(m.headers)) got[name] = Array.isArray(v) ? v.map(str) : str(v)
    assert.deepEqual(got, want, `headers of ${i}`)
    if (m.value !== null) assert.ok(Buffer.isBuffer(m.value))
  }
})

test('eachBatch: batches that wait for a running handler keep their own messages (the addon reuses its field arrays)', { timeout: 30000 }, async () => {
  // The addon writes every eachBatch batch's offsets and positions into one array per
  // consumer (src/consumer.c, fields_view); a batch that has to wait (partitionsConsumedConcurrently
  // 1, four partitions, a handler that yields to the loop) is built later and must not read
  // the fields of the batches handed over after it.
  const k = kafka()
  const topic = unique('node-batchwait')
  await createTopic(k, topic, 4)
  const producer = k.producer()
  await producer.connect()
  const N = 400
  await producer.send({ topic, messages: Array.from({ length: N }, (_, i) => ({ key: `k${i}`, value: `v${i}-`.padEnd(10 + (i % 30), 'y'), partition: i % 4 })) })
  await producer.disconnect()
  const consumer = k.consumer({ groupId: unique('node-g') })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const got = []
  let waited = 0
  let seen = 0
  const done = until(() => seen >= N)
  await consumer.run({
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length
      for (const m of batch.messages) got.push({ partition: batch.partition, offset: m.offset, key: String(m.key), value: String(m.value) })
      await new Promise(resolve => setImmediate(resolve))
      if (consumer._waiting.length) waited++
      done.check()
    }
  })
  await done.p
  await consumer.disconnect()
  assert.ok(waited > 0, 'no batch had to wait: the test needs some that do')
  for (const m of got) {
    const i = Number(m.offset) * 4 + m.partition
    assert.equal(m.key, `k${i}`)
    assert.equal(m.value, `v${i}-`.padEnd(10 + (i % 30), 'y'))
  }
  assert.equal(new Set(got.map(m => `${m.partition}/${m.offset}`)).size, N)
})

test('eachMessage across parts: one handler at a time in offset order, awaited; a stop after the first part commits exactly what was processed', async () => {
  // 1,300 messages sent at once: one batch the loop takes in parts of 512. Some handlers wait
  // for the loop (the loop then tells the addon each resolved offset at once), the rest do
  // not (resolved offsets are told when the stretch ends); the stop comes in the second part.
  const k = kafka()
  const topic = unique('node-partstop')
  const groupId = unique('node-g')
  await createTopic(k, topic, 1)
  const producer = k.producer()
  await producer.connect()
  await producer.send({ topic, messages: Array.from({ length: 1300 }, (_, i) => ({ value: `v${i}` })) })
  await producer.disconnect()
  const consumer = k.consumer({ groupId })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const offsets = []
  let running = 0
  let overlap = 0
  let stopped = null
  await new Promise(resolve => {
    consumer.run({
      eachMessage: async ({ message }) => {
        if (running++) overlap++
        offsets.push(Number(message.offset))
        if (offsets.length % 97 === 0) await new Promise(resolve => setImmediate(resolve))
        running--
        if (offsets.length === 700) {
          stopped = consumer.stop()  // not awaited here: stop waits for this handler
          resolve()
        }
      }
    })
  })
  await stopped
  await consumer.disconnect()
  assert.equal(overlap, 0, 'a handler started before the previous one was done')
  assert.deepEqual(offsets, Array.from({ length: 700 }, (_, i) => i))
  const next = k.consumer({ groupId })
  await next.connect()
  await next.subscribe({ topic })
  const first = await new Promise(resolve => next.run({ eachMessage: async ({ message }) => resolve(message.offset) }))
  await next.disconnect()
  assert.equal(first, '700')
})

test('eachMessage: the last message of a batch read in parts is what a stop commits', async () => {
  // Handlers that never wait resolve the batch's messages in one stretch; the last resolved
  // offset reaches the addon when the batch ends (lib/consumer.js, flush), from its last part.
  const k = kafka()
  const topic = unique('node-partend')
  const groupId = unique('node-g')
  await createTopic(k, topic, 1)
  const producer = k.producer()
  await producer.connect()
  await producer.send({ topic, messages: Array.from({ length: 1300 }, (_, i) => ({ value: `v${i}` })) })
  const consumer = k.consumer({ groupId })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  let seen = 0
  let ended = false
  const done = until(() => ended)
  consumer.on(consumer.events.END_BATCH_PROCESS, () => { ended = seen === 1300; done.check() })
  await consumer.run({ eachMessage: async () => { seen++ } })
  await done.p  // the batch's loop is over: nothing but its end told the addon the last offset
  await consumer.stop()
  await consumer.disconnect()
  await producer.send({ topic, messages: [{ value: 'after' }] })
  await producer.disconnect()
  const next = k.consumer({ groupId })
  await next.connect()
  await next.subscribe({ topic })
  const first = await new Promise(resolve => next.run({ eachMessage: async ({ message }) => resolve(message.offset) }))
  await next.disconnect()
  assert.equal(first, '1300')
})

test('commitOffsets stores metadata (admin.fetchOffsets reads it back), also from eachBatch; too long metadata fails clearly', async () => {
  const k = kafka()
  const topic = unique('node-commit-meta')
  const groupId = unique('node-g')
  await createTopic(k, topic, 2)
  await produce(k, topic, 1, { partition: 0 })
  const consumer = k.consumer({ groupId })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const events = []
  consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => events.push(payload.topics))
  let batchCommitted
  const fromBatch = new Promise((resolve, reject) => { batchCommitted = { resolve, reject } })
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, commitOffsetsIfNecessary }) => {
      // KafkaJS hands these partitions to its OffsetCommit encoder as they are: metadata included.
      const partitions = [{ partition: batch.partition, offset: '1', metadata: 'from-eachBatch' }]
      await commitOffsetsIfNecessary({ topics: [{ topic, partitions }] }).then(batchCommitted.resolve, batchCommitted.reject)
    }
  })
  await fromBatch
  const admin = k.admin()
  await admin.connect()
  const fetched = async () => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions
    .sort((a, b) => a.partition - b.partition).map(p => [p.partition, p.offset, p.metadata])
  try {
    assert.deepEqual(await fetched(), [[0, '1', 'from-eachBatch'], [1, '-1', null]])
    await consumer.commitOffsets([
      { topic, partition: 0, offset: '1', metadata: 'event-id-3' },
      { topic, partition: 1, offset: '0' }  // no metadata: fetchOffsets gives null (as KafkaJS's, for null and '')
    ])
    assert.deepEqual(await fetched(), [[0, '1', 'event-id-3'], [1, '0', null]])
    // The commit_offsets event carries it too (KafkaJS's has the entries as committed).
    assert.deepEqual(events[events.length - 1], [{
      topic,
      partitions: [{ partition: 0, offset: '1', metadata: 'event-id-3' }, { partition: 1, offset: '0' }]
    }])
    await consumer.commitOffsets([{ topic, partition: 1, offset: '0', metadata: 'é'.repeat(2048) }])  // 4096 bytes
    assert.deepEqual((await fetched())[1], [1, '0', 'é'.repeat(2048)])

    // Over the broker's offset.metadata.max.bytes (4096 by default): its error, by name.
    await assert.rejects(consumer.commitOffsets([{ topic, partition: 0, offset: '1', metadata: 'x'.repeat(4097) }]),
      e => e.name === 'KafkaJSProtocolError' && e.type === 'OFFSET_METADATA_TOO_LARGE' && e.retriable === false)
    // Over what a commit can carry: refused before anything is sent.
    await assert.rejects(consumer.commitOffsets([{ topic, partition: 0, offset: '1', metadata: 'x'.repeat(32768) }]),
      e => e instanceof KafkaJSNonRetriableError && /offset metadata is 32768 bytes, more than the 32767/.test(e.message))
    await assert.rejects(consumer.commitOffsets([{ topic, partition: 0, offset: '1', metadata: 'a\0b' }]),
      e => e instanceof KafkaJSNonRetriableError && /metadata must not contain a NUL character/.test(e.message))
    // KafkaJS's own check and message for a wrong type.
    await assert.rejects(consumer.commitOffsets([{ topic, partition: 0, offset: '1', metadata: 42 }]),
      e => e instanceof KafkaJSNonRetriableError && e.message === 'Invalid offset metadata, expected string or null, received 42')
    assert.deepEqual((await fetched())[0], [0, '1', 'event-id-3'])  // none of them changed it
  } finally {
    await admin.disconnect()
    await consumer.disconnect()
  }
})
