'use strict'
// Every listener of the test cluster: TLS (CA, mutual TLS), SASL PLAIN / SCRAM / OAUTHBEARER,
// SASL over TLS; and the errors KafkaJS users get for a wrong password or an untrusted CA.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const { KafkaJSSASLAuthenticationError, KafkaJSNumberOfRetriesExceeded, KafkaJSError } = require('..')
const { kafka, unique, env } = require('./helpers')

async function roundTrip (config) {
  const k = kafka(config)
  const topic = unique('node-sec')
  const producer = k.producer()
  await producer.connect()
  await producer.send({ topic, messages: [{ key: 'k', value: 'secure' }] })
  await producer.disconnect()
  const consumer = k.consumer({ groupId: unique('node-sec-g') })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const value = await new Promise(resolve => consumer.run({ eachMessage: async ({ message }) => resolve(message.value.toString()) }))
  await consumer.disconnect()
  assert.equal(value, 'secure')
}

const ca = () => fs.readFileSync(env('UVK_TEST_CA'))
const list = name => env(name).split(',')
const b64url = s => Buffer.from(s).toString('base64url')
const unsecuredJwt = sub => {
  const now = Math.floor(Date.now() / 1000)
  return `${b64url('{"alg":"none"}')}.${b64url(JSON.stringify({ sub, iat: now, exp: now + 3600 }))}.`
}

test('TLS with the cluster CA (a Buffer, as KafkaJS passes it to tls.connect)', async () => {
  await roundTrip({ brokers: list('UVK_TEST_SSL_BROKERS'), ssl: { ca: [ca()] } })
})

test('mutual TLS with a client certificate and key', async () => {
  await roundTrip({
    brokers: list('UVK_TEST_MTLS_BROKERS'),
    ssl: { ca: [ca()], cert: fs.readFileSync(env('UVK_TEST_CLIENT_CERT')), key: fs.readFileSync(env('UVK_TEST_CLIENT_KEY')) }
  })
})

for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512']) {
  test(`SASL ${mechanism}`, async () => {
    await roundTrip({
      brokers: list('UVK_TEST_SASL_PLAINTEXT_BROKERS'),
      sasl: { mechanism, username: env('UVK_TEST_USER'), password: env('UVK_TEST_PASSWORD') }
    })
  })
}

test('SASL SCRAM-SHA-512 over TLS', async () => {
  await roundTrip({
    brokers: list('UVK_TEST_SASL_SSL_BROKERS'),
    ssl: { ca: ca().toString() },
    sasl: { mechanism: 'scram-sha-512', username: env('UVK_TEST_USER'), password: env('UVK_TEST_PASSWORD') }
  })
})

test('SASL OAUTHBEARER with an async oauthBearerProvider', async () => {
  let calls = 0
  await roundTrip({
    brokers: list('UVK_TEST_SASL_PLAINTEXT_BROKERS'),
    sasl: {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => {
        calls++
        await new Promise(resolve => setImmediate(resolve))
        return { value: unsecuredJwt(env('UVK_TEST_USER')) }
      }
    }
  })
  assert.ok(calls >= 1)
})

// A custom mechanism through KafkaJS's authenticationProvider: PLAIN written by hand.
const plainProvider = (username, password, seen) => ({ host, port, saslAuthenticate }) => ({
  authenticate: async () => {
    seen.push(`${host}:${port}`)
    const reply = await saslAuthenticate({
      request: { encode: () => Buffer.from(`\u0000${username}\u0000${password}`) },
      response: { decode: raw => raw, parse: data => data.length }
    })
    seen.push(`reply ${reply}`)
  }
})

test('SASL with a custom authenticationProvider (KafkaJS 2.2 API)', async () => {
  const seen = []
  await roundTrip({
    brokers: list('UVK_TEST_SASL_PLAINTEXT_BROKERS'),
    sasl: { mechanism: 'PLAIN', authenticationProvider: plainProvider(env('UVK_TEST_USER'), env('UVK_TEST_PASSWORD'), seen) }
  })
  assert.equal(seen[0], list('UVK_TEST_SASL_PLAINTEXT_BROKERS')[0])
  assert.equal(seen[1], 'reply 0')
})

test('a custom authenticationProvider with a wrong password fails the connection', async () => {
  const seen = []
  const k = kafka({
    brokers: list('UVK_TEST_SASL_PLAINTEXT_BROKERS'),
    retry: { retries: 0 },
    sasl: { mechanism: 'PLAIN', authenticationProvider: plainProvider(env('UVK_TEST_USER'), 'wrong', seen) }
  })
  const producer = k.producer()
  await assert.rejects(producer.connect(), e => {
    const root = e instanceof KafkaJSNumberOfRetriesExceeded ? e.originalError : e
    assert.ok(root instanceof KafkaJSSASLAuthenticationError, `${e.name}: ${e.message}`)
    return true
  })
  await producer.disconnect()
})

test('a wrong password fails with KafkaJSSASLAuthenticationError', async () => {
  const k = kafka({
    brokers: list('UVK_TEST_SASL_PLAINTEXT_BROKERS'),
    retry: { retries: 0 },
    sasl: { mechanism: 'scram-sha-256', username: env('UVK_TEST_USER'), password: 'wrong' }
  })
  const producer = k.producer()
  await assert.rejects(producer.connect(), e => {
    const root = e instanceof KafkaJSNumberOfRetriesExceeded ? e.originalError : e
    assert.ok(root instanceof KafkaJSSASLAuthenticationError, `${e.name}: ${e.message}`)
    assert.match(root.message, /SCRAM-SHA-256/i)
    return true
  })
  await producer.disconnect()
})

test('a CA that did not sign the broker certificate fails the connection, clearly', async () => {
  const k = kafka({ brokers: list('UVK_TEST_SSL_BROKERS'), retry: { retries: 0 }, ssl: { ca: [fs.readFileSync(env('UVK_TEST_CLIENT_CERT'))] } })
  const producer = k.producer()
  await assert.rejects(producer.connect(), e => {
    assert.ok(e instanceof KafkaJSError, e.name)
    assert.match(`${e.message} ${e.uvk && e.uvk.detail}`, /certificate|verif|TLS/i)
    return true
  })
  await producer.disconnect()
})

test('config errors name the option: bad SASL mechanism, custom provider, socketFactory', () => {
  assert.throws(() => kafka({ sasl: { mechanism: 'gssapi' } }), /SASL gssapi mechanism is not supported/)
  assert.throws(() => kafka({ sasl: { mechanism: 'oauthbearer' } }), /oauthBearerProvider/)
  assert.throws(() => kafka({ brokers: [] }), /brokers array is empty/)
  assert.throws(() => kafka({ brokers: [1] }), /must be an array of strings/)
  assert.throws(() => kafka({ connectionTimeout: 'soon' }).producer(), /connectionTimeout/)
})
