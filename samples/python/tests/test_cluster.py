"""The package against the real test cluster (UVK_TEST_BROKERS), on asyncio's default loop
and on uvloop: admin, send / send_many / send_batch, every way to consume, consumer control,
transactions read back read_committed, SASL and TLS, the blocking facade."""
import asyncio
import contextlib
import os
import pickle

import pytest

import uvkafka
from uvkafka import blocking

from conftest import create_topic, produce, unique


def test_admin_topics_offsets_groups(brokers, run):
    topic = unique("uvk-py-admin")

    async def main():
        async with uvkafka.Admin(brokers) as admin:
            rs = await admin.create_topics([{"name": topic, "num_partitions": 2}])
            assert rs == [uvkafka.TopicResult(topic, None)]
            again = await admin.create_topics([topic])
            assert again[0].error.kafka_code == 36  # TOPIC_ALREADY_EXISTS: a result, not a raise
            assert topic in await admin.list_topics()
            await produce(brokers, topic, 10)
            offs = await admin.fetch_topic_offsets(topic)
            assert sorted(o.partition for o in offs) == [0, 1]
            assert sum(o.high for o in offs) == 10
            assert (await admin.create_partitions(topic, 3))[0].error is None
            assert (await admin.delete_topics([topic]))[0].error is None
            with pytest.raises(uvkafka.BrokerError) as e:
                await admin.delete_topics([topic + "-missing"])
            assert e.value.kafka_code == 3 and e.value.results[0].error.kafka_code == 3
            with pytest.raises(uvkafka.BrokerError) as e:
                await admin.delete_groups([topic + "-no-group"])
            assert e.value.kafka_code == 69 and e.value.results[0].error.kafka_code == 69  # GROUP_ID_NOT_FOUND
    run(main)


def test_send_returns_metadata_and_consume_back(brokers, run):
    topic = unique("uvk-py-send")

    async def main():
        await create_topic(brokers, topic, 3)
        async with uvkafka.Producer(brokers) as p:
            md = await p.send(topic, b"one", key=b"k", headers=[("h", b"1"), ("h", b"2"), ("n", None)], partition=1,
                              timestamp=1700000000000)
            assert md == uvkafka.RecordMetadata(topic, 1, 0)
            many = await p.send_many(topic, [b"a", {"value": "b", "key": "k", "partition": 2}, bytearray(b"c")])
            assert sum(1 for m in many if m.offset >= 0) == len(many)
            batch = await p.send_batch({topic: [{"value": memoryview(b"d"), "partition": 0}]})
            assert batch == [uvkafka.RecordMetadata(topic, 0, batch[0].offset)]
            await p.send(topic, None, key=b"tombstone", partition=0)
        got = []
        async with uvkafka.Consumer(topic, brokers=brokers, group_id=topic + "-g", from_beginning=True) as c:
            async for m in c:
                got.append(m)
                if len(got) == 6:
                    break
        first = [m for m in got if m.value == b"one"][0]
        assert (first.partition, first.offset, first.key, first.timestamp) == (1, 0, b"k", 1700000000000)
        assert first.headers == (("h", b"1"), ("h", b"2"), ("n", None))
        assert sorted(m.value for m in got if m.value) == [b"a", b"b", b"c", b"d", b"one"]
        assert [m.key for m in got if m.value is None] == [b"tombstone"]
    run(main)


def test_produce_fire_and_forget(brokers, run):
    """produce(): no future per message; the messages of a loop turn go down as one send."""
    topic = unique("uvk-py-produce")

    async def main():
        await create_topic(brokers, topic, 2)
        async with uvkafka.Producer(brokers) as p:
            with pytest.raises(TypeError, match="value"):
                p.produce(topic, 5)
            for i in range(1000):
                p.produce(topic, b"v%d" % i, key=b"k%d" % (i % 10), headers={"i": str(i)})
            await p.flush()
            p.produce(topic, b"x", partition=7)  # no such partition: the next flush raises
            with pytest.raises(uvkafka.KafkaError):
                await p.flush()
        async with uvkafka.Admin(brokers) as admin:
            assert sum(o.high for o in await admin.fetch_topic_offsets(topic)) == 1000
    run(main)


