'use strict'
// How a batch's messages are built from the addon's flat arrays (lib/consumer.js
// buildMessages): no broker needed, the arrays are written here the way src/consumer.c does.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { buildMessages, viewClass } = require('../lib/consumer')

const MSG = 8
const HDR = 4

// [{offset, timestamp, key, value, headers: [[name, value]]}] -> (data, meta, hmeta)
function flat (list) {
  const parts = []
  let at = 0
  const meta = new Float64Array(list.length * MSG)
  const hcount = list.reduce((n, m) => n + (m.headers || []).length, 0)
  const hmeta = new Float64Array(hcount * HDR)
  let hi = 0
  const put = b => {
    const start = at
    if (b) {
      parts.push(Buffer.from(b))
      at += Buffer.byteLength(b)
    }
    return start
  }
  list.forEach((m, i) => {
    const f = i * MSG
    meta[f] = m.offset
    meta[f + 1] = m.timestamp
    meta[f + 2] = 0
    meta[f + 3] = put(m.key)
    meta[f + 4] = m.key === null ? -1 : Buffer.byteLength(m.key)
    meta[f + 5] = put(m.value)
    meta[f + 6] = m.value === null ? -1 : Buffer.byteLength(m.value)
    meta[f + 7] = (m.headers || []).length
    for (const [name, value] of m.headers || []) {
      const g = hi++ * HDR
      hmeta[g] = put(name)
      hmeta[g + 1] = Buffer.byteLength(name)
      hmeta[g + 2] = put(value)
      hmeta[g + 3] = value === null ? -1 : Buffer.byteLength(value)
    }
  })
  return [Buffer.concat([Buffer.alloc(3), ...parts]).subarray(3), meta, hmeta]
}

test('offsets come out as the decimal text of the number, across every digit boundary', () => {
  const offsets = [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 1009, 1010, 1099, 1100, 1999, 2000, 9999, 10000, 10999,
    999999, 1000000, 1000001, 123456789, 2 ** 31, 2 ** 32 + 7, 1e15 + 42, Number.MAX_SAFE_INTEGER - 1,
    Number.MAX_SAFE_INTEGER, 2 ** 53 + 2]
  // In order (a batch) and shuffled (every message its own prefix), so no cached prefix leaks.
  // Both ways a batch is built: without headers (one loop) and with one (a reader per message).
  for (const order of [offsets, [...offsets].reverse(), offsets.filter((_, i) => i % 2).concat(offsets.filter((_, i) => !(i % 2)))]) {
    for (const headers of [undefined, [['h', 'v']]]) {
      const [data, meta, hmeta] = flat(order.map((o, i) => ({ offset: o, timestamp: 5, key: null, value: 'v', headers: i === 0 ? headers : undefined })))
      const got = buildMessages(data, meta, hmeta).map(m => m.offset)
      assert.deepEqual(got, order.map(o => String(o)))
    }
  }
  // A long run of consecutive offsets crossing thousands, as a real batch does.
  const run = Array.from({ length: 3000 }, (_, i) => 41998 + i)
  const [data, meta, hmeta] = flat(run.map(o => ({ offset: o, timestamp: 5, key: null, value: null })))
  assert.deepEqual(buildMessages(data, meta, hmeta).map(m => m.offset), run.map(String))
})

test('timestamps: each message its own, shared text or not, with and without headers in the batch', () => {
  const stamps = [0, 0, 1700000000000, 1700000000000, 1700000000001, 5, 1700000000000, -1, -1, 2 ** 41]
  for (const headers of [undefined, [['h', 'v']]]) {
    const [data, meta, hmeta] = flat(stamps.map((t, i) => ({ offset: i, timestamp: t, key: null, value: null, headers: i === 3 ? headers : undefined })))
    assert.deepEqual(buildMessages(data, meta, hmeta).map(m => m.timestamp), stamps.map(String))
  }
})

