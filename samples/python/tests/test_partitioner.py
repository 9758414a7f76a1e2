"""A custom partitioner in Python: it places messages (send and produce), sees the topic,
its partitions, key and value; None defers to the configured partitioner; a raising or
misbehaving one (wrong result, calling or closing the producer or its client) never breaks
the send, and its exception reaches the loop's exception handler."""
import asyncio

import pytest

import uvkafka

from conftest import create_topic, unique


def test_partitioner_places_messages_and_survives_misuse(brokers, run):
    topic = unique("uvk-py-partitioner")

    async def main():
        await create_topic(brokers, topic, 3)
        errors = []
        asyncio.get_running_loop().set_exception_handler(lambda _l, ctx: errors.append(ctx.get("exception")))
        calls = []
        mode = ["key"]
        holder = []

        def part(t, partitions, key, value):
            calls.append((t, partitions, key, value))
            m = mode[0]
            if m == "key":
                return int(key) % len(partitions)
            if m == "none":
                return None
            if m == "raise":
                raise ZeroDivisionError("partitioner")
            if m == "bad":
                return "x"
            if m == "send":
                holder[0].produce(t, b"from inside")
            if m == "close":
                holder[0].client.close()
            return 0

        async with uvkafka.Producer(brokers, partitioner=part) as p:
            holder.append(p)
            mds = [await p.send(topic, b"v%d" % i, key=b"%d" % i) for i in range(9)]
            assert [md.partition for md in mds] == [i % 3 for i in range(9)]
            assert calls[0] == (topic, [0, 1, 2], b"0", b"v0")
            for i in range(9, 18):
                p.produce(topic, b"v%d" % i, key=b"%d" % i)
            await p.flush()
            pinned = await p.send(topic, b"pinned", key=b"1", partition=2)  # an explicit partition wins
            assert pinned.partition == 2
            for m, exc in (("none", None), ("raise", ZeroDivisionError), ("bad", TypeError), ("send", RuntimeError),
                           ("close", RuntimeError)):
                mode[0] = m
                errors.clear()
                md = await p.send(topic, b"m-" + m.encode(), key=b"7")
                assert md.partition in (0, 1, 2)
                if exc is None:
                    assert errors == []
                else:
                    assert any(isinstance(e, exc) for e in errors), (m, errors)
            mode[0] = "key"
            assert (await p.send(topic, b"after", key=b"4")).partition == 1  # still open, still placing
        got = {}
        async with uvkafka.Consumer(topic, brokers=brokers, group_id=topic + "-g", from_beginning=True) as c:
            async for msg in c:
                got[msg.value] = msg.partition
                if len(got) == 25:  # 9 send, 9 produce, pinned, 5 misuses, after
                    break
        assert all(got[b"v%d" % i] == i % 3 for i in range(18))
        assert b"from inside" not in got
    run(main)


def test_partitioner_argument():
    with pytest.raises(TypeError, match="partitioner"):
        uvkafka.Producer("127.0.0.1:1", partitioner=5)
    p = uvkafka.Producer("127.0.0.1:1", partitioner="sticky")
    p.close()
    with pytest.raises(ValueError, match="partitioner"):
        uvkafka.Producer("127.0.0.1:1", partitioner="nosuch")