def test_produce_goes_out_without_flush_and_keeps_what_it_was_given(brokers, run):
    """produce() after start(): each loop turn hands its messages over by itself (no flush); a
    buffer changed after produce() is sent as it was; str, headers as pairs and as a dict."""
    topic = unique("uvk-py-produce-turn")

    async def main():
        await create_topic(brokers, topic, 1)
        async with uvkafka.Producer(brokers) as p:
            buf = bytearray(b"before")
            p.produce(topic, buf, key="k1", headers=[("a", b"1"), ("b", None)])
            buf[:] = b"after!"
            p.produce(topic, "text", headers={"c": memoryview(b"3")}, timestamp=1700000000000)
            p.produce(topic, None, key=b"tombstone")
            got = []
            async with uvkafka.Consumer(topic, brokers=brokers, group_id=topic + "-g", from_beginning=True) as c:
                async for m in c:  # read while the producer is open: nothing flushed it
                    got.append(m)
                    if len(got) == 3:
                        break
        assert [(m.key, m.value, m.headers) for m in got] == [
            (b"k1", b"before", (("a", b"1"), ("b", None))), (None, b"text", (("c", b"3"),)), (b"tombstone", None, ())]
        assert got[1].timestamp == 1700000000000
    run(main)


def test_produce_in_a_transaction(brokers, run):
    """produce() calls of the turn that ends a transaction belong to it: committed ones are read
    read_committed, aborted ones never."""
    topic = unique("uvk-py-produce-tx")

    async def main():
        await create_topic(brokers, topic, 1)
        async with uvkafka.Producer(brokers, transactional_id=topic + "-tx", idempotent=True) as p:
            async with p.transaction():
                for i in range(100):
                    p.produce(topic, b"c%d" % i)
            with pytest.raises(KeyError):
                async with p.transaction():
                    p.produce(topic, b"aborted")
                    raise KeyError("rolled back")
            async with p.transaction():
                p.produce(topic, b"last")
        got = []
        async with uvkafka.Consumer(topic, brokers=brokers, group_id=topic + "-g", from_beginning=True) as c:
            async for m in c:
                got.append(m.value)
                if m.value == b"last":
                    break
        assert got == [b"c%d" % i for i in range(100)] + [b"last"]
    run(main)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("handler", ["each_message", "each_batch"])
def test_run_handlers(brokers, run, mode, handler):
    """run() waits for coroutine handlers (the partition waits, the rest goes on) and ends at stop()."""
    topic = unique("uvk-py-run")
    n = 300

    async def main():
        await create_topic(brokers, topic, 3)
        await produce(brokers, topic, n)
        seen = {}
        consumer = uvkafka.Consumer(topic, brokers=brokers, group_id=topic + "-g", from_beginning=True)
        busy = set()

        def take(m):
            assert (m.topic, m.partition) not in busy  # one handler at a time per partition
            seen[m.key] = m
            if len(seen) == n:
                asyncio.get_running_loop().create_task(consumer.stop())

        async def take_async(m):
            busy.add((m.topic, m.partition))
            await asyncio.sleep(0)
            busy.discard((m.topic, m.partition))
            take(m)

        if handler == "each_message":
            fn = take if mode == "sync" else take_async
            await consumer.run(each_message=fn)
        else:
            if mode == "sync":
                await consumer.run(each_batch=lambda b: [take(m) for m in b.messages] and None)
            else:
                async def batch(b):
                    for m in b.messages:
                        await take_async(m)
                await consumer.run(each_batch=batch)
        consumer.close()
        assert len(seen) == n
        assert seen[b"key-7"].value == b"value-7" and seen[b"key-7"].headers == (("origin", b"python"),)
        # Everything was committed: a new member of the group finds nothing left to read.
        async with uvkafka.Admin(brokers) as admin:
            offs = await admin.fetch_offsets(topic + "-g", [topic])
            assert sum(o.offset for o in offs) == n
    run(main)


