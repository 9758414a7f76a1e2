'use strict'
// KafkaJS's AssignerProtocol: ConsumerProtocol MemberMetadata / MemberAssignment (version 0
// layout; later versions' extra fields are ignored when decoding).

class Writer {
  constructor () { this.parts = [] }
  int16 (v) { const b = Buffer.alloc(2); b.writeInt16BE(v); this.parts.push(b); return this }
  int32 (v) { const b = Buffer.alloc(4); b.writeInt32BE(v); this.parts.push(b); return this }
  string (s) { const b = Buffer.from(s, 'utf8'); this.int16(b.length); this.parts.push(b); return this }
  bytes (v) {
    if (v === null || v === undefined) return this.int32(-1)
    const b = Buffer.isBuffer(v) ? v : Buffer.from(v)
    this.int32(b.length)
    this.parts.push(b)
    return this
  }
  buffer () { return Buffer.concat(this.parts) }
}

class Reader {
  constructor (buf) { this.buf = buf; this.at = 0 }
  need (n) { if (this.at + n > this.buf.length) throw new RangeError('malformed ConsumerProtocol data: truncated') }
  int16 () { this.need(2); const v = this.buf.readInt16BE(this.at); this.at += 2; return v }
  int32 () { this.need(4); const v = this.buf.readInt32BE(this.at); this.at += 4; return v }
  string () {
    const n = this.int16()
    if (n < 0) return null
    this.need(n)
    const s = this.buf.toString('utf8', this.at, this.at + n)
    this.at += n
    return s
  }
  bytes () {
    if (this.at >= this.buf.length) return null
    const n = this.int32()
    if (n < 0) return null
    this.need(n)
    const b = Buffer.from(this.buf.subarray(this.at, this.at + n))
    this.at += n
    return b
  }
  count () {
    const n = this.int32()
    if (n < -1 || n > this.buf.length) throw new RangeError('malformed ConsumerProtocol data: bad array length')
    return Math.max(n, 0)
  }
}

const MemberMetadata = {
  encode ({ version = 0, topics = [], userData = Buffer.alloc(0) }) {
    const w = new Writer().int16(version).int32(topics.length)
    for (const t of topics) w.string(t)
    return w.bytes(userData).buffer()
  },
  decode (buffer) {
    const r = new Reader(buffer)
    const version = r.int16()
    const topics = []
    for (let i = 0, n = r.count(); i < n; i++) topics.push(r.string())
    return { version, topics, userData: r.bytes() }  // null when the member sent null, as KafkaJS
  }
}

const MemberAssignment = {
  encode ({ version = 0, assignment = {}, userData = Buffer.alloc(0) }) {  // KafkaJS's default: empty, not null
    const topics = Object.keys(assignment)
    const w = new Writer().int16(version).int32(topics.length)
    for (const t of topics) {
      w.string(t).int32(assignment[t].length)
      for (const p of assignment[t]) w.int32(p)
    }
    return w.bytes(userData).buffer()
  },
  decode (buffer) {
    if (!buffer || buffer.length === 0) return null
    const r = new Reader(buffer)
    const version = r.int16()
    const assignment = {}
    for (let i = 0, n = r.count(); i < n; i++) {
      const topic = r.string()
      const parts = []
      for (let j = 0, m = r.count(); j < m; j++) parts.push(r.int32())
      assignment[topic] = parts
    }
    return { version, assignment, userData: r.bytes() }
  }
}

module.exports = { AssignerProtocol: { MemberMetadata, MemberAssignment } }
