"""A consumer group shared by a uvkafka consumer and a confluent-kafka (librdkafka) consumer:
with either common protocol, every message is read once, by one of them."""
import asyncio
import threading

import pytest
from confluent_kafka import Consumer as CKConsumer

import uvkafka

from conftest import create_topic, produce, unique


@pytest.mark.parametrize("assigner", ["range", "roundrobin"])
def test_group_shared_with_confluent_kafka(brokers, assigner):
    topic = unique("uvk-py-mixed-" + assigner)
    group = topic + "-g"
    n = 2000

    async def main():
        await create_topic(brokers, topic, 4)
        ck = CKConsumer({"bootstrap.servers": brokers, "group.id": group, "auto.offset.reset": "earliest",
                         "partition.assignment.strategy": assigner})
        ck.subscribe([topic])
        stop = threading.Event()
        ck_seen, ck_parts = [], set()

        def ck_loop():
            while not stop.is_set():
                m = ck.poll(0.2)
                if m is not None and m.error() is None:
                    ck_seen.append((m.partition(), m.offset()))
                    ck_parts.add(m.partition())
            ck.close()

        th = threading.Thread(target=ck_loop)
        th.start()
        seen = []
        c = uvkafka.Consumer(topic, brokers=brokers, group_id=group, from_beginning=True,
                             partition_assigners=[assigner])
        running = asyncio.get_running_loop().create_task(
            c.run(each_message=lambda m: seen.append((m.partition, m.offset))))
        try:
            # Both members hold partitions before anything is produced (no event tells when
            # librdkafka's side got its share: its thread polls, this waits on the assignment).
            while not 0 < len(c.assignment()) < 4:
                await asyncio.sleep(0.1)
            await produce(brokers, topic, n)
            while len(seen) + len(ck_seen) < n:
                await asyncio.sleep(0.1)
            await c.stop()
            await running
        finally:
            stop.set()
            th.join()
            c.close()
        everything = seen + ck_seen
        assert len(everything) == n and len(set(everything)) == n  # every message once
        mine = {p for p, _ in seen}
        assert mine and ck_parts and not (mine & ck_parts)

    asyncio.run(asyncio.wait_for(main(), 150))
