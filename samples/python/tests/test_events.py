"""Instrumentation events: network events on a producer's client, consumer events (group
join, fetch, commit), removing a listener, a raising listener, bad names and listeners."""
import asyncio

import pytest

import uvkafka

from conftest import create_topic, produce, unique


def test_network_and_consumer_events(brokers, run):
    topic = unique("uvk-py-events")

    async def main():
        await create_topic(brokers, topic, 2)
        loop_errors = []
        asyncio.get_running_loop().set_exception_handler(lambda _l, ctx: loop_errors.append(ctx.get("exception")))
        p = uvkafka.Producer(brokers)
        seen = []
        remove = p.on("request", seen.append)
        connects = []
        p.on("connect", connects.append)

        def bad(_ev):
            raise ZeroDivisionError("listener")
        p.on("network.request", bad)  # KafkaJS's name; it raises: the others still run
        await p.send(topic, b"one")
        produces = [e for e in seen if e.payload["api_name"] == "Produce"]
        assert produces and produces[0].type == "request" and produces[0].payload["duration"] >= 0  # retries: more
        assert connects and ":" in connects[0].payload["broker"]
        assert any(isinstance(e, ZeroDivisionError) for e in loop_errors)
        assert remove() is True and remove() is False
        n = len(seen)
        await p.send(topic, b"two")
        assert len(seen) == n
        await p.stop()
        await produce(brokers, topic, 10)

        events = []
        c = uvkafka.Consumer(topic, brokers=brokers, group_id=topic + "-g", from_beginning=True)
        for name in ("group_join", "consumer.fetch", "commit_offsets", "start_batch_process", "request"):
            c.on(name, events.append)
        got = 0
        async with c:
            async for _m in c:
                got += 1
                if got == 12:
                    break
        kinds = {e.type for e in events}
        assert {"group_join", "fetch", "start_batch_process", "commit_offsets", "request"} <= kinds
        join = [e for e in events if e.type == "group_join"][0].payload
        assert join["group_id"] == topic + "-g" and join["is_leader"] is True
        assert sorted(join["assignment"]) == [(topic, 0), (topic, 1)]
        committed = {}
        for ev in events:
            if ev.type == "commit_offsets":
                assert ev.payload["group_id"] == topic + "-g"
                for t, part, o in ev.payload["offsets"]:
                    committed[(t, part)] = max(o, committed.get((t, part), -1))
        async with uvkafka.Admin(brokers) as admin:  # the events told what the group has
            stored = {(o.topic, o.partition): o.offset for o in await admin.fetch_offsets(topic + "-g", [topic])
                      if o.offset >= 0}
        assert committed and committed == stored
    run(main)


def test_event_listener_arguments():
    async def main():
        c = uvkafka.Client("127.0.0.1:1")
        with pytest.raises(ValueError, match="event"):
            c.on("no_such_event", print)
        with pytest.raises(ValueError, match="group_join"):
            c.on("group_join", print)  # a consumer event
        with pytest.raises(TypeError, match="callable"):
            c.on("request", 5)
        with pytest.raises(TypeError, match="event"):
            c.on(7, print)
        remove = c.on("request", print)
        c.close()
        assert remove() is False
        with pytest.raises(RuntimeError, match="closed"):
            c.on("request", print)
    asyncio.run(main())
