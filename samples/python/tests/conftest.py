"""Shared helpers: the test cluster's address (UVK_TEST_BROKERS, from test/kafka/cluster.sh),
unique names, and running a coroutine on asyncio's default loop or on uvloop."""
import asyncio
import os
import time

import pytest

import uvkafka

BROKERS = os.environ.get("UVK_TEST_BROKERS", "")


def unique(prefix):
    return "%s-%d" % (prefix, time.monotonic_ns())


@pytest.fixture
def brokers():
    assert BROKERS, "UVK_TEST_BROKERS must point at the test cluster (test/kafka/cluster.sh up)"
    return BROKERS


@pytest.fixture(params=["asyncio", "uvloop"])
def run(request):
    """run(coro_fn) on the default loop or on uvloop, with a 120 s guard."""
    def runner(fn, *args):
        async def guarded():
            return await asyncio.wait_for(fn(*args), 120)
        if request.param == "uvloop":
            import uvloop
            return uvloop.run(guarded())
        return asyncio.run(guarded())
    runner.kind = request.param
    return runner


async def create_topic(brokers, topic, partitions=3):
    async with uvkafka.Admin(brokers) as admin:
        rs = await admin.create_topics([uvkafka.NewTopic(topic, partitions)])
        assert [(r.name, r.error) for r in rs] == [(topic, None)]


async def produce(brokers, topic, n, **kw):
    async with uvkafka.Producer(brokers, **kw) as p:
        futs = [p.send_soon(topic, "value-%d" % i, key="key-%d" % i, headers={"origin": "python"}) for i in range(n)]
        return await asyncio.gather(*futs)
