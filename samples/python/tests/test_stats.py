"""Statistics (uvk_stats.h) against the test cluster: stats_cb gets JSON documents every
statistics_interval_ms, with what a producer and a consumer did; Client.stats() on demand;
bad options refused before anything connects; a raising stats_cb reaches the loop's handler."""
import asyncio
import json

import pytest

import uvkafka

from conftest import create_topic, unique


def test_stats_cb_documents_count_what_was_sent_and_read(brokers, run):
    topic = unique("uvk-py-stats")

    async def main():
        await create_topic(brokers, topic, 1)
        loop = asyncio.get_running_loop()
        sent, read = loop.create_future(), loop.create_future()
        raw = []

        def on_stats(doc):
            raw.append(doc)
            d = json.loads(doc)
            if d["type"] == "producer" and d["txmsgs"] >= 5 and not sent.done():
                sent.set_result(d)
            if d["type"] == "consumer" and d["rxmsgs"] >= 5 and not read.done():
                read.set_result(d)

        async with uvkafka.Producer(brokers, statistics_interval_ms=20, stats_cb=on_stats) as p:
            await p.send_many(topic, [b"m%d" % i for i in range(5)])
            d = await sent
            assert d["txmsg_bytes"] >= 10 and d["tx"] >= 1 and d["brokers"]
            now = p.client.stats()
            assert now["type"] == "producer" and now["txmsgs"] >= 5
        assert all(isinstance(s, str) for s in raw)
        c = uvkafka.Consumer(topic, brokers=brokers, group_id=topic + "-g", from_beginning=True,
                             statistics_interval_ms=20, stats_cb=on_stats)
        async with c:
            got = 0
            async for _m in c:
                got += 1
                if got == 5:
                    break
            d = await read
            assert d["rxmsg_bytes"] >= 10
    run(main)


def test_stats_options_are_checked_and_a_raising_cb_is_reported(brokers, run):
    with pytest.raises(TypeError, match="stats_cb"):
        uvkafka.Client(brokers, stats_cb=5)
    with pytest.raises(ValueError, match="statisticsIntervalMs"):
        uvkafka.Client(brokers, statistics_interval_ms=-1)

    async def main():
        loop = asyncio.get_running_loop()
        reported = loop.create_future()

        def handler(_loop, ctx):
            if isinstance(ctx.get("exception"), KeyError) and not reported.done():
                reported.set_result(ctx["exception"])
        loop.set_exception_handler(handler)

        def bad(_doc):
            raise KeyError("from stats_cb")
        async with uvkafka.Client(brokers, statistics_interval_ms=20, stats_cb=bad) as client:
            assert str(await reported) == "'from stats_cb'"
            assert isinstance(client.stats(), dict)
    run(main)
