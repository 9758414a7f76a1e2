"""uvkafka.ShareConsumer (KIP-932 share groups; the test cluster enables them) against the test
cluster: two members of one share group on a one-partition topic split its records; a record
released (explicitly or by a handler that raises) comes back with delivery_count 2, a rejected
one never again, every other record is accepted once (one after renewing its lock); what a
member holds when it closes goes to the other member. Bad input is refused before anything
is sent."""
import asyncio

import pytest

import uvkafka
from uvkafka import blocking

from conftest import create_topic, unique


def test_two_members_share_one_partition(brokers, run):
    topic = unique("uvk-py-share")
    group = unique("uvk-py-share-g")

    async def main():
        await create_topic(brokers, topic, 1)
        seen = []  # (value, delivery_count, member)
        warm = asyncio.Event()
        end = asyncio.Event()
        again = []
        renewed = []
        holding = asyncio.get_running_loop().create_future()  # the member holding "hold"
        held_again = asyncio.Event()
        redelivered = []
        all_seen = asyncio.Event()

        def complete():
            values = [v for v, _, _ in seen]
            return len(set(values)) == 30 and values.count("t-5") == 2 and values.count("t-9") == 2

        def handler(name):
            async def each_message(m):
                await asyncio.sleep(0)  # the record stays held while the coroutine runs
                value = m.value.decode()
                if value == "warm":
                    warm.set()
                    return
                if value == "end":
                    end.set()
                    return
                if value == "hold":
                    if m.delivery_count == 1:
                        holding.set_result(name)
                        await asyncio.get_running_loop().create_future()  # never done: held until close
                    redelivered.append((m.delivery_count, name))
                    held_again.set()
                    return
                seen.append((value, m.delivery_count, name))
                if complete():
                    all_seen.set()
                if value == "t-5" and m.delivery_count == 1:
                    assert m.acknowledge("release") is True
                    again.append(m.acknowledge("accept"))  # decided already: False
                if value == "t-3":
                    renewed.append(m.acknowledge("renew"))  # still held: returning accepts it
                if value == "t-7":
                    assert m.acknowledge("reject") is True
                if value == "t-9" and m.delivery_count == 1:
                    raise RuntimeError("not now: t-9 is released")
            return each_message

        members = [uvkafka.ShareConsumer(topic, brokers=brokers, group_id=group, max_wait_time_in_ms=200)
                   for _ in range(2)]
        async with uvkafka.Producer(brokers) as p:
            for name, s in zip("ab", members):
                await s.run(each_message=handler(name))
            # A share group starts at the partition's end: write until a member has it.
            for _ in range(60):
                await p.send(topic, b"warm")
                try:
                    await asyncio.wait_for(warm.wait(), 0.5)
                    break
                except asyncio.TimeoutError:
                    pass
            assert warm.is_set(), "a share member got the partition"
            await p.send_many(topic, [b"t-%d" % i for i in range(30)])
            await all_seen.wait()
            # Redelivered records come before later offsets: once "end" is handled, t-7 had its chance.
            await p.send(topic, b"end")
            await end.wait()
            # close() releases what its member holds: the other member gets it, delivery_count 2.
            assert all(s.member_id for s in members)
            await p.send(topic, b"hold")
            holder = await holding
            closing = members["ab".index(holder)]
            assert closing.held == 1
            await closing.close()
            await held_again.wait()
        assert again == [False]
        assert renewed == [True]
        assert redelivered == [(2, "b" if holder == "a" else "a")]
        for i in range(30):
            counts = [dc for v, dc, _ in seen if v == "t-%d" % i]
            assert counts == ([1, 2] if i in (5, 9) else [1]), ("t-%d" % i, counts)
        for s in members:
            await s.close()
        await members[0].close()  # a second close is fine
        with pytest.raises(uvkafka.ClosedError):
            members[0].subscribe(topic)
    run(main)


