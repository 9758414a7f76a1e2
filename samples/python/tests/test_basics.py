"""What needs no broker round trip to fail: versions, configuration, bad arguments, closing."""
import asyncio
import os

import pytest

import uvkafka
from uvkafka import blocking


def test_version_and_bad_config():
    # UVK_TEST_BREAK=1 (the harness self-test, docs/development.md) breaks this check on purpose.
    assert uvkafka.version().count(".") == (3 if os.environ.get("UVK_TEST_BREAK") else 2)
    with pytest.raises(ValueError, match="logLevel"):
        uvkafka.Client("127.0.0.1:1", log_level="LOUD")
    with pytest.raises(ValueError, match="lingr"):
        uvkafka.Producer("127.0.0.1:1", lingr=5)
    with pytest.raises(uvkafka.KafkaError) as e:
        uvkafka.Client()  # no brokers
    assert e.value.name == "UVK_EINVAL"
    with pytest.raises(TypeError, match="brokers"):
        uvkafka.Client(9092)
    with pytest.raises(TypeError, match="retry.retries"):
        uvkafka.Client("127.0.0.1:1", retry={"retries": object()})


def test_config_keys_from_snake_case():
    c = uvkafka.Client(["a:1", "b:2"], client_id="x", retry={"max_retry_time": 10}, ssl={"reject_unauthorized": False},
                       config={"requestTimeout": 1000})
    assert c.config == {"brokers": "a:1,b:2", "clientId": "x", "retry.maxRetryTime": "10", "ssl": "true",
                        "ssl.rejectUnauthorized": "false", "logLevel": "WARN", "requestTimeout": "1000"}
    c.close()


@pytest.mark.parametrize("kwargs,exc,word", [
    ({"topic": 5}, TypeError, "topic"),
    ({"topic": "t\0x"}, ValueError, "topic"),
    ({"value": 5}, TypeError, "value"),
    ({"key": 1.5}, TypeError, "key"),
    ({"headers": 3}, TypeError, "headers"),
    ({"headers": {"h": 7}}, TypeError, "headers[h] value"),
    ({"headers": {1: b"x"}}, TypeError, "headers name"),
    ({"partition": -5}, ValueError, "partition"),
    ({"partition": 2 ** 40}, ValueError, "partition"),
    ({"partition": "0"}, TypeError, "partition"),
    ({"timestamp": -3}, ValueError, "timestamp"),
])
def test_bad_send_arguments_raise_before_sending(kwargs, exc, word):
    async def main():
        async with uvkafka.Producer("127.0.0.1:1", retry={"retries": 0}) as p:
            args = {"topic": "t", "value": b"v"}
            args.update(kwargs)
            topic = args.pop("topic")
            with pytest.raises(exc, match=word.replace("[", r"\[").replace("]", r"\]")):
                p.send_soon(topic, **args)
            p.close()
    asyncio.run(main())


def test_bad_handle_arguments():
    with pytest.raises(ValueError, match="acks"):
        uvkafka.Producer("127.0.0.1:1", acks=2)
    with pytest.raises(ValueError, match="compression"):
        uvkafka.Producer("127.0.0.1:1", compression="brotli")
    with pytest.raises(TypeError, match="group_id"):
        uvkafka.Consumer("t", brokers="127.0.0.1:1", group_id=5)
    with pytest.raises(ValueError, match="auto_commit_threshold"):
        uvkafka.Consumer("t", brokers="127.0.0.1:1", group_id="g", auto_commit_threshold=0)
    with pytest.raises(TypeError, match="topic"):
        uvkafka.Consumer(5, brokers="127.0.0.1:1", group_id="g")

    async def main():
        c = uvkafka.Consumer("t", brokers="127.0.0.1:1", group_id="g")
        with pytest.raises(ValueError, match="each_message"):
            await c.run()
        with pytest.raises(TypeError, match="each_batch"):
            await c.run(each_batch=5)
        with pytest.raises(ValueError, match="offset"):
            c.seek("t", 0, -7)
        c.close()
        admin = uvkafka.Admin("127.0.0.1:1")
        with pytest.raises(TypeError, match="topics"):
            await admin.delete_topics("t")
        with pytest.raises(ValueError, match="num_partitions"):
            await admin.create_topics([uvkafka.NewTopic("t", -7)])
        admin.close()
    asyncio.run(main())


