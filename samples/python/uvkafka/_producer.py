"""Producer: send (awaiting the broker's acknowledgement), send_soon (a future, for many
sends in flight), send_batch, flush, transactions."""
import asyncio
import weakref
from functools import partial
from typing import Any, Callable, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from . import _errors
from ._client import Client, native_call
from . import _native

Value = Union[bytes, bytearray, memoryview, str, None]
Headers = Union[Mapping[str, Value], Sequence[Tuple[str, Value]], None]

COMPRESSION = {None: None, "none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}


class RecordMetadata(NamedTuple):
    """Where a sent message went: its topic, partition and offset (-1 with acks=0)."""
    topic: str
    partition: int
    offset: int


def _compression(c: Optional[str]) -> Optional[int]:
    try:
        return COMPRESSION[c]
    except (KeyError, TypeError):
        raise ValueError("compression must be one of none, gzip, snappy, lz4, zstd, not %r" % (c,)) from None


def _sent_many(fut: "asyncio.Future[List[RecordMetadata]]", err: Any, metas: List[Tuple[str, int, int, int]]) -> None:
    if fut.done():
        return
    if err is not None:
        fut.set_exception(_errors.from_native(err))
    else:
        fut.set_result([RecordMetadata(t, p, o) for t, p, _e, o in metas])


# send_soon() is native: it makes asyncio futures, RecordMetadata and KafkaErrors from C.
_native.soon_setup(asyncio.Future, RecordMetadata, _errors.from_native, _errors.raise_native)


def _done(fut: "asyncio.Future[None]", err: Any) -> None:
    if not fut.done():
        if err is not None:
            fut.set_exception(_errors.from_native(err))
        else:
            fut.set_result(None)


def _message(m: Any, i: int) -> Tuple[Value, Value, Headers, int, int]:
    """A send_batch / send_many entry: a dict (value, key, headers, partition, timestamp), or a value."""
    if isinstance(m, Mapping):
        unknown = set(m) - {"value", "key", "headers", "partition", "timestamp"}
        if unknown:
            raise ValueError("messages[%d]: unknown field(s) %s" % (i, ", ".join(sorted(unknown))))
        p, ts = m.get("partition"), m.get("timestamp")
        return (m.get("key"), m.get("value"), m.get("headers"), -1 if p is None else p, -1 if ts is None else ts)
    return (None, m, None, -1, -1)


def _waker(ref: "weakref.ReferenceType[Producer]") -> Any:
    def wake() -> None:
        p = ref()
        if p is not None:
            p._wake()
    return wake


def _messages(ms: Iterable[Any]) -> List[Tuple[Value, Value, Headers, int, int]]:
    """A send_many / send_batch list: plain bytes values take the short way."""
    out: List[Tuple[Value, Value, Headers, int, int]] = []
    add = out.append
    for i, m in enumerate(ms):
        add((None, m, None, -1, -1) if m.__class__ is bytes else _message(m, i))
    return out


class Producer:
    """``async with uvkafka.Producer(brokers, **options) as p: await p.send(topic, value)``.

    Options are uvkafka's producer and client keys in snake_case (``linger``, ``batch_size``,
    ``idempotent``, ``transactional_id``, ``client_id``...). ``client``: share the connections
    of an existing Client instead of opening new ones. ``acks`` (-1, 0, 1) and ``compression``
    (none, gzip, snappy, lz4, zstd) are the defaults of every send. ``partitioner``:
    fn(topic, partitions, key, value) -> a partition, or None for the configured partitioner
    (``partitioner="sticky"`` among the options picks that one); it runs while the library
    routes a send, so it may not call the producer or close it or its client (RuntimeError),
    and if it raises, the configured partitioner decides and the exception reaches the loop's
    exception handler."""

    def __init__(self, brokers: Union[str, Sequence[str], None] = None, *, client: Optional[Client] = None,
                 acks: int = -1, compression: Optional[str] = None, timeout_ms: Optional[int] = None,
                 partitioner: Union[str, Callable[[str, List[int], Optional[bytes], Optional[bytes]], Optional[int]], None] = None,
                 config: Optional[Mapping[str, Any]] = None, **options: Any) -> None:
        self._own_client = client is None
        if isinstance(partitioner, str):  # "default" / "sticky": the library's configuration key
            options["partitioner"], partitioner = partitioner, None
        if partitioner is not None and not callable(partitioner):
            raise TypeError("partitioner must be callable or a name, not %s" % type(partitioner).__name__)
        self.client = client if client is not None else Client(brokers, config=config, **options)
        if acks not in (-1, 0, 1):
            raise ValueError("acks must be -1, 0 or 1, not %r" % (acks,))
        self._acks = acks
        self._compression = _compression(compression)
        self._timeout = timeout_ms
        self._native = native_call(_native.Producer, self.client._native, self.client.config)
        # produce() hands a turn's messages over in slices of at most this many payload bytes,
        # so that a slice always fits in the library's buffer (bufferMemory) once it drains.
        self._slice = max(1, min(512 << 10, int(self.client.config.get("bufferMemory", 33554432)) // 4))
        if partitioner is not None:
            self._native.set_partitioner(partitioner)
        self._driver: Any = None
        self._closed = False
        # produce() is the native method itself (no Python frame per message); the native
        # producer calls the waker on a turn's first message (a weak reference: no cycle
        # through the native object, which the garbage collector cannot see into).
        self.produce = self._native.produce  # type: ignore[method-assign]
        self._native.set_wake(_waker(weakref.ref(self)))

    async def start(self) -> None:
        """Binds the producer to the running loop (sends do it too)."""
        self._drv()

    def _drv(self) -> Any:
        d = self._driver
        if d is None:
            d = self._driver = self.client._attach()
            d.before_step.append(self._hand_over)
            native_call(self._native.soon_options, d.loop, self._acks, self._compression, self._timeout)
            # From now on send_soon is the native method itself (no Python frame per message).
            self.send_soon = self._native.send_soon  # type: ignore[method-assign]
        return d

    def produce(self, topic: str, value: Value = None, *, key: Value = None, headers: Headers = None,
                partition: Optional[int] = None, timestamp: Optional[int] = None) -> None:
        """Fire and forget, for throughput: the message joins the others produced in this loop
        iteration and they go to the library as one send, without copies (bytes and str are
        kept as they are; other buffers are copied now). The first failure is raised by the
        next flush() (or stop()). Bad arguments raise TypeError / ValueError here. Use send() /
        send_soon() for per-message metadata. (The instance's produce is the native method.)"""
        self._native.produce(topic, value, key=key, headers=headers, partition=partition, timestamp=timestamp)

    def _wake(self) -> None:
        (self._driver or self._drv()).poke()

    def _hand_over(self) -> None:
        if not self._closed:
            self._native.hand_over(self._acks, self._compression, self._timeout, self._slice)

    async def _send_queued(self) -> None:
        """Hands over, then, while produce() messages wait for the library's memory (a burst
        bigger than bufferMemory), waits for what is in flight and hands over again."""
        self._hand_over()
        while not self._closed and self._native.queued():
            await self._op(self._native.flush)
            self._hand_over()

    def _raise_produced(self) -> None:
        e = self._native.take_error()
        if e is not None:
            raise _errors.from_native(e)

    def send_soon(self, topic: str, value: Value = None, *, key: Value = None, headers: Headers = None,
                  partition: Optional[int] = None, timestamp: Optional[int] = None) -> "asyncio.Future[RecordMetadata]":
        """Queues one message and returns a future of its RecordMetadata. Bad arguments raise
        TypeError / ValueError here, before anything is sent. (Once the producer is attached
        to its loop, the instance's send_soon is the native method: bytes and str payloads are
        lent to the library, other buffers copied at the call.)"""
        self._drv()
        return self._native.send_soon(topic, value, key=key, headers=headers,  # type: ignore[no-any-return]
                                      partition=partition, timestamp=timestamp)

    async def send(self, topic: str, value: Value = None, *, key: Value = None, headers: Headers = None,
                   partition: Optional[int] = None, timestamp: Optional[int] = None) -> RecordMetadata:
        """Sends one message; returns where it went once the broker acknowledged it."""
        return await self.send_soon(topic, value, key=key, headers=headers, partition=partition, timestamp=timestamp)

    async def send_many(self, topic: str, messages: Iterable[Any], *, acks: Optional[int] = None,
                        compression: Optional[str] = None) -> List[RecordMetadata]:
        """Sends messages to one topic in one call: each a value or a dict with value, key,
        headers, partition, timestamp. Returns one RecordMetadata per partition written."""
        d = self._drv()
        msgs = _messages(messages)
        fut = d.loop.create_future()
        native_call(self._native.send_many, partial(_sent_many, fut), topic, msgs,
                    self._acks if acks is None else acks,
                    self._compression if compression is None else _compression(compression), self._timeout)
        d.poke()
        return await fut

    async def send_batch(self, topic_messages: Union[Mapping[str, Iterable[Any]], Iterable[Tuple[str, Iterable[Any]]]],
                         *, acks: Optional[int] = None, compression: Optional[str] = None) -> List[RecordMetadata]:
        """KafkaJS's sendBatch: {topic: [messages]} (or (topic, messages) pairs) in one call."""
        d = self._drv()
        items = topic_messages.items() if isinstance(topic_messages, Mapping) else topic_messages
        batch = [(t, _messages(ms)) for t, ms in items]
        fut = d.loop.create_future()
        native_call(self._native.send_batch, partial(_sent_many, fut), batch,
                    self._acks if acks is None else acks,
                    self._compression if compression is None else _compression(compression), self._timeout)
        d.poke()
        return await fut

    async def _op(self, fn: Any, *args: Any) -> None:
        d = self._drv()
        fut = d.loop.create_future()
        native_call(fn, partial(_done, fut), *args)
        d.poke()
        await fut

    async def flush(self) -> None:
        """Sends what linger holds back; returns once every earlier send completed. Raises the
        first failure of produce() since the last flush."""
        await self._send_queued()
        await self._op(self._native.flush)
        self._raise_produced()

    def transaction(self) -> "Transaction":
        """``async with producer.transaction():`` sends inside belong to one transaction,
        committed when the block ends, aborted when it raises (the exception goes on)."""
        return Transaction(self)

    async def send_offsets(self, group_id: str, offsets: Iterable[Tuple[str, int, int]]) -> None:
        """Inside a transaction: commits a consumer group's offsets (topic, partition, next
        offset) with it (consume-transform-produce)."""
        await self._op(self._native.send_offsets, group_id, list(offsets))

    async def stop(self) -> None:
        """Flushes, waits for every send, then closes the producer (and its own client)."""
        if self._closed:
            return
        try:
            await self._send_queued()
            await self._op(self._native.disconnect)
            self._raise_produced()
        finally:
            self.close()

    def on(self, event: str, fn: Any) -> Any:
        """Network events of this producer's client (connect, disconnect, request,
        request_timeout, request_queue_size): see Client.on. Returns the remover."""
        return self.client.on(event, fn)

    def close(self) -> None:
        """Closes at once: pending sends fail with ClosedError. Closing twice does nothing.
        Refused (RuntimeError) from inside a partitioner."""
        if _native.partitioning():
            raise RuntimeError("not from inside a partitioner or an assigner")
        self._closed = True
        self._native.close()
        if self._own_client:
            self.client.close()

    async def __aenter__(self) -> "Producer":
        await self.start()
        return self

    async def __aexit__(self, et: Any, e: Any, tb: Any) -> None:
        if et is None:
            await self.stop()
        else:
            self.close()


class Transaction:
    """The context manager of Producer.transaction()."""

    def __init__(self, producer: Producer) -> None:
        self.producer = producer

    async def __aenter__(self) -> "Transaction":
        self.producer._drv()
        native_call(self.producer._native.begin_transaction)
        return self

    async def send_offsets(self, group_id: str, offsets: Iterable[Tuple[str, int, int]]) -> None:
        await self.producer.send_offsets(group_id, offsets)

    async def __aexit__(self, et: Any, e: Any, tb: Any) -> None:
        if et is None:
            await self.producer._send_queued()  # produce() calls of this turn belong to it
            await self.producer._op(self.producer._native.commit_transaction)
        else:
            self.producer._native.drop_unsent()  # never sent: they would be aborted anyway
            await self.producer._op(self.producer._native.abort_transaction)
