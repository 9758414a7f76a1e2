"""The Python binding against the real test cluster (UVK_TEST_BROKERS): admin, producer, and
consumers with each_message and each_batch, driven by client.run() and by asyncio."""
import asyncio
import os
import time

import pytest

import uvkafka

BROKERS = os.environ.get("UVK_TEST_BROKERS", "")


def unique(prefix):
    return "%s-%d" % (prefix, time.monotonic_ns())


@pytest.fixture
def client():
    assert BROKERS, "UVK_TEST_BROKERS must point at the test cluster (test/kafka/cluster.sh up)"
    c = uvkafka.Client({"brokers": BROKERS, "logLevel": "WARN", "allowAutoTopicCreation": False})
    yield c
    c.close()


def create_topic(client, topic, partitions=3):
    admin = client.admin()
    out = {}
    admin.create_topics([{"topic": topic, "numPartitions": partitions}],
                        lambda err, results: out.update(err=err, results=results))
    client.run(until=lambda: "results" in out)
    assert out["err"] is None, out["err"]
    assert [r.name for r in out["results"]] == [topic]
    return admin


def produce(client, topic, n):
    producer = client.producer()
    out = {}
    producer.send(topic, [{"key": "key-%d" % i, "value": "value-%d" % i, "headers": {"origin": "python"}}
                          for i in range(n)], lambda err, md: out.update(err=err, md=md))
    client.run(until=lambda: "md" in out)
    assert out["err"] is None, out["err"]
    assert sum(1 for m in out["md"] if m.error == 0) == len(out["md"])
    return producer


def test_version_and_bad_config():
    # UVK_TEST_BREAK=1 (the harness self-test, docs/development.md) breaks this check on purpose.
    assert uvkafka.version().count(".") == (3 if os.environ.get("UVK_TEST_BREAK") else 2)
    with pytest.raises(ValueError) as e:
        uvkafka.Client({"brokers": "127.0.0.1:1", "logLevel": "LOUD"})
    assert "logLevel" in str(e.value)
    with pytest.raises(uvkafka.KafkaError) as e:
        uvkafka.Client({"logLevel": "WARN"})  # no brokers
    assert e.value.name == "UVK_EINVAL"


def test_admin_create_list_offsets_delete(client):
    topic = unique("uvk-py-admin")
    admin = create_topic(client, topic, 2)
    out = {}
    admin.create_topics([{"topic": topic, "numPartitions": 2}], lambda err, rs: out.update(again=(err, rs)))
    client.run(until=lambda: "again" in out)
    err, rs = out["again"]
    assert err is None and rs[0].error == -(1000 + 36)  # TOPIC_ALREADY_EXISTS: KafkaJS's false
    produce(client, topic, 10)
    admin.fetch_topic_offsets(topic, lambda err, offs: out.update(offsets=(err, offs)))
    client.run(until=lambda: "offsets" in out)
    err, offs = out["offsets"]
    assert err is None
    assert sorted(o.partition for o in offs) == [0, 1]
    assert sum(o.high for o in offs) == 10
    admin.delete_topics([topic], lambda err, rs: out.update(deleted=(err, rs)))
    client.run(until=lambda: "deleted" in out)
    assert out["deleted"][0] is None
    # An unknown topic: the broker's error, per topic and for the call.
    admin.delete_topics([topic + "-missing"], lambda err, rs: out.update(missing=(err, rs)))
    client.run(until=lambda: "missing" in out)
    err, rs = out["missing"]
    assert isinstance(err, uvkafka.KafkaError) and err.kafka_code == 3
    assert rs[0].error == -(1000 + 3)


@pytest.mark.parametrize("mode", ["each_message", "each_batch"])
def test_produce_and_consume_back(client, mode):
    topic = unique("uvk-py-" + mode.replace("_", "-"))
    create_topic(client, topic, 3)
    n = 500
    produce(client, topic, n)
    consumer = client.consumer({"groupId": topic + "-group"})
    consumer.subscribe(topic, from_beginning=True)
    seen = {}
    stopped = []

    def take(m):
        seen[m.key.decode()] = m
        if len(seen) == n:
            consumer.stop(lambda err: stopped.append(err))

    if mode == "each_message":
        consumer.run(each_message=take)
    else:
        consumer.run(each_batch=lambda topic_, partition, messages: [take(m) for m in messages])
    client.run(until=lambda: stopped)
    assert stopped == [None]
    assert len(seen) == n
    m = seen["key-7"]
    assert m.value == b"value-7" and m.topic == topic
    assert m.headers == [("origin", b"python")]


def test_handler_exception_comes_out_of_run(client):
    topic = unique("uvk-py-raise")
    create_topic(client, topic, 1)
    produce(client, topic, 1)
    consumer = client.consumer({"groupId": topic + "-group"})
    consumer.subscribe(topic, from_beginning=True)

    def boom(_m):
        raise RuntimeError("handler failed")

    consumer.run(each_message=boom)
    with pytest.raises(RuntimeError, match="handler failed"):
        client.run(until=lambda: False)


def test_driven_by_asyncio(client):
    """The client's loop inside an asyncio program: no thread, no blocking run()."""
    topic = unique("uvk-py-asyncio")

    async def main():
        aio = asyncio.get_running_loop()
        detach = client.attach(aio)
        done = aio.create_future()
        admin = client.admin()
        admin.create_topics([{"topic": topic, "numPartitions": 1}], lambda err, rs: done.set_result(err))
        assert await asyncio.wait_for(done, 60) is None
        sent = aio.create_future()
        client.producer().send(topic, [b"a", b"b", b"c"], lambda err, md: sent.set_result(err))
        assert await asyncio.wait_for(sent, 60) is None
        got = []
        finished = aio.create_future()
        consumer = client.consumer({"groupId": topic + "-group"})
        consumer.subscribe(topic, from_beginning=True)

        def take(m):
            got.append(m.value)
            if len(got) == 3 and not finished.done():
                finished.set_result(None)

        consumer.run(each_message=take)
        await asyncio.wait_for(finished, 60)
        stopped = aio.create_future()
        consumer.stop(lambda err: stopped.set_result(err))
        assert await asyncio.wait_for(stopped, 60) is None
        detach()
        return got

    assert asyncio.run(main()) == [b"a", b"b", b"c"]


def test_a_connection_failure_names_its_cause():
    # issue 28: the last cause's words reach the exception, not only "retries exceeded".
    c = uvkafka.Client({"brokers": "nosuchhost.invalid:9092", "logLevel": "NOTHING", "retry.retries": 1})
    out = {}
    c.producer().send("t", [{"value": "v"}], lambda err, md: out.update(err=err))
    c.run(until=lambda: "err" in out)
    c.close()
    assert out["err"].name == "UVK_ERETRIES"
    assert 'cannot resolve the broker host "nosuchhost.invalid"' in str(out["err"])
