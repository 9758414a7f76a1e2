"""ShareConsumer: a share group member (KIP-932, Kafka 4.1+). Many members read one partition;
each record goes to one member at a time and stays acquired until its handler finishes:
returning accepts it, raising releases it (delivered again, delivery_count one higher), and
``message.acknowledge(...)`` decides at once."""
import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from . import _errors, _native
from ._client import Client, native_call

ACK_TYPES: Dict[str, int] = {"accept": 1, "release": 2, "reject": 3, "renew": 4}
_log = logging.getLogger("uvkafka.share")


class ShareMessage:
    """An acquired record. ``delivery_count`` is 1 on the first delivery."""
    __slots__ = ("topic", "partition", "offset", "delivery_count", "timestamp", "key", "value", "headers",
                 "_owner", "_decided")

    def __init__(self, owner: "ShareConsumer", topic: str, partition: int, offset: int, delivery_count: int,
                 timestamp: int, key: Optional[bytes], value: Optional[bytes],
                 headers: Tuple[Tuple[str, Optional[bytes]], ...]) -> None:
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.delivery_count = delivery_count
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
        self._owner: Optional[ShareConsumer] = owner
        self._decided = False

    def acknowledge(self, type: str = "accept") -> bool:
        """"accept", "release", "reject" or "renew" (restart the lock, still held; needs
        Kafka 4.2+). False when the record is no longer held (decided already, the consumer
        closed, or the broker took it back)."""
        if not isinstance(type, str):
            raise TypeError("type must be a str (accept, release, reject or renew)")
        if type not in ACK_TYPES:
            raise ValueError("type must be one of accept, release, reject, renew, not %r" % type)
        owner = self._owner
        if self._decided or owner is None or owner._native is None:
            return False
        if type != "renew":
            self._decided = True
        ok = bool(native_call(owner._native.ack, self.topic, self.partition, self.offset, ACK_TYPES[type]))
        if owner._driver is not None:
            owner._driver.poke()
        return ok

    def __repr__(self) -> str:
        return "ShareMessage(topic=%r, partition=%d, offset=%d, delivery_count=%d)" % (
            self.topic, self.partition, self.offset, self.delivery_count)


class ShareBatch(NamedTuple):
    """The records of one partition acquired by one fetch (each_batch)."""
    topic: str
    partition: int
    messages: List[ShareMessage]


