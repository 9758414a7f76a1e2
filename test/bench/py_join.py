"""Where a Python consumer's time to the first message goes (test/bench, not a test):

    python py_join.py BROKERS TOPIC [REPS] [key=value ...]

REPS times: a fresh group on TOPIC (from the beginning), uvkafka's run(each_batch=...) from
the call of run() to the first batch, then stop(). Prints, per run, every request the
client's network events report (api name, when its answer was handled, ms after run()), the
group_join and first batch, and the time stop() took; then the medians. Options after REPS
go to the Consumer (e.g. group_protocol=consumer). The same for aiokafka and confluent-kafka
(to the first message only: they have no request events): --peers."""
import asyncio
import json
import statistics
import sys
import time


async def uvk_once(brokers, topic, opts):
    import uvkafka
    c = uvkafka.Consumer(topic, brokers=brokers, group_id="join-%d" % time.monotonic_ns(),
                         from_beginning=True, **opts)
    t0 = [0.0]
    trace = []

    def ev(kind):
        def fn(e):
            p = e.payload
            name = p.get("api_name") or kind
            trace.append((round((time.perf_counter() - t0[0]) * 1e3, 2), name, p.get("duration")))
        return fn
    c.on("request", ev("request"))
    c.on("connect", ev("connect"))
    c.on("group_join", ev("group_join"))
    first = []

    def each_batch(b):
        if not first:
            first.append(time.perf_counter() - t0[0])
            trace.append((round(first[0] * 1e3, 2), "FIRST BATCH", len(b.messages)))
            asyncio.get_running_loop().create_task(c.stop())
    t0[0] = time.perf_counter()
    await c.run(each_batch=each_batch)
    total = time.perf_counter() - t0[0]
    c.close()
    return {"first_ms": round(first[0] * 1e3, 2), "total_ms": round(total * 1e3, 2), "trace": trace}


async def aio_once(brokers, topic):
    from aiokafka import AIOKafkaConsumer
    t0 = time.perf_counter()
    c = AIOKafkaConsumer(topic, bootstrap_servers=brokers, group_id="join-%d" % time.monotonic_ns(),
                         auto_offset_reset="earliest")
    await c.start()
    try:
        while True:
            got = await c.getmany(timeout_ms=1000, max_records=10_000)
            if got:
                break
        first = time.perf_counter() - t0
    finally:
        await c.stop()
    return {"first_ms": round(first * 1e3, 2), "total_ms": round((time.perf_counter() - t0) * 1e3, 2)}


def confluent_once(brokers, topic):
    from confluent_kafka import Consumer
    t0 = time.perf_counter()
    c = Consumer({"bootstrap.servers": brokers, "group.id": "join-%d" % time.monotonic_ns(),
                  "auto.offset.reset": "earliest"})
    c.subscribe([topic])
    while not [m for m in c.consume(num_messages=10_000, timeout=1.0) if m.error() is None]:
        pass
    first = time.perf_counter() - t0
    c.close()
    return {"first_ms": round(first * 1e3, 2), "total_ms": round((time.perf_counter() - t0) * 1e3, 2)}


def main():
    brokers, topic = sys.argv[1], sys.argv[2]
    reps = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3].isdigit() else 5
    peers = "--peers" in sys.argv
    opts = {}
    for a in sys.argv[3:]:
        if "=" in a:
            k, v = a.split("=", 1)
            opts[k] = int(v) if v.isdigit() else v
    import uvkafka  # imported before the clock, as the peers' modules are below
    import aiokafka  # noqa: F401
    import confluent_kafka  # noqa: F401
    del uvkafka
    runs = {"uvkafka": []}
    for _ in range(reps):
        r = asyncio.run(uvk_once(brokers, topic, opts))
        runs["uvkafka"].append(r)
        print(json.dumps(r))
        if peers:
            runs.setdefault("aiokafka", []).append(asyncio.run(aio_once(brokers, topic)))
            runs.setdefault("confluent", []).append(confluent_once(brokers, topic))
    for name, rs in runs.items():
        print("%s: to the first message %.1f ms, with stop %.1f ms (medians of %d; load %s)" % (
            name, statistics.median(r["first_ms"] for r in rs), statistics.median(r["total_ms"] for r in rs),
            len(rs), open("/proc/loadavg").read().split()[0]))


if __name__ == "__main__":
    main()