test('keys, values, headers and timestamps of a batch, views of one Buffer', () => {
  const [data, meta, hmeta] = flat([
    { offset: 7, timestamp: 1700000000000, key: 'k1', value: 'value one', headers: [['a', 'x'], ['a', 'y'], ['n', null]] },
    { offset: 8, timestamp: 1700000000000, key: null, value: null },
    { offset: 9, timestamp: 1700000000001, key: '', value: '' }
  ])
  const ms = buildMessages(data, meta, hmeta)
  assert.equal(ms.length, 3)
  assert.deepEqual(Object.keys(ms[0]), ['key', 'value', 'timestamp', 'attributes', 'offset', 'headers'])
  assert.equal(ms[0].key.toString(), 'k1')
  assert.equal(ms[0].value.toString(), 'value one')
  // Views of the batch's memory, not copies, and Buffers by every test a program makes.
  for (const b of [ms[0].key, ms[0].value, ms[0].headers.a[0], ms[2].value]) {
    assert.ok(Buffer.isBuffer(b))
    assert.ok(b instanceof Buffer && b instanceof Uint8Array)
    assert.equal(b.constructor, Buffer)
    assert.equal(b.buffer, data.buffer)
  }
  assert.equal(require('node:util').inspect(ms[0].key), '<Buffer 6b 31>')
  assert.deepEqual(JSON.parse(JSON.stringify(ms[0].key)), { type: 'Buffer', data: [0x6b, 0x31] })
  assert.ok(ms[0].value.equals(Buffer.from('value one')))
  assert.equal(ms[0].value.readUInt8(0), 0x76)
  assert.equal(Object.getPrototypeOf(ms[0].value.subarray(1)), Buffer.prototype)
  assert.equal(Buffer.concat([ms[0].key, ms[0].value]).toString(), 'k1value one')
  assert.deepStrictEqual(ms[0].value, Buffer.from('value one'))  // the prototype too
  assert.deepEqual(ms[0].headers, { a: [Buffer.from('x'), Buffer.from('y')], n: null })
  assert.equal(ms[0].timestamp, '1700000000000')
  assert.equal(ms[1].key, null)
  assert.equal(ms[1].value, null)
  assert.deepEqual(ms[1].headers, {})
  assert.notEqual(ms[1].headers, ms[0].headers)
  // Plain objects, with or without headers, as `{}` is: same prototype, constructor, inspect.
  for (const m of ms) {
    assert.equal(Object.getPrototypeOf(m.headers), Object.prototype)
    assert.equal(m.headers.constructor, Object)
  }
  assert.deepStrictEqual(ms[2].headers, {})
  assert.deepStrictEqual(ms[0].headers, { a: [Buffer.from('x'), Buffer.from('y')], n: null })
  assert.equal(require('node:util').inspect(ms[2].headers), '{}')
  ms[2].headers.added = Buffer.from('z')  // a handler may add to them
  assert.deepStrictEqual(Object.keys(ms[2].headers), ['added'])
  assert.deepEqual(ms[1].headers, {})
  assert.equal(ms[2].key.length, 0)
  assert.equal(ms[2].value.length, 0)
  assert.equal(ms[2].timestamp, '1700000000001')
  assert.deepEqual(ms.map(m => m.offset), ['7', '8', '9'])
})

test('views are made by the class Buffer.from itself uses, or by Buffer.from where a runtime has no such class', () => {
  const ab = new ArrayBuffer(8)
  new Uint8Array(ab).set([1, 2, 3, 4, 5, 6, 7, 8])
  const View = viewClass(Buffer)
  assert.equal(View.prototype, Buffer.prototype)  // Node's FastBuffer, from Buffer[Symbol.species]
  assert.deepStrictEqual(new View(ab, 2, 3), Buffer.from(ab, 2, 3))
  assert.throws(() => new View(ab, 6, 3), RangeError)  // out of bounds, as Buffer.from refuses it
  // A Buffer whose species is not its own class (a runtime without FastBuffer): Buffer.from.
  const calls = []
  const Fake = { [Symbol.species]: Uint8Array, prototype: Buffer.prototype, from: (...a) => { calls.push(a); return Buffer.from(...a) } }
  const Fallback = viewClass(Fake)
  assert.notEqual(Fallback, Uint8Array)
  const v = new Fallback(ab, 1, 2)
  assert.deepStrictEqual(v, Buffer.from(ab, 1, 2))
  assert.deepEqual(calls, [[ab, 1, 2]])
})

test('headers named like Object.prototype members are own properties; __proto__ does not replace the prototype', () => {
  const [data, meta, hmeta] = flat([
    { offset: 1, timestamp: 5, key: null, value: 'v', headers: [['constructor', 'c'], ['__proto__', 'p'], ['toString', 't'], ['toString', 'u'], ['__proto__', 'q']] }
  ])
  const [m] = buildMessages(data, meta, hmeta)
  const h = m.headers
  assert.equal(Object.getPrototypeOf(h), Object.prototype)
  assert.deepEqual(Object.keys(h), ['constructor', '__proto__', 'toString'])
  assert.deepStrictEqual(h.constructor, Buffer.from('c'))
  assert.deepStrictEqual(h.toString, [Buffer.from('t'), Buffer.from('u')])
  assert.deepStrictEqual(Object.getOwnPropertyDescriptor(h, '__proto__').value, [Buffer.from('p'), Buffer.from('q')])
  assert.equal(({}).polluted, undefined)
})