def test_share_on_acknowledged(brokers, run):
    """on_acknowledged reports the offsets the broker took: records accepted by returning,
    accepted and rejected explicitly, each reported once with no error."""
    topic = unique("uvk-py-share-ack")
    group = unique("uvk-py-share-ack-g")

    async def main():
        await create_topic(brokers, topic, 1)
        loop = asyncio.get_running_loop()
        warm = asyncio.Event()
        offsets = {}  # value -> offset
        reported = []
        all_reported = loop.create_future()

        def each_message(m):
            value = m.value.decode()
            if value == "warm":
                warm.set()
                return
            offsets[value] = m.offset
            if value == "r-1":
                assert m.acknowledge("reject") is True
            if value == "r-2":
                assert m.acknowledge("accept") is True

        def acked(topic_, partition, offs, err):
            assert (topic_, partition, err) == (topic, 0, None)
            reported.extend(offs)
            if len(offsets) == 3 and set(offsets.values()) <= set(reported) and not all_reported.done():
                all_reported.set_result(None)

        async with uvkafka.ShareConsumer(topic, brokers=brokers, group_id=group, max_wait_time_in_ms=100) as s:
            s.on_acknowledged(acked)
            await s.run(each_message=each_message)
            async with uvkafka.Producer(brokers) as p:
                # A share group starts at the partition's end: write until the member has it.
                for _ in range(60):
                    await p.send(topic, b"warm")
                    try:
                        await asyncio.wait_for(warm.wait(), 0.5)
                        break
                    except asyncio.TimeoutError:
                        pass
                assert warm.is_set(), "the share member got the partition"
                await p.send_many(topic, [b"r-0", b"r-1", b"r-2"])
                await all_reported
        for v in ("r-0", "r-1", "r-2"):
            assert reported.count(offsets[v]) == 1, (v, reported)
    run(main)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_share_each_batch(brokers, run, mode):
    """each_batch gets a fetch's records of one partition: returning accepts those it did not
    decide, acknowledge() decides one (r-1 released: it comes again; r-2 rejected: never), and
    a handler that raises releases the whole batch (it comes again, delivery_count 2)."""
    topic = unique("uvk-py-share-batch-" + mode)
    group = unique("uvk-py-share-batch-g")

    async def main():
        await create_topic(brokers, topic, 1)
        warm = asyncio.Event()
        seen = []  # (value, delivery_count)
        done = asyncio.Event()
        raised = []

        def handle(b):
            assert isinstance(b, uvkafka.ShareBatch) and (b.topic, b.partition) == (topic, 0)
            values = [m.value.decode() for m in b.messages]
            if "warm" in values:
                warm.set()
            if "boom" in values and not raised:
                raised.append(1)
                raise RuntimeError("the whole batch is released")
            for m in b.messages:
                v = m.value.decode()
                if v == "warm":
                    continue
                seen.append((v, m.delivery_count))
                if v == "r-1" and m.delivery_count == 1:
                    assert m.acknowledge("release") is True
                if v == "r-2":
                    assert m.acknowledge("reject") is True
            if sorted(seen) == [("boom", 2), ("r-0", 1), ("r-1", 1), ("r-1", 2), ("r-2", 1)]:
                done.set()

        async def handle_async(b):
            await asyncio.sleep(0)  # the records stay held while the coroutine runs
            handle(b)

        async with uvkafka.ShareConsumer(topic, brokers=brokers, group_id=group, max_wait_time_in_ms=100) as s:
            await s.run(each_batch=handle if mode == "sync" else handle_async)
            async with uvkafka.Producer(brokers) as p:
                for _ in range(60):
                    await p.send(topic, b"warm")
                    try:
                        await asyncio.wait_for(warm.wait(), 0.5)
                        break
                    except asyncio.TimeoutError:
                        pass
                assert warm.is_set(), "the share member got the partition"
                await p.send_many(topic, [b"r-0", b"r-1", b"r-2"])
                await p.send(topic, b"boom")
                await done.wait()
        assert raised == [1]
    run(main)


def test_share_blocking_facade(brokers):
    """blocking.ShareConsumer: poll() hands out one record at a time, accepting the previous one
    (the broker reports each accepted offset); a record released with acknowledge() comes again
    with delivery_count 2; close() accepts the last one."""
    topic = unique("uvk-py-share-blocking")
    group = unique("uvk-py-share-blocking-g")
    with blocking.Admin(brokers) as admin:
        assert admin.create_topics([uvkafka.NewTopic(topic, 1)])[0].error is None
    acked = {}
    with blocking.Producer(brokers) as p:
        with blocking.ShareConsumer(topic, brokers=brokers, group_id=group, max_wait_time_in_ms=100) as s:
            s.on_acknowledged(lambda t, part, offs, err: [acked.setdefault(o, err) for o in offs])
            m = None
            # A share group starts at the partition's end: write until the member has it.
            for _ in range(60):
                p.send(topic, b"warm")
                m = s.poll(0.5)
                if m is not None:
                    break
            assert m is not None and m.value == b"warm"
            p.send_many(topic, [b"r-0", b"r-1", b"r-2"])
            got, offsets = [], {}
            while sorted(got) != [(b"r-0", 1), (b"r-0", 2), (b"r-1", 1), (b"r-2", 1)]:
                m = s.poll(30)
                assert m is not None, got
                if m.value == b"warm":
                    continue
                got.append((m.value, m.delivery_count))
                offsets[m.value] = m.offset
                if m.value == b"r-0" and m.delivery_count == 1:
                    assert m.acknowledge("release") is True
        with pytest.raises(RuntimeError):
            s.poll(0)
    for v in (b"r-0", b"r-1", b"r-2"):
        assert acked.get(offsets[v], "missing") is None, (v, acked)


def test_share_bad_input(brokers, run):
    async def main():
        with pytest.raises(TypeError, match="group_id"):
            uvkafka.ShareConsumer(brokers=brokers, group_id=5)
        with pytest.raises(ValueError, match="group_id"):
            uvkafka.ShareConsumer(brokers=brokers, group_id="")
        with pytest.raises(TypeError, match="topics"):
            uvkafka.ShareConsumer(5, brokers=brokers, group_id="g")
        async with uvkafka.ShareConsumer(brokers=brokers, group_id=unique("uvk-py-share-bad")) as s:
            with pytest.raises(ValueError, match="topics"):
                s.subscribe([])
            with pytest.raises(TypeError, match="topics"):
                s.subscribe([b"bytes"])
            with pytest.raises(TypeError, match="each_message"):
                await s.run(each_message=5)
            with pytest.raises(TypeError, match="each_batch"):
                await s.run(each_batch=5)
            with pytest.raises(ValueError, match="each_batch"):
                await s.run(each_message=lambda m: None, each_batch=lambda b: None)
            with pytest.raises(ValueError, match="max_records"):
                await s.run(each_message=lambda m: None, max_records=0)
            with pytest.raises(TypeError, match="max_records"):
                await s.run(each_message=lambda m: None, max_records="1")
            m = uvkafka.ShareMessage(s, "t", 0, 0, 1, 0, None, None, ())
            with pytest.raises(ValueError, match="type"):
                m.acknowledge("archive")
            with pytest.raises(TypeError, match="type"):
                m.acknowledge(3)
            assert m.acknowledge("accept") is False  # never delivered: not held
            with pytest.raises(TypeError, match="on_acknowledged"):
                s.on_acknowledged(5)
        with pytest.raises(uvkafka.ClosedError):
            await s.run(each_message=lambda m: None)
    run(main)