@pytest.mark.parametrize("handler", ["each_message", "each_batch", "async_for"])
def test_messages_are_views_that_outlive_their_fetch(brokers, run, handler):
    """A Message is a view into its batch's copy of the fetch (uvkafka.Messages): its fields
    read the same after the handler, the consumer and the fetch's buffers are gone; it indexes
    and unpacks like the tuple of its fields and equals it; a batch's messages index (also
    negative), slice into lists and refuse what is out of range."""
    topic = unique("uvk-py-views-" + handler.replace("_", "-"))
    n = 50

    async def main():
        await create_topic(brokers, topic, 1)
        async with uvkafka.Producer(brokers) as p:
            await p.send_many(topic, [{"value": b"v%d" % i if i % 7 else None, "key": None if i % 5 else b"k%d" % i,
                                       "headers": [("i", b"%d" % i), ("i", None)] if i % 3 == 0 else None,
                                       "timestamp": 1700000000000 + i} for i in range(n)])
        kept, batches = [], []
        c = uvkafka.Consumer(topic, brokers=brokers, group_id=topic + "-g", from_beginning=True)

        def enough():
            if len(kept) == n:
                asyncio.get_running_loop().create_task(c.stop())
        if handler == "each_message":
            await c.run(each_message=lambda m: kept.append(m) or enough())
        elif handler == "each_batch":
            await c.run(each_batch=lambda b: batches.append(b) or kept.extend(b.messages) or enough())
        else:
            async for m in c:
                kept.append(m)
                if len(kept) == n:
                    break
            await c.stop()
        c.close()
        del c
        for i, m in enumerate(kept):
            want = (topic, 0, i, 1700000000000 + i, None if i % 5 else b"k%d" % i, b"v%d" % i if i % 7 else None,
                    (("i", b"%d" % i), ("i", None)) if i % 3 == 0 else ())
            assert (m.topic, m.partition, m.offset, m.timestamp, m.key, m.value, m.headers) == want
            assert tuple(m) == want and m == want and len(m) == 7
            assert (m[0], m[2], m[-1]) == (want[0], want[2], want[6])
            topic_, partition, offset, ts, key, value, headers = m
            assert offset == i and hash(m) == hash(want)
            assert pickle.loads(pickle.dumps(m)) == want
            assert "offset=%d" % i in repr(m)
        with pytest.raises(IndexError):
            kept[0][7]
        with pytest.raises(AttributeError):
            kept[0].value = b"x"
        if batches:
            msgs = batches[0].messages
            assert isinstance(msgs, uvkafka.Messages) and len(msgs) > 0
            assert msgs[-1] == msgs[len(msgs) - 1] and msgs[0].offset == 0
            assert [m.offset for m in msgs[1:3]] == [1, 2] and msgs[::-1][0] == msgs[-1]
            with pytest.raises(IndexError):
                msgs[len(msgs)]
            with pytest.raises(TypeError):
                msgs["0"]
    run(main)


@pytest.mark.parametrize("handler", ["each_message", "each_batch"])
def test_a_batch_is_copied_only_when_kept(brokers, run, handler):
    """During a handler's call a batch reads the library's own views of the fetch: a handler
    that reads every field and keeps nothing costs no copy; one that keeps some messages gets
    its batch copied when the call returns, and what it kept reads the same afterwards."""
    from uvkafka import _native
    topic = unique("uvk-py-nocopy-" + handler.replace("_", "-"))
    n = 40

    async def consume(group, keep):
        seen, kept = {}, []
        c = uvkafka.Consumer(topic, brokers=brokers, group_id=group, from_beginning=True)

        def one(m):
            seen[m.offset] = tuple(m)
            if keep(m.offset):
                kept.append(m)
            if len(seen) == n:
                asyncio.get_running_loop().create_task(c.stop())
        if handler == "each_message":
            await c.run(each_message=one)
        else:
            await c.run(each_batch=lambda b: [one(m) for m in b.messages] and None)
        c.close()
        return seen, kept

    async def main():
        await create_topic(brokers, topic, 1)
        async with uvkafka.Producer(brokers) as p:
            await p.send_many(topic, [{"value": b"v%d" % i if i % 7 else None, "key": b"k%d" % i,
                                       "headers": [("i", b"%d" % i)] if i % 3 == 0 else None,
                                       "timestamp": 1700000000000 + i} for i in range(n)])
        want = {i: (topic, 0, i, 1700000000000 + i, b"k%d" % i, b"v%d" % i if i % 7 else None,
                    (("i", b"%d" % i),) if i % 3 == 0 else ()) for i in range(n)}
        before = _native.batches_copied()
        seen, kept = await consume(topic + "-a", lambda off: False)
        assert seen == want and kept == []
        assert _native.batches_copied() == before
        seen, kept = await consume(topic + "-b", lambda off: off % 10 == 0)
        assert seen == want
        assert _native.batches_copied() > before
        assert [tuple(m) for m in kept] == [want[i] for i in range(0, n, 10)]
    run(main)