class ShareConsumer:
    """``async with uvkafka.ShareConsumer("jobs", brokers=..., group_id="g") as s:
    await s.run(each_message=handle)``.

    ``topics``: a name or a list of names (no patterns: share groups have none). Other
    options: uvkafka's client keys and the share consumer's (``heartbeat_interval``,
    ``max_wait_time_in_ms``, ``min_bytes``, ``max_bytes``) in snake_case. run() returns once
    the member started; records are handled until close()."""

    def __init__(self, topics: Union[str, Sequence[str], None] = None, *, group_id: str,
                 brokers: Union[str, Sequence[str], None] = None, client: Optional[Client] = None,
                 config: Optional[Mapping[str, Any]] = None, **options: Any) -> None:
        if not isinstance(group_id, str):
            raise TypeError("group_id must be a non-empty str, not %s" % type(group_id).__name__)
        if not group_id:
            raise ValueError("group_id must be a non-empty str")
        if client is not None and not isinstance(client, Client):
            raise TypeError("client must be an uvkafka.Client")
        self._native: Any = None
        topics = _topic_list(topics, "topics", allow_none=True)
        self._own_client = client is None
        self.client = client if client is not None else Client(brokers, config=config, **options)
        cfg = dict(self.client.config)
        cfg["groupId"] = group_id
        if client is not None:
            from . import _convert
            cfg.update(_convert.config(options, config))
        self._native = native_call(_native.ShareConsumer, self.client._native, cfg)
        self.group_id = group_id
        self._driver: Any = None
        self._running = False
        self._closing: Optional["asyncio.Future[None]"] = None
        self._tasks: "set[asyncio.Future[Any]]" = set()
        self.error: Optional[BaseException] = None
        if topics:
            self.subscribe(topics)

    def _live(self) -> Any:
        if self._native is None or self._closing is not None:
            raise _errors.ClosedError("the share consumer is closed", -8, "UVK_ECLOSED")
        return self._native

    def subscribe(self, topics: Union[str, Sequence[str]]) -> None:
        """Adds topics (a name or a list of names) before run()."""
        h = self._live()
        for t in _topic_list(topics, "topics", allow_none=False):
            native_call(h.subscribe, t)

    async def run(self, each_message: Optional[Callable[[ShareMessage], Optional[Awaitable[None]]]] = None,
                  max_records: int = 500, *,
                  each_batch: Optional[Callable[[ShareBatch], Optional[Awaitable[None]]]] = None) -> None:
        """Joins the share group and hands each acquired record to each_message (or each
        fetch's records of a partition to each_batch; a coroutine function or a plain
        function) until close(). A record is held until its handler finishes: returning
        accepts it (unless it was acknowledged), raising releases it. Returns once started."""
        h = self._live()
        if (each_message is None) == (each_batch is None):
            raise ValueError("give exactly one of each_message and each_batch")
        if not callable(each_message if each_batch is None else each_batch):
            raise TypeError("%s must be callable" % ("each_message" if each_batch is None else "each_batch"))
        if not isinstance(max_records, int) or isinstance(max_records, bool):
            raise TypeError("max_records must be an int")
        if max_records < 1:
            raise ValueError("max_records must be >= 1")
        if self._running:
            raise RuntimeError("the share consumer is running already")
        d = self._driver = self.client._attach()
        fn = each_message

        def on_record(topic: str, partition: int, offset: int, delivery_count: int, timestamp: int,
                      key: Optional[bytes], value: Optional[bytes], headers: Any) -> int:
            m = ShareMessage(self, topic, partition, offset, delivery_count, timestamp, key, value, headers)
            try:
                r = fn(m)  # type: ignore[misc]
            except Exception:  # noqa: BLE001 - a handler's failure releases its record
                _log.warning("each_message raised: %r released", m, exc_info=True)
                return 0 if m._decided else ACK_TYPES["release"]
            if asyncio.iscoroutine(r) or isinstance(r, asyncio.Future):
                task = asyncio.ensure_future(r, loop=d.loop)
                self._tasks.add(task)
                task.add_done_callback(lambda t: self._finished(m, t))
                return int(_native.PENDING)
            return 0

        eb = each_batch

        def on_batch(topic: str, partition: int, records: List[Any]) -> int:
            ms = [ShareMessage(self, topic, partition, *r) for r in records]
            try:
                r = eb(ShareBatch(topic, partition, ms))  # type: ignore[misc]
            except Exception:  # noqa: BLE001 - a handler's failure releases its records
                _log.warning("each_batch raised: %d records of %s/%d released", len(ms), topic, partition,
                             exc_info=True)
                return ACK_TYPES["release"]
            if asyncio.iscoroutine(r) or isinstance(r, asyncio.Future):
                task = asyncio.ensure_future(r, loop=d.loop)
                self._tasks.add(task)
                task.add_done_callback(lambda t: self._finished_batch(ms, t))
                return int(_native.PENDING)
            return 0

        if eb is None:
            native_call(h.run, max_records, on_record, self._crashed)
        else:
            native_call(h.run, max_records, on_batch, self._crashed, True)
        self._running = True
        d.poke()

    def on_acknowledged(self, fn: Optional[Callable[[str, int, List[int], Optional[BaseException]], Any]]) -> None:
        """fn(topic, partition, offsets, error) when acknowledgements were answered (Java's
        AcknowledgementCommitCallback): error None when the broker took them, else the
        KafkaError (those records come again after their lock timeout). Runs inside the loop
        step; None removes it."""
        h = self._live()
        if fn is not None and not callable(fn):
            raise TypeError("on_acknowledged takes a callable or None")
        cb = fn

        def call(topic: str, partition: int, offsets: List[int], err: Any) -> None:
            if cb is not None:
                cb(topic, partition, offsets, None if err is None else _errors.from_native(err))
        native_call(h.set_ack_cb, None if fn is None else call)

    def _finished(self, m: ShareMessage, task: "asyncio.Future[Any]") -> None:
        self._tasks.discard(task)
        failed = task.cancelled() or task.exception() is not None
        if failed and not task.cancelled():
            _log.warning("each_message raised: %r released", m, exc_info=task.exception())
        if not m._decided:
            m.acknowledge("release" if failed else "accept")

    def _finished_batch(self, ms: List[ShareMessage], task: "asyncio.Future[Any]") -> None:
        self._tasks.discard(task)
        failed = task.cancelled() or task.exception() is not None
        if failed and not task.cancelled():
            _log.warning("each_batch raised: its undecided records released", exc_info=task.exception())
        for m in ms:
            if not m._decided:
                m.acknowledge("release" if failed else "accept")

    def _crashed(self, err: Any) -> None:
        self._running = False
        self.error = _errors.from_native(err)
        _log.error("the share consumer stopped: %s", self.error)

    @property
    def held(self) -> int:
        """Records delivered here and not yet decided."""
        return int(native_call(self._live().held))

    @property
    def member_id(self) -> str:
        return str(native_call(self._live().member_id))

    def assignment(self) -> List[Tuple[str, int]]:
        """The (topic, partition) pairs the broker assigned to this member now."""
        return list(native_call(self._live().assignment))

    async def close(self) -> None:
        """Releases every record still held (handlers still running can no longer decide
        theirs), sends the acknowledgements queued, leaves the group, closes the client made
        for it. A second close waits for the first."""
        if self._closing is not None:
            await self._closing
            return
        h = self._native
        if h is None:
            return
        loop = (self._driver or self.client._attach()).loop
        self._closing = loop.create_future()
        try:
            if self._running:
                fut: "asyncio.Future[None]" = loop.create_future()

                def done(err: Any) -> None:
                    if not fut.done():
                        if err is not None:
                            fut.set_exception(_errors.from_native(err))
                        else:
                            fut.set_result(None)
                native_call(h.shutdown, done)
                self.client._attach().poke()
                await fut
        finally:
            self._running = False
            self._native = None
            h.close()
            if self._own_client:
                self.client.close()
            self._closing.set_result(None)

    async def __aenter__(self) -> "ShareConsumer":
        self._driver = self.client._attach()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


def _topic_list(topics: Any, what: str, allow_none: bool) -> List[str]:
    if topics is None and allow_none:
        return []
    if isinstance(topics, str):
        topics = [topics]
    if not isinstance(topics, (list, tuple)) or not all(isinstance(t, str) for t in topics):
        raise TypeError("%s must be a str or a list of str, not %s" % (what, type(topics).__name__))
    if not topics or not all(topics):
        raise ValueError("%s must name at least one topic, each a non-empty str" % what)
    return list(topics)
