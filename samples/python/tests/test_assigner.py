"""A custom assigner in Python: the leader's function gets the members (with their user data)
and the topics' partition counts and its answer is the assignment; one that raises fails the
join, which is retried; one closing its consumer from inside is refused; bad arguments."""
import asyncio

import pytest

import uvkafka

from conftest import create_topic, produce, unique


def test_custom_assigner_decides_and_its_failures_stop_the_consumer(brokers, run):
    topic = unique("uvk-py-assigner")

    async def main():
        await create_topic(brokers, topic, 3)
        await produce(brokers, topic, 30)
        calls = []

        def only_partition_1(members, topics):
            calls.append((members, topics))
            return {m.member_id: [(topic, 1)] for m in members}

        c = uvkafka.Consumer(topic, brokers=brokers, group_id=topic + "-g", from_beginning=True,
                             assigners=[uvkafka.Assigner("only-one", only_partition_1, 1, b"hello")])
        got = []
        async with c:
            async for m in c:
                got.append(m)
                if len(got) == 10:
                    break
            assert c.assignment() == [(topic, 1)]
            me = c.member_id
        assert {m.partition for m in got} == {1}
        [(members, topics)] = calls
        assert topics == {topic: 3}
        assert [(m.member_id, m.version, m.topics, m.user_data) for m in members] == [
            (me, 1, [topic], b"hello")]

        # An assigner that raises, or closes its consumer from inside (refused), or answers
        # badly: the consumer stops and the exception comes out, as a raising handler's does.
        holder = []

        def closes(members, topics):
            holder[0].close()

        for fn, exc in ((lambda m, t: 1 // 0, ZeroDivisionError), (closes, RuntimeError),
                        (lambda m, t: [("x", 0)], TypeError)):
            bad = uvkafka.Consumer(topic, brokers=brokers, group_id=unique("uvk-py-assigner-bad"),
                                   from_beginning=True, assigners=[uvkafka.Assigner("bad", fn)])
            holder[:] = [bad]
            with pytest.raises(exc):
                async with bad:
                    async for _m in bad:
                        break
            bad.close()
    run(main)


def test_assigner_arguments():
    with pytest.raises(TypeError, match="assigners\\[0\\]"):
        uvkafka.Consumer("t", brokers="127.0.0.1:1", group_id="g", assigners=[lambda m, t: {}])
    with pytest.raises(TypeError, match="callable"):
        uvkafka.Consumer("t", brokers="127.0.0.1:1", group_id="g", assigners=[uvkafka.Assigner("x", 5)])
    with pytest.raises(ValueError, match="at most 4"):
        uvkafka.Consumer("t", brokers="127.0.0.1:1", group_id="g",
                         assigners=[uvkafka.Assigner("a%d" % i, lambda m, t: {}) for i in range(5)])