def test_send_soon_and_send_many_lend_or_copy_their_payloads(brokers, run):
    """send_soon (native) and send_many lend bytes and str payloads to the library and copy
    other buffers at the call: a bytearray or headers changed right after the call change
    nothing that is sent; a cancelled send_soon future is still sent, its result dropped."""
    topic = unique("uvk-py-lend")

    async def main():
        await create_topic(brokers, topic, 1)
        async with uvkafka.Producer(brokers) as p:
            value, headers = bytearray(b"before"), {"h": bytearray(b"hv")}
            f1 = p.send_soon(topic, value, key="k", headers=headers)
            value[:] = b"after!"
            headers["h"][:] = b"xx"
            headers.clear()
            f2 = p.send_soon(topic, b"second", timestamp=1700000000000)
            f3 = p.send_soon(topic, "third")
            f3.cancel()
            md = await asyncio.gather(f1, f2)
            assert md == [uvkafka.RecordMetadata(topic, 0, 0), uvkafka.RecordMetadata(topic, 0, 1)]
            many = await p.send_many(topic, [b"m%d" % i if i % 2 else "m%d" % i for i in range(100)])
            assert many == [uvkafka.RecordMetadata(topic, 0, 3)]
        got = []
        c = uvkafka.Consumer(topic, brokers=brokers, group_id=topic + "-g", from_beginning=True)

        def each(m):
            got.append((m.key, m.value, m.headers, m.offset))
            if len(got) == 103:
                asyncio.get_running_loop().create_task(c.stop())
        await c.run(each_message=each)
        c.close()
        assert got[:3] == [(b"k", b"before", (("h", b"hv"),), 0), (None, b"second", (), 1), (None, b"third", (), 2)]
        assert [v for _k, v, _h, _o in got[3:]] == [b"m%d" % i for i in range(100)]
    run(main)


def test_async_for_awaitables(brokers, run):
    """`async for`'s iterator answers from C while a batch is in hand: __anext__() awaited
    directly, through a task, driven by hand (next() raising StopIteration with the message),
    getmany(), `async for`; after stop() nothing more comes, and what was taken is committed."""
    topic = unique("uvk-py-anext")

    async def main():
        await create_topic(brokers, topic, 1)
        async with uvkafka.Producer(brokers) as p:
            await p.send_many(topic, [{"value": b"%d" % i} for i in range(10)])
        c = uvkafka.Consumer(topic, brokers=brokers, group_id=topic + "-g", from_beginning=True)
        assert (await c.__anext__()).offset == 0
        assert (await asyncio.ensure_future(c.__anext__())).offset == 1
        # One send_many: one record batch, one fetch; the hand-driven next() needs it in hand.
        assert c._it.current is not None and c._it.index < len(c._it.current[2])
        with pytest.raises(StopIteration) as e:
            next(c.__anext__().__await__())
        assert e.value.value.offset == 2
        assert [m.offset for m in await c.getmany(3)] == [3, 4, 5]
        async for m in c:
            assert m.offset == 6
            break
        await c.stop()
        assert [m async for m in c] == []
        c.close()
        async with uvkafka.Admin(brokers) as admin:
            offs = await admin.fetch_offsets(topic + "-g", [topic])
        assert [o.offset for o in offs] == [7]
    run(main)


def test_handler_exception_comes_out_of_run(brokers, run):
    topic = unique("uvk-py-raise")

    async def main():
        await create_topic(brokers, topic, 1)
        await produce(brokers, topic, 3)
        c = uvkafka.Consumer(topic, brokers=brokers, group_id=topic + "-g", from_beginning=True)

        async def boom(m):
            raise RuntimeError("handler failed at %d" % m.offset)

        with pytest.raises(RuntimeError, match="handler failed at 0"):
            await c.run(each_message=boom)
        assert not c._native.is_running()
        c.close()
        c.close()
    run(main)


