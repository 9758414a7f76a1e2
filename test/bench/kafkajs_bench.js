// KafkaJS's side of the benchmarks: the same output line as produce_bench / consume_bench.
//
//   NODE_PATH=$(test/lib/kafkajs.sh) node test/bench/kafkajs_bench.js produce BROKERS TOPIC N SIZE ACKS CODEC
//   NODE_PATH=$(test/lib/kafkajs.sh) node test/bench/kafkajs_bench.js consume BROKERS TOPIC N
//
// produce: sends of 1,000 messages, up to 8 in flight (KafkaJS has no accumulator, so batching
// is the caller's); codec 0 none, 1 gzip (KafkaJS ships only gzip). consume: eachBatch from the
// beginning in a fresh group until N messages arrived.
'use strict';
const { Kafka, CompressionTypes, logLevel } = require('kafkajs');

function line(name, n, bytes, t0, c0) {
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  const cpuUs = (cpu.user + cpu.system) / n;
  console.log(`${name.padEnd(16)} n=${n}: ${(n / wall).toFixed(0)} msg/s, ${(bytes / wall / 1e6).toFixed(1)} MB/s, ` +
              `${cpuUs.toFixed(2)} us CPU/msg, ${wall.toFixed(2)} s`);
}

async function produce(kafka, topic, n, size, acks, codec) {
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const value = Buffer.alloc(size, 'x');
  const per = 1000;
  const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
  let sent = 0;
  const inflight = new Set();
  while (sent < n) {
    const k = Math.min(per, n - sent);
    const messages = new Array(k);
    for (let i = 0; i < k; i++) messages[i] = { value };
    const p = producer.send({ topic, acks, compression: codec === 1 ? CompressionTypes.GZIP : CompressionTypes.None, messages });
    inflight.add(p);
    p.finally(() => inflight.delete(p));
    sent += k;
    if (inflight.size >= 8) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  line('kafkajs', n, n * size, t0, c0);
  await producer.disconnect();
}

async function consume(kafka, topic, n) {
  const consumer = kafka.consumer({ groupId: `consume-bench-js-${Date.now()}`, maxBytesPerPartition: 1048576, maxBytes: 52428800 });
  const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0, bytes = 0, last = null;
  await new Promise((resolve) => {
    consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          bytes += m.value ? m.value.length : 0;
          last = m.offset; // a real handler reads the offset too
        }
        seen += batch.messages.length;
        if (seen >= n) resolve();
      },
    });
  });
  line('kafkajs', seen, bytes, t0, c0);
  if (last === null) throw new Error('no offset read');
  await consumer.disconnect();
}

async function main() {
  const [mode, brokers, topic, nText, sizeText, acksText, codecText] = process.argv.slice(2);
  if (!mode || !brokers || !topic || !nText) {
    console.error('usage: kafkajs_bench.js produce BROKERS TOPIC N SIZE ACKS CODEC | consume BROKERS TOPIC N');
    process.exit(2);
  }
  const kafka = new Kafka({ clientId: 'kafkajs-bench', brokers: brokers.split(','), logLevel: logLevel.ERROR });
  if (mode === 'produce') await produce(kafka, topic, Number(nText), Number(sizeText), Number(acksText), Number(codecText || 0));
  else await consume(kafka, topic, Number(nText));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