def test_close_twice_and_use_after_close():
    async def main():
        p = uvkafka.Producer("127.0.0.1:1", retry={"retries": 0})
        fut = p.send_soon("t", b"v")
        p.close()
        p.close()
        with pytest.raises(uvkafka.ClosedError):
            await fut
        with pytest.raises(RuntimeError, match="closed"):
            p.send_soon("t", b"v")
        c = uvkafka.Client("127.0.0.1:1")
        c.close()
        with pytest.raises(RuntimeError, match="closed"):
            uvkafka.Producer(client=c)
    asyncio.run(main())


def test_a_connection_failure_names_its_cause():
    # issue 28: the last cause's words reach the exception, not only "retries exceeded".
    async def main():
        async with uvkafka.Producer("nosuchhost.invalid:9092", log_level="NOTHING", retry={"retries": 1}) as p:
            with pytest.raises(uvkafka.RetriesExceededError) as e:
                await p.send("t", b"v")
            p.close()
        return e.value
    err = asyncio.run(main())
    assert err.name == "UVK_ERETRIES" and isinstance(err, uvkafka.KafkaError)
    assert 'cannot resolve the broker host "nosuchhost.invalid"' in str(err)


def test_blocking_facade_refuses_bad_input_too():
    with pytest.raises(ValueError, match="acks"):
        blocking.Producer("127.0.0.1:1", acks=9)


def test_produce_checks_its_arguments_before_anything_is_kept():
    async def main():
        p = uvkafka.Producer("127.0.0.1:1", retry={"retries": 0}, log_level="NOTHING")
        with pytest.raises(TypeError, match="topic"):
            p.produce(5, b"v")
        with pytest.raises(ValueError, match="topic"):
            p.produce("t\0x", b"v")
        with pytest.raises(TypeError, match="value"):
            p.produce("t", 1.5)
        with pytest.raises(TypeError, match="key"):
            p.produce("t", b"v", key=object())
        with pytest.raises(ValueError, match="partition"):
            p.produce("t", b"v", partition=1 << 40)
        with pytest.raises(TypeError, match="partition"):
            p.produce("t", b"v", partition="0")
        with pytest.raises(ValueError, match="timestamp"):
            p.produce("t", b"v", timestamp=-2)
        with pytest.raises(TypeError, match="headers"):
            p.produce("t", b"v", headers=b"h")
        with pytest.raises(TypeError, match="headers"):
            p.produce("t", b"v", headers=[("a", b"1", b"2")])
        with pytest.raises(TypeError, match=r"headers\[a\] value"):
            p.produce("t", b"v", headers={"a": 3})
        with pytest.raises(TypeError, match="unexpected keyword"):
            p.produce("t", b"v", partitoin=1)
        with pytest.raises(TypeError):
            p.produce()
        with pytest.raises(UnicodeEncodeError):
            p.produce("t", "\ud800")
        p.close()
        p.close()
        with pytest.raises(RuntimeError, match="closed"):
            p.produce("t", b"v")
        # The waker of a dropped producer is a weak reference: nothing keeps the producer alive.
        import gc
        import weakref
        q = uvkafka.Producer("127.0.0.1:1")
        q.produce("t", b"never sent")
        ref = weakref.ref(q)
        q.close()
        del q
        await asyncio.sleep(0)  # one loop turn: the step scheduled by produce() runs and lets go
        gc.collect()
        assert ref() is None
    asyncio.run(main())


def test_send_many_refuses_a_bad_message_anywhere_in_the_list():
    """A bad entry after good ones (a buffer among them, held while converting) raises
    TypeError / ValueError naming it; what was converted is released; nothing is sent."""
    async def main():
        p = uvkafka.Producer("127.0.0.1:1", retry={"retries": 0}, log_level="NOTHING")
        good = [b"a", bytearray(b"b"), {"value": memoryview(b"c"), "headers": {"h": bytearray(b"1")}}]
        for bad, exc, what in (({"value": b"x", "key": 5}, TypeError, "key"),
                               ({"value": b"x", "headers": [("h", 1)]}, TypeError, "headers"),
                               ({"value": b"x", "partition": -5}, ValueError, "partition"),
                               (7, TypeError, "value")):
            with pytest.raises(exc, match=what):
                await p.send_many("t", good * 50 + [bad] + good)
            with pytest.raises(exc, match=what):
                await p.send_batch({"t": good, "u": good + [bad]})
        p.close()
    asyncio.run(main())
