"""One benchmark run of a Python Kafka client (test/bench/py_compare.sh runs them):

    python py_bench.py create BROKERS TOPIC PARTITIONS
    python py_bench.py produce|consume|consume-batch CLIENT BROKERS TOPIC N

CLIENT: uvkafka (this repository's package, asyncio), uvkafka-uvloop, confluent (confluent-kafka),
aiokafka. produce: N x 100 B values, acks=1, one call per message, as each client is meant to
be used for throughput (uvkafka: produce(), fire and forget, the messages of a loop turn go
down as one send; confluent: produce() + poll(0); aiokafka: send(), its future dropped),
about 100,000 in flight (uvkafka and aiokafka flush every 100,000; one message sent and
acknowledged first, so every client knows the topic's metadata). produce-future: a future
per message, gathered (uvkafka's send_soon(), aiokafka's send()). consume: the
first N messages of TOPIC from the beginning in a fresh group, one message at a time, each
message's value read (uvkafka: a plain each_message handler; confluent: consume(10000)
batches walked per message, value(); aiokafka: getmany(max_records=10000) walked per
message, each client's fastest path; every client with the same fetch sizes, PART_BYTES and
FETCH_BYTES); consume-batch: uvkafka each_batch walking the batch;
consume-iter: uvkafka `async for`. Prints one JSON line: msgs/s (the whole run, group join
included, the import of the client's package not), msgs/s after the first message (the join left out: librdkafka's join is slow)
and the process's CPU seconds (all threads)."""
import asyncio
import json
import resource
import sys
import time

VALUE = b"x" * 100
WINDOW = 100_000  # messages in flight at most (bufferMemory and the peers' queues)
# Every consumer asks for up to this much per partition and per fetch (the same settings
# for all; FETCH_BYTES is the peers' default fetch.max.bytes, uvkafka's maxBytes is 10 MiB).
PART_BYTES = 4 << 20
FETCH_BYTES = 50 << 20


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def uvk_produce(brokers, topic, n):
    """send_soon(): a future per message, gathered 10,000 at a time, at most WINDOW in flight
    (fewer when the library's buffer is full first: QueueFullError, then the oldest are
    awaited, as confluent-kafka's BufferError below)."""
    import uvkafka
    from collections import deque
    async with uvkafka.Producer(brokers, acks=1) as p:
        await p.send(topic, VALUE)  # metadata known before the clock starts, as for the peers
        send, pending, full = p.send_soon, deque(), uvkafka.QueueFullError

        async def oldest():
            await asyncio.gather(*[pending.popleft() for _ in range(min(10_000, len(pending)))])
        for _ in range(n):
            while True:
                try:
                    pending.append(send(topic, VALUE))
                    break
                except full:
                    await oldest()
            if len(pending) >= WINDOW:
                await oldest()
        await asyncio.gather(*pending)


async def uvk_produce_fire(brokers, topic, n):
    """produce(): every 10,000 messages the loop turns (they go down as one send); every
    WINDOW a flush bounds what is in flight (it drains the pipeline: a cost the peers, with a
    sliding window, do not pay)."""
    import uvkafka
    async with uvkafka.Producer(brokers, acks=1) as p:
        await p.send(topic, VALUE)  # metadata known before the clock starts, as for the peers
        produce = p.produce
        for start in range(0, n, 10_000):
            for _ in range(min(10_000, n - start)):
                produce(topic, VALUE)
            await asyncio.sleep(0)  # the loop turns: this chunk goes to the library as one send
            if (start + 10_000) % WINDOW == 0:
                await p.flush()
        await p.flush()


FIRST = []  # monotonic time of the first message consumed


async def uvk_consume(brokers, topic, n, how):
    import uvkafka
    c = uvkafka.Consumer(topic, brokers=brokers, group_id="bench-%d" % time.monotonic_ns(), from_beginning=True,
                         max_bytes_per_partition=PART_BYTES, max_bytes=FETCH_BYTES)
    count = [0]
    stopped = []

    def stop():
        if not stopped:
            stopped.append(1)
            asyncio.get_running_loop().create_task(c.stop())

    if how == "batch":
        def each_batch(b):
            if not FIRST:
                FIRST.append(time.monotonic())
            for m in b.messages:
                m.value
            count[0] += len(b.messages)
            if count[0] >= n:
                stop()
        await c.run(each_batch=each_batch)
    elif how == "iter":
        k = 0
        async for m in c:
            if not k:
                FIRST.append(time.monotonic())
            m.value
            k += 1
            if k >= n:
                break
        await c.stop()
    else:
        def each_message(m):
            if not FIRST:
                FIRST.append(time.monotonic())
            m.value
            count[0] += 1
            if count[0] >= n:
                stop()
        await c.run(each_message=each_message)
    c.close()


def confluent_produce(brokers, topic, n):
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": brokers, "acks": 1, "linger.ms": 5, "queue.buffering.max.messages": WINDOW})
    p.produce(topic, VALUE)
    p.flush(60)
    for _ in range(n):
        while True:
            try:
                p.produce(topic, VALUE)
                break
            except BufferError:
                p.poll(0.01)
        p.poll(0)
    p.flush(60)


def confluent_consume(brokers, topic, n):
    from confluent_kafka import Consumer
    c = Consumer({"bootstrap.servers": brokers, "group.id": "bench-%d" % time.monotonic_ns(),
                  "auto.offset.reset": "earliest", "max.partition.fetch.bytes": PART_BYTES,
                  "fetch.max.bytes": FETCH_BYTES})
    c.subscribe([topic])
    count = 0
    while count < n:
        for m in c.consume(num_messages=10_000, timeout=1.0):
            if m.error() is None:
                if not count:
                    FIRST.append(time.monotonic())
                m.value()
                count += 1
    c.close()


