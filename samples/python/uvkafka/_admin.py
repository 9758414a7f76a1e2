"""Admin: topics, partitions, offsets and groups."""
import asyncio
from functools import partial
from typing import Any, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Union

from . import _errors, _native
from ._client import Client, native_call


class TopicResult(NamedTuple):
    """One topic or group of an operation: error None, or the KafkaError of that entry."""
    name: str
    error: Optional[_errors.KafkaError]


class PartitionOffset(NamedTuple):
    topic: str
    partition: int
    offset: int
    high: int
    low: int
    metadata: Optional[str]


class NewTopic(NamedTuple):
    name: str
    num_partitions: int = -1
    replication_factor: int = -1
    config: Optional[Mapping[str, str]] = None


def _results(fut: "asyncio.Future[Any]", err: Any, rs: List[Any]) -> None:
    if fut.done():
        return
    if err is not None:
        e = _errors.from_native(err)
        e.results = [TopicResult(n, _errors.from_code(c, m or n)) for n, c, m in rs]  # type: ignore[attr-defined]
        fut.set_exception(e)
    else:
        fut.set_result([TopicResult(n, _errors.from_code(c, m or n)) for n, c, m in rs])


def _value(fut: "asyncio.Future[Any]", convert: Any, err: Any, value: Any) -> None:
    if fut.done():
        return
    if err is not None:
        fut.set_exception(_errors.from_native(err))
    else:
        fut.set_result(convert(value))


def _offsets(os_: List[Any]) -> List[PartitionOffset]:
    return [PartitionOffset(t, p, o, h, lo, md) for t, p, o, h, lo, md, _e in os_]


def _names(xs: Any, what: str) -> List[str]:
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Iterable):
        raise TypeError("%s must be a list of str, not %s" % (what, type(xs).__name__))
    return list(xs)


def _topic(t: Any, i: int) -> Any:
    if isinstance(t, str):
        t = NewTopic(t)
    elif isinstance(t, Mapping):
        t = NewTopic(**t)
    elif not isinstance(t, NewTopic):
        raise TypeError("topics[%d] must be a str, a dict or a NewTopic" % i)
    return (t.name, t.num_partitions, t.replication_factor, None if t.config is None else dict(t.config))


class Admin:
    """``async with uvkafka.Admin(brokers) as admin: await admin.create_topics(["t"])``."""

    def __init__(self, brokers: Union[str, Sequence[str], None] = None, *, client: Optional[Client] = None,
                 config: Optional[Mapping[str, Any]] = None, **options: Any) -> None:
        self._own_client = client is None
        self.client = client if client is not None else Client(brokers, config=config, **options)
        self._native = native_call(_native.Admin, self.client._native, None)

    async def _call(self, done: Any, fn: Any, *args: Any) -> Any:
        d = self.client._attach()
        fut = d.loop.create_future()
        native_call(fn, partial(done, fut) if done is _results else partial(_value, fut, done), *args)
        d.poke()
        return await fut

    async def create_topics(self, topics: Iterable[Union[str, NewTopic, Mapping[str, Any]]], *,
                            validate_only: bool = False, wait_for_leaders: bool = True,
                            timeout_ms: int = 5000) -> List[TopicResult]:
        """Creates topics (names, NewTopic or dicts of its fields). A topic that exists already
        has a BrokerError (TOPIC_ALREADY_EXISTS, 36) in its result; other failures raise."""
        ts = [_topic(t, i) for i, t in enumerate(_names(topics, "topics"))]
        return await self._call(_results, self._native.create_topics, ts, validate_only, wait_for_leaders, timeout_ms)

    async def delete_topics(self, topics: Iterable[str], *, timeout_ms: int = 5000) -> List[TopicResult]:
        return await self._call(_results, self._native.delete_topics, _names(topics, "topics"), timeout_ms)

    async def create_partitions(self, topic: str, count: int, *, validate_only: bool = False,
                                timeout_ms: int = 5000) -> List[TopicResult]:
        """Grows topic to count partitions."""
        return await self._call(_results, self._native.create_partitions, topic, count, validate_only, timeout_ms)

    async def list_topics(self) -> List[str]:
        return await self._call(list, self._native.list_topics)

    async def fetch_topic_offsets(self, topic: str) -> List[PartitionOffset]:
        """Per partition: offset = high = the end offset, low = the log start offset."""
        return await self._call(_offsets, self._native.fetch_topic_offsets, topic)

    async def fetch_offsets(self, group_id: str, topics: Optional[Iterable[str]] = None, *,
                            resolve_offsets: bool = False) -> List[PartitionOffset]:
        """A group's committed offsets (-1: none) for topics (None: all it has)."""
        return await self._call(_offsets, self._native.fetch_offsets, group_id,
                                None if topics is None else _names(topics, "topics"), resolve_offsets)

    async def delete_groups(self, group_ids: Iterable[str]) -> List[TopicResult]:
        return await self._call(_results, self._native.delete_groups, _names(group_ids, "group_ids"))

    def close(self) -> None:
        if self._native is not None:
            self._native.close()
        if self._own_client:
            self.client.close()

    async def __aenter__(self) -> "Admin":
        self.client._attach()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()
