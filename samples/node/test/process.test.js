'use strict'
// What keeps a Node process alive: only a connected client, as with KafkaJS; a disconnected
// or never-connected one never does, and exiting mid-send never crashes.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const path = require('node:path')
const { unique } = require('./helpers')

const pkg = path.resolve(__dirname, '..')

function runScript (body) {
  const src = `const { Kafka, logLevel } = require(${JSON.stringify(pkg)});
const kafka = new Kafka({ clientId: 'proc', brokers: process.env.UVK_TEST_BROKERS.split(','), logLevel: logLevel.ERROR });
${body}`
  return new Promise(resolve => {
    const child = spawn(process.execPath, ['-e', src], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', d => { out += d })
    child.stderr.on('data', d => { err += d })
    child.on('exit', (code, signal) => resolve({ code, signal, out, err }))
  })
}

test('a script that connects, sends and disconnects exits on its own', async () => {
  const r = await runScript(`(async () => {
    const p = kafka.producer(); await p.connect()
    const c = kafka.consumer({ groupId: ${JSON.stringify(unique('proc-g'))} }); await c.connect()
    const a = kafka.admin ? kafka.admin() : null
    await p.send({ topic: ${JSON.stringify(unique('proc'))}, messages: [{ value: 'x' }] })
    await p.disconnect(); await c.disconnect()
    console.log('done')
  })()`)
  assert.equal(r.signal, null, r.err)
  assert.equal(r.code, 0, r.err)
  assert.equal(r.out.trim(), 'done')
})

test('clients that were never connected, or were disconnected, do not keep the process alive', async () => {
  const r = await runScript(`(async () => {
    kafka.producer(); kafka.consumer({ groupId: 'never' })
    const p = kafka.producer(); await p.connect(); await p.disconnect()
    console.log('idle')
  })()`)
  assert.equal(r.signal, null, r.err)
  assert.equal(r.code, 0, r.err)
  assert.equal(r.out.trim(), 'idle')
})

test('process.exit in the middle of sends exits with its code, no crash', async () => {
  const r = await runScript(`(async () => {
    const p = kafka.producer(); await p.connect()
    const topic = ${JSON.stringify(unique('proc-exit'))}
    for (let i = 0; i < 20; i++) p.send({ topic, messages: Array.from({ length: 1000 }, (_, j) => ({ value: 'v' + j })) }).catch(() => {})
    setImmediate(() => process.exit(7))
  })()`)
  assert.equal(r.signal, null, r.err)
  assert.equal(r.code, 7, r.err)
})

test('an exception thrown by a send callback continuation reaches uncaughtException, the library stays usable', async () => {
  const r = await runScript(`(async () => {
    const p = kafka.producer(); await p.connect()
    const topic = ${JSON.stringify(unique('proc-throw'))}
    let caught = 0
    process.on('uncaughtException', e => { caught++; console.log('caught ' + e.message) })
    p.send({ topic, messages: [{ value: 'a' }] }).then(() => { setImmediate(() => { throw new Error('boom') }) })
    await new Promise(r => setTimeout(r, 0))
    await p.send({ topic, messages: [{ value: 'b' }] })
    await new Promise(r => setImmediate(r))
    await p.disconnect()
    console.log('after ' + caught)
  })()`)
  assert.equal(r.signal, null, r.err)
  assert.equal(r.code, 0, r.err)
  assert.match(r.out, /caught boom/)
  assert.match(r.out, /after 1/)
})

test('wrong types from JavaScript never crash the process', async () => {
  const r = await runScript(`(async () => {
    const native = require(${JSON.stringify(path.join(pkg, 'lib', 'native'))})
    const junk = [undefined, null, 0, -1, 1e300, NaN, '', 'x'.repeat(100000), {}, [], () => {}, Symbol('s'), 10n, Buffer.alloc(3)]
    let threw = 0, calls = 0
    for (const name of Object.keys(native)) {
      if (name === 'version' || name === 'errorInfo' || name === 'codecAvailable') continue
      for (const a of junk) for (const b of junk.slice(0, 4)) {
        calls++
        try { native[name](a, b, a, b, a, b, a) } catch (e) { threw++ }
      }
    }
    const p = kafka.producer(); await p.connect()
    for (const bad of [{ topic: 5 }, { topic: 't', messages: [{ value: Symbol('x') }] }, { topic: 't', messages: [{ value: 'x', headers: { h: [1] } }] }])
      await p.send(bad).catch(() => threw++)
    await p.disconnect(); await p.disconnect()
    console.log('survived ' + calls + ' ' + (threw > 0))
  })()`)
  assert.equal(r.signal, null, r.err)
  assert.equal(r.code, 0, r.err)
  assert.match(r.out, /survived \d+ true/)
})