@pytest.mark.parametrize("leave", ["break", "raise", "commit"])
def test_leaving_async_for_commits_what_was_consumed(brokers, run, leave):
    """Leaving `async for` commits every partition's consumed messages, not only the batches
    walked to their end: after a break, up to the last message taken; when the body raised,
    up to the one before it (it was not processed); commit() without offsets, everything
    taken so far (auto-commit off)."""
    topic = unique("uvk-py-leave-" + leave)

    async def main():
        await create_topic(brokers, topic, 3)
        async with uvkafka.Producer(brokers) as p:
            for part in range(3):
                await p.send_many(topic, [{"value": b"%d-%d" % (part, i), "partition": part} for i in range(5)])
        got = []
        c = uvkafka.Consumer(topic, brokers=brokers, group_id=topic + "-g", from_beginning=True,
                             auto_commit=leave != "commit")
        with pytest.raises(KeyError) if leave == "raise" else contextlib.nullcontext():
            async with c:
                async for m in c:
                    got.append((m.partition, m.offset))
                    if len(got) == 12:
                        if leave == "raise":
                            raise KeyError("not processed")
                        if leave == "commit":
                            await c.commit()
                        break
        processed = got[:-1] if leave == "raise" else got
        want = {}
        for part, off in processed:
            want[part] = max(want.get(part, 0), off + 1)
        async with uvkafka.Admin(brokers) as admin:
            offs = {o.partition: o.offset for o in await admin.fetch_offsets(topic + "-g", [topic]) if o.offset >= 0}
        assert offs == want
        assert sum(offs.values()) == len(processed)
    run(main)


def test_pause_resume_seek_commit(brokers, run):
    topic = unique("uvk-py-control")

    async def main():
        await create_topic(brokers, topic, 2)
        async with uvkafka.Producer(brokers) as p:
            for part in (0, 1):
                await p.send_many(topic, [{"value": b"%d-%d" % (part, i), "partition": part} for i in range(5)])
        c = uvkafka.Consumer(topic, brokers=brokers, group_id=topic + "-g", from_beginning=True, auto_commit=False)
        c.pause(topic, [1])
        assert c.paused(topic, 1) and not c.paused(topic, 0)
        got = []
        async for m in c:
            got.append((m.partition, m.offset))
            if len(got) == 5:
                break
        assert got == [(0, i) for i in range(5)]  # partition 1 stayed paused
        assert sorted(c.assignment()) == [(topic, 0), (topic, 1)]
        await c.commit([(topic, 0, 3)])
        c.seek(topic, 0, 1)  # read 1..4 of partition 0 again
        c.resume(topic, [1])
        more = []
        async for m in c:
            more.append((m.partition, m.offset))
            if len(more) == 9:
                break
        assert sorted(more) == sorted([(0, i) for i in range(1, 5)] + [(1, i) for i in range(5)])
        await c.stop()
        c.close()
        async with uvkafka.Admin(brokers) as admin:
            offs = {o.partition: o.offset for o in await admin.fetch_offsets(topic + "-g", [topic])}
        assert offs[0] == 3  # only the explicit commit: auto_commit is off
    run(main)


def test_commit_metadata_read_back(brokers, run):
    topic = unique("uvk-py-commit-meta")

    async def main():
        await create_topic(brokers, topic, 2)
        await produce(brokers, topic, 1)
        c = uvkafka.Consumer(topic, brokers=brokers, group_id=topic + "-g", from_beginning=True, auto_commit=False)
        async for _ in c:
            break  # joined: the group takes commits
        async with uvkafka.Admin(brokers) as admin:
            async def fetched():
                return {o.partition: (o.offset, o.metadata) for o in await admin.fetch_offsets(topic + "-g", [topic])}
            await c.commit([(topic, 0, 1, "event-id-3"), (topic, 1, 0, None)])
            assert await fetched() == {0: (1, "event-id-3"), 1: (0, "")}  # the broker keeps null as ""
            await c.commit([(topic, 1, 0, "é" * 2048)])  # 4096 bytes: the broker's limit
            assert await fetched() == {0: (1, "event-id-3"), 1: (0, "é" * 2048)}
            with pytest.raises(uvkafka.BrokerError) as e:
                await c.commit([(topic, 0, 2, "x" * 4097)])
            assert e.value.kafka_name == "OFFSET_METADATA_TOO_LARGE"
            with pytest.raises(ValueError, match="metadata is 32768 bytes, more than the 32767"):
                await c.commit([(topic, 0, 2, "x" * 32768)])
            with pytest.raises(TypeError, match="metadata must be str"):
                await c.commit([(topic, 0, 2, b"bytes")])
            assert await fetched() == {0: (1, "event-id-3"), 1: (0, "é" * 2048)}  # none of them changed it
        await c.stop()
        c.close()
    run(main)