async def aiokafka_produce(brokers, topic, n, futures):
    """futures=False: send() per message, the futures dropped, a flush every WINDOW (the work
    of uvkafka's produce()); True: the futures kept and gathered (the work of send_soon())."""
    from aiokafka import AIOKafkaProducer
    p = AIOKafkaProducer(bootstrap_servers=brokers, acks=1, linger_ms=5)
    await p.start()
    try:
        await p.send_and_wait(topic, VALUE)
        if not futures:
            send = p.send
            for i in range(n):
                await send(topic, VALUE)
                if (i + 1) % WINDOW == 0:
                    await p.flush()
            await p.flush()
            return
        chunks = []
        for start in range(0, n, 10_000):
            chunks.append([await p.send(topic, VALUE) for _ in range(min(10_000, n - start))])
            if len(chunks) * 10_000 >= WINDOW:
                await asyncio.gather(*chunks.pop(0))
        for c in chunks:
            await asyncio.gather(*c)
    finally:
        await p.stop()


async def aiokafka_consume(brokers, topic, n):
    from aiokafka import AIOKafkaConsumer
    c = AIOKafkaConsumer(topic, bootstrap_servers=brokers, group_id="bench-%d" % time.monotonic_ns(),
                         auto_offset_reset="earliest", max_partition_fetch_bytes=PART_BYTES,
                         fetch_max_bytes=FETCH_BYTES)
    await c.start()
    count = 0
    try:
        while count < n:
            for _tp, msgs in (await c.getmany(timeout_ms=1000, max_records=10_000)).items():
                if not FIRST:
                    FIRST.append(time.monotonic())
                for m in msgs:
                    m.value
                    count += 1
    finally:
        await c.stop()


async def uvk_wakeup(brokers, topic, n):
    """The loop integration's cost: sequential acks=1 sends (each one wakes the asyncio loop
    through the client's descriptor) and an idle step (uv_run NOWAIT with nothing due)."""
    import statistics
    import uvkafka
    async with uvkafka.Producer(brokers, acks=1) as p:
        await p.send(topic, VALUE)
        lat = []
        for _ in range(min(n, 2000)):
            t0 = time.perf_counter()
            await p.send(topic, VALUE)
            lat.append(time.perf_counter() - t0)
        step = p.client._native.step
        t0 = time.perf_counter()
        for _ in range(100_000):
            step()
        idle = (time.perf_counter() - t0) / 100_000
    return {"send_rtt_median_us": round(statistics.median(lat) * 1e6, 1), "idle_step_us": round(idle * 1e6, 3)}


async def create(brokers, topic, partitions):
    import uvkafka
    async with uvkafka.Admin(brokers) as a:
        await a.create_topics([uvkafka.NewTopic(topic, partitions)])


def main():
    mode = sys.argv[1]
    if mode == "create":
        asyncio.run(create(sys.argv[2], sys.argv[3], int(sys.argv[4])))
        return
    client, brokers, topic, n = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    run = asyncio.run
    if client == "uvkafka-uvloop":
        import uvloop
        run = uvloop.run
    jobs = {
        ("produce-future", "uvkafka"): lambda: run(uvk_produce(brokers, topic, n)),
        ("produce-future", "uvkafka-uvloop"): lambda: run(uvk_produce(brokers, topic, n)),
        ("produce", "uvkafka"): lambda: run(uvk_produce_fire(brokers, topic, n)),
        ("produce", "uvkafka-uvloop"): lambda: run(uvk_produce_fire(brokers, topic, n)),
        ("consume", "uvkafka"): lambda: run(uvk_consume(brokers, topic, n, "message")),
        ("consume", "uvkafka-uvloop"): lambda: run(uvk_consume(brokers, topic, n, "message")),
        ("consume-batch", "uvkafka"): lambda: run(uvk_consume(brokers, topic, n, "batch")),
        ("consume-batch", "uvkafka-uvloop"): lambda: run(uvk_consume(brokers, topic, n, "batch")),
        ("consume-iter", "uvkafka"): lambda: run(uvk_consume(brokers, topic, n, "iter")),
        ("produce", "confluent"): lambda: confluent_produce(brokers, topic, n),
        ("consume", "confluent"): lambda: confluent_consume(brokers, topic, n),
        ("produce", "aiokafka"): lambda: run(aiokafka_produce(brokers, topic, n, False)),
        ("produce-future", "aiokafka"): lambda: run(aiokafka_produce(brokers, topic, n, True)),
        ("consume", "aiokafka"): lambda: run(aiokafka_consume(brokers, topic, n)),
    }
    if mode == "wakeup":
        extra = run(uvk_wakeup(brokers, topic, n))
        print(json.dumps(dict({"mode": mode, "client": client}, **extra)))
        return
    # The client's modules are imported before the clock starts (for every client alike): the
    # run measures the client, not the import of its package.
    __import__({"confluent": "confluent_kafka", "aiokafka": "aiokafka"}.get(client, "uvkafka"))
    c0, t0 = cpu(), time.monotonic()
    jobs[(mode, client)]()
    t1 = time.monotonic()
    dt, dc = t1 - t0, cpu() - c0  # produce: includes one warm-up message (metadata)
    line = {"mode": mode, "client": client, "n": n, "seconds": round(dt, 3), "msgs_per_s": round(n / dt),
            "cpu_s": round(dc, 3), "cpu_us_per_msg": round(dc / n * 1e6, 3)}
    if FIRST:
        line["after_first_msgs_per_s"] = round(n / max(t1 - FIRST[0], 1e-9))
    print(json.dumps(line))


if __name__ == "__main__":
    main()