def test_transactions_read_back_read_committed(brokers, run):
    topic = unique("uvk-py-tx")

    async def main():
        await create_topic(brokers, topic, 1)
        async with uvkafka.Producer(brokers, transactional_id=topic + "-tx", idempotent=True,
                                    max_in_flight_requests=1) as p:
            async with p.transaction():
                await p.send(topic, b"committed-1")
                await p.send(topic, b"committed-2")
            with pytest.raises(ValueError, match="rolled back"):
                async with p.transaction():
                    await p.send(topic, b"aborted")
                    raise ValueError("rolled back")
            with pytest.raises(uvkafka.TransactionStateError):
                await p.send(topic, b"outside")  # a transactional producer sends inside one only
            async with p.transaction():
                await p.send(topic, b"committed-3")
        got = []
        async with uvkafka.Consumer(topic, brokers=brokers, group_id=topic + "-g", from_beginning=True) as c:
            async for m in c:
                got.append(m.value)
                if m.value == b"committed-3":
                    break
        assert got == [b"committed-1", b"committed-2", b"committed-3"]
    run(main)


@pytest.mark.parametrize("kind", ["ssl", "sasl_ssl"])
def test_tls_and_sasl(run, kind):
    env = {"ssl": "UVK_TEST_SSL_BROKERS", "sasl_ssl": "UVK_TEST_SASL_SSL_BROKERS"}[kind]
    brokers = os.environ.get(env)
    assert brokers, "%s must be set by test/kafka/cluster.sh" % env
    opts = {"ssl": {"ca": open(os.environ["UVK_TEST_CA"]).read()}}
    if kind == "sasl_ssl":
        opts["sasl"] = {"mechanism": "scram-sha-256", "username": os.environ["UVK_TEST_USER"],
                        "password": os.environ["UVK_TEST_PASSWORD"]}
    topic = unique("uvk-py-" + kind.replace("_", "-"))

    async def main():
        async with uvkafka.Admin(brokers, **opts) as admin:
            await admin.create_topics([uvkafka.NewTopic(topic, 1)])
        async with uvkafka.Producer(brokers, **opts) as p:
            md = await p.send(topic, b"secret")
        assert md.offset == 0
        async with uvkafka.Consumer(topic, brokers=brokers, group_id=topic, from_beginning=True, **opts) as c:
            async for m in c:
                assert m.value == b"secret"
                break
        bad = dict(opts, sasl=dict(opts.get("sasl", {}), password="wrong")) if kind == "sasl_ssl" else None
        if bad:
            async with uvkafka.Producer(brokers, retry={"retries": 0}, log_level="NOTHING", **bad) as p:
                with pytest.raises(uvkafka.KafkaError) as e:
                    await p.send(topic, b"x")
                p.close()
            assert "auth" in str(e.value).lower() or isinstance(e.value, uvkafka.AuthenticationError)
    run(main)


def test_blocking_facade(brokers):
    topic = unique("uvk-py-blocking")
    with blocking.Admin(brokers) as admin:
        assert admin.create_topics([uvkafka.NewTopic(topic, 1)])[0].error is None
    with blocking.Producer(brokers) as p:
        assert p.send(topic, b"a").offset == 0
        assert len(p.send_many(topic, [b"b", b"c"])) == 1
    with blocking.Consumer(topic, brokers=brokers, group_id=topic, from_beginning=True) as c:
        got = [c.poll(30).value for _ in range(3)]
    assert got == [b"a", b"b", b"c"]


def test_hostile_use_never_crashes(brokers):
    """A huge value, a handler closing its consumer, a callback stepping the loop again, pending
    sends at close and at interpreter exit: errors or clean ends, never a crash."""
    import subprocess
    import sys
    import textwrap
    script = textwrap.dedent("""
        import asyncio, sys, uvkafka
        B, T = sys.argv[1], sys.argv[2]
        async def main():
            async with uvkafka.Admin(B) as a:
                await a.create_topics([uvkafka.NewTopic(T, 1)])
            p = uvkafka.Producer(B)
            try:
                await p.send(T, b"x" * (50 << 20))
                print("huge value accepted")
            except uvkafka.KafkaError as e:
                print("huge:", e.name)
            f = p.send_soon(T, b"v")
            f.add_done_callback(lambda _: p.client._native.step())  # re-entrant: refused, kept
            await asyncio.sleep(0.5)
            c = uvkafka.Consumer(T, brokers=B, group_id=T, from_beginning=True)
            await asyncio.wait_for(c.run(each_message=lambda m: c.close()), 30)
            c.close()
            fs = [p.send_soon(T, b"v") for _ in range(100)]
            p.close()
            rs = await asyncio.gather(*fs, return_exceptions=True)
            print("pending at close:", sorted({type(r).__name__ for r in rs}))
            global LEFT
            LEFT = uvkafka.Producer(B)
            for _ in range(1000):
                LEFT.send_soon(T, b"v")  # still pending when the interpreter exits
        asyncio.run(main())
        print("exit")
    """)
    r = subprocess.run([sys.executable, "-c", script, brokers, unique("uvk-py-hostile")], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "huge: UVK_ETOOLARGE" in r.stdout
    assert "pending at close: ['ClosedError']" in r.stdout
    assert r.stdout.rstrip().endswith("exit")


def test_hostile_produce_events_partitioner_never_crash(brokers):
    """produce() of a huge value, of many pending and in-flight messages at interpreter exit,
    a consumer closing itself from its own group_join listener, a listener and a partitioner
    that raise at exit, a coroutine handler that raises: errors or clean ends, never a crash."""
    import subprocess
    import sys
    import textwrap
    script = textwrap.dedent("""
        import asyncio, sys, uvkafka
        B, T = sys.argv[1], sys.argv[2]
        async def main():
            asyncio.get_running_loop().set_exception_handler(lambda l, c: None)
            async with uvkafka.Admin(B) as a:
                await a.create_topics([uvkafka.NewTopic(T, 2)])
            p = uvkafka.Producer(B)
            p.produce(T, b"x" * (50 << 20))
            try:
                await p.flush()
            except uvkafka.KafkaError as e:
                print("huge:", e.name)
            for i in range(100):
                p.produce(T, b"v%d" % i)
            await p.flush()
            c = uvkafka.Consumer(T, brokers=B, group_id=T, from_beginning=True)
            c.on("group_join", lambda ev: c.close())  # closes itself mid-dispatch
            async def each(m):
                raise KeyError("handler")
            try:
                await asyncio.wait_for(c.run(each_message=each), 30)
                print("run: returned")
            except Exception as e:
                print("run:", type(e).__name__)
            c.close()
            c.close()
            global LEFT
            LEFT = uvkafka.Producer(B, partitioner=lambda *a: 1 // 0)
            LEFT.on("request", lambda ev: 1 // 0)
            for i in range(50000):
                LEFT.produce(T, b"pending")  # handed over or not, still pending at exit
            await asyncio.sleep(0)
            for i in range(1000):
                LEFT.produce(T, b"not handed over")
        asyncio.run(main())
        print("exit")
    """)
    r = subprocess.run([sys.executable, "-c", script, brokers, unique("uvk-py-hostile-produce")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "huge: UVK_ETOOLARGE" in r.stdout
    assert "run: " in r.stdout
    assert r.stdout.rstrip().endswith("exit"), r.stdout + r.stderr[-2000:]


def test_produce_a_burst_bigger_than_the_buffer(brokers, run):
    """produce() of many times bufferMemory in one loop turn: sent in order as the library
    drains, nothing lost; a message bigger than the buffer fails alone."""
    topic = unique("uvk-py-produce-burst")

    async def main():
        await create_topic(brokers, topic, 1)
        async with uvkafka.Producer(brokers, buffer_memory=64 << 10) as p:
            for i in range(3000):
                p.produce(topic, b"%05d" % i + b"x" * 195)  # ~600 KB: ten times the buffer
            p.produce(topic, b"y" * (100 << 10))  # over bufferMemory itself
            p.produce(topic, b"last")
            assert p._native.queued() == 0  # nothing handed over before the loop turns
            with pytest.raises(uvkafka.KafkaError) as e:
                await p.flush()
            assert e.value.name == "UVK_ETOOLARGE"
            await p.flush()  # the failure was raised once
        got = []
        async with uvkafka.Consumer(topic, brokers=brokers, group_id=topic + "-g", from_beginning=True) as c:
            async for m in c:
                got.append(m.value)
                if m.value == b"last":
                    break
        assert [v[:5] for v in got[:-1]] == [b"%05d" % i for i in range(3000)] and got[-1] == b"last"
    run(main)
