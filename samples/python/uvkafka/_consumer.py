"""Consumer: a group member. ``async for msg in consumer`` or ``await consumer.run(
each_message=..., each_batch=...)``; handlers may be coroutines: the partition waits for
them (other partitions and heartbeats go on) and an exception stops the run and is raised."""
import asyncio
import inspect
from collections import deque
from typing import (Any, AsyncIterator, Awaitable, Callable, Deque, Dict, Iterable, List, Mapping,
                    NamedTuple, Optional, Sequence, Tuple, Union)

from . import _errors, _native
from ._client import Client, native_call

Message = _native.Message
Messages = _native.Messages
PENDING = _native.PENDING


class Batch(NamedTuple):
    """The messages of one fetch of one partition (each_batch): ``messages`` is a read-only
    sequence (uvkafka.Messages) whose Message objects are made as they are read."""
    topic: str
    partition: int
    high_watermark: int
    messages: Sequence[Message]


def _done(fut: "asyncio.Future[None]", err: Any) -> None:
    if not fut.done():
        if err is not None:
            fut.set_exception(_errors.from_native(err))
        else:
            fut.set_result(None)


class AssignerMember(NamedTuple):
    """A group member as a custom assigner sees it (its ConsumerProtocol metadata)."""
    member_id: str
    version: int
    topics: List[str]
    user_data: Optional[bytes]


class Assigner(NamedTuple):
    """A custom partition assigner (KafkaJS's assigner): ``assign(members, topics)`` gets
    [AssignerMember] and {topic: number of partitions} and returns {member_id: [(topic,
    partition)]}; members left out get nothing. It runs on the group leader, inside a loop
    step; if it raises or answers badly, that join fails and is retried (the exception goes
    to the loop's exception handler). ``user_data`` goes to every member's metadata."""
    name: str
    assign: Callable[[List[AssignerMember], Dict[str, int]], Mapping[str, Sequence[Tuple[str, int]]]]
    version: int = 0
    user_data: Optional[bytes] = None


def _assign_call(fn: Any) -> Any:
    def call(members: List[Any], topics: Dict[str, int]) -> Any:
        return fn([AssignerMember(*m) for m in members], topics)
    return call


class Consumer:
    """``async with uvkafka.Consumer("topic", brokers=..., group_id="g") as c: async for m in c``.

    ``topics``: a name or a list of names; ``pattern``: a regular expression (topics created
    later that match are picked up). ``from_beginning``: where a group without committed offsets
    starts. ``auto_commit`` (default on) commits processed messages, every
    ``auto_commit_interval_ms`` / ``auto_commit_threshold`` messages, or each batch when neither
    is set. Other options: uvkafka's consumer and client keys in snake_case (``session_timeout``,
    ``heartbeat_interval``, ``partition_assigners``, ``read_uncommitted``, ``max_wait_time_in_ms``...).
    ``assigners``: custom assigners (uvkafka.Assigner), preferred over partition_assigners."""

    def __init__(self, topics: Union[str, Sequence[str], None] = None, *, group_id: str,
                 brokers: Union[str, Sequence[str], None] = None, client: Optional[Client] = None,
                 pattern: Optional[str] = None, from_beginning: bool = False, auto_commit: bool = True,
                 auto_commit_interval_ms: Optional[int] = None, auto_commit_threshold: Optional[int] = None,
                 assigners: Sequence["Assigner"] = (), config: Optional[Mapping[str, Any]] = None,
                 **options: Any) -> None:
        if isinstance(topics, str):
            topics = [topics]
        elif topics is None:
            topics = []
        elif not isinstance(topics, (list, tuple)) or not all(isinstance(t, str) for t in topics):
            raise TypeError("topics must be a str or a list of str, not %s" % type(topics).__name__)
        if not isinstance(group_id, str) or not group_id:
            raise TypeError("group_id must be a non-empty str") if not isinstance(group_id, str) \
                else ValueError("group_id must be a non-empty str")
        for name, v in (("auto_commit_interval_ms", auto_commit_interval_ms),
                        ("auto_commit_threshold", auto_commit_threshold)):
            if v is not None and (not isinstance(v, int) or isinstance(v, bool)):
                raise TypeError("%s must be an int" % name)
            if v is not None and v <= 0:
                raise ValueError("%s must be > 0" % name)
        self._own_client = client is None
        options["group_id"] = group_id
        self.client = client if client is not None else Client(brokers, config=config, **options)
        cfg = dict(self.client.config)
        cfg["groupId"] = group_id
        if client is not None:
            from . import _convert
            cfg.update(_convert.config(options, config))
        for i, a in enumerate(assigners):
            if not isinstance(a, Assigner):
                raise TypeError("assigners[%d] must be an uvkafka.Assigner" % i)
            if not callable(a.assign):
                raise TypeError("assigners[%d].assign must be callable" % i)
        self._native = native_call(_native.Consumer, self.client._native, cfg)
        for a in assigners:
            native_call(self._native.add_assigner, a.name, a.version, a.user_data, _assign_call(a.assign))
        self.group_id = group_id
        self._auto = (bool(auto_commit), auto_commit_interval_ms or -1, auto_commit_threshold or -1)
        self._driver: Any = None
        self._running = False
        self._stopping: Optional["asyncio.Future[None]"] = None
        self._failure: Optional[BaseException] = None
        self._wake: Optional["asyncio.Future[None]"] = None
        self._batches: Deque[Tuple[str, int, Messages]] = deque()
        # `async for`: the batch in hand (it.current, a (topic, partition, Messages)) and the
        # next message of it (it.index); the walker hands those out from C, and calls
        # _anext_slow when the batch is through.
        self._it = _native.Walker(self._anext_slow)
        # Next offset after the batches `async for` walked to their end, per (topic, partition).
        self._walked: Dict[Tuple[str, int], int] = {}
        self._tasks: "set[asyncio.Future[Any]]" = set()
        for t in topics:
            self.subscribe(t, from_beginning=from_beginning)
        if pattern is not None:
            self.subscribe(pattern=pattern, from_beginning=from_beginning)

    def subscribe(self, topic: Optional[str] = None, *, pattern: Optional[str] = None,
                  from_beginning: bool = False) -> None:
        """Adds a topic (or a pattern) before the consumer starts."""
        if (topic is None) == (pattern is None):
            raise ValueError("give exactly one of topic and pattern")
        native_call(self._native.subscribe, topic if pattern is None else pattern, bool(from_beginning),
                    pattern is not None)

    # ---- running ---------------------------------------------------------------------------
    def _start(self, each_message: Any, each_batch: Any, auto_resolve: bool = True, later: Any = None) -> None:
        if self._running:
            raise RuntimeError("the consumer is running already")
        d = self._driver = self.client._attach()
        d.on_error(self._fail)
        native_call(self._native.run, each_message, each_batch, self._auto[0], self._auto[1], self._auto[2],
                    auto_resolve, later)
        self._running = True
        d.poke()

    def _fail(self, e: BaseException) -> None:
        if self._failure is None:
            self._failure = e
        self._wakeup()

    def _wakeup(self) -> None:
        w = self._wake
        if w is not None and not w.done():
            w.set_result(None)

    def _task_done(self, topic: str, partition: int, task: "asyncio.Future[Any]") -> None:
        self._tasks.discard(task)
        if task.cancelled():
            result = -1
            self._fail(asyncio.CancelledError())
        elif task.exception() is not None:
            result = -1
            self._fail(task.exception())  # type: ignore[arg-type]
        else:
            result = 0
        if self._native is not None and self._native.is_running():
            self._native.done(topic, partition, result)
            self._driver.poke()

    def _call(self, fn: Callable[..., Any], topic: str, partition: int, *args: Any) -> int:
        r = fn(*args)
        return 0 if r is None else self._later(r, topic, partition)

    def _later(self, r: Any, topic: str, partition: int) -> int:
        """A handler's result that is not None: a coroutine or future makes the partition wait."""
        if asyncio.iscoroutine(r) or isinstance(r, asyncio.Future):
            task = asyncio.ensure_future(r, loop=self._driver.loop)
            self._tasks.add(task)
            task.add_done_callback(lambda t: self._task_done(topic, partition, t))
            return PENDING
        return 0

    async def run(self, each_message: Optional[Callable[[Any], Optional[Awaitable[None]]]] = None,
                  each_batch: Optional[Callable[[Batch], Optional[Awaitable[None]]]] = None) -> None:
        """Joins the group and hands messages to the handler until stop(). A handler that
        raises stops the consumer; run() then raises its exception."""
        if (each_message is None) == (each_batch is None):
            raise ValueError("give exactly one of each_message and each_batch")
        for name, fn in (("each_message", each_message), ("each_batch", each_batch)):
            if fn is not None and not callable(fn):
                raise TypeError("%s must be callable" % name)
        if each_message is not None and inspect.iscoroutinefunction(each_message):
            # A coroutine per message: one task walks the batch (a pending message would make
            # the library fetch again after each one); processed messages are resolved as it goes.
            em_async = each_message
            native = self._native

            async def walk(topic: str, partition: int, messages: Sequence[Message]) -> None:
                for m in messages:
                    if native.is_stale(topic, partition):
                        return
                    await em_async(m)
                    native.resolve_offset(topic, partition, m.offset)

            def on_batch_walk(topic: str, partition: int, hw: int, messages: Sequence[Message]) -> int:
                return self._call(walk, topic, partition, topic, partition, messages)
            self._start(None, on_batch_walk)
        elif each_message is not None:
            # Called from C: a result that is not None goes to _later (a future makes the
            # partition wait), so a plain handler costs one call per message.
            self._start(each_message, None, later=self._later)
        else:
            eb = each_batch

            def on_batch(topic: str, partition: int, hw: int, messages: Sequence[Message]) -> int:
                return self._call(eb, topic, partition, Batch(topic, partition, hw, messages))  # type: ignore[arg-type]
            self._start(None, on_batch)
        await self._wait_until_stopped()

    async def _wait_until_stopped(self) -> None:
        loop = self._driver.loop
        try:
            while self._running and self._failure is None:
                wake = self._wake = loop.create_future()
                await wake
        except asyncio.CancelledError:
            await self.stop()
            raise
        if self._failure is not None:
            e, self._failure = self._failure, None
            await self.stop()
            raise e

    # ---- async for -------------------------------------------------------------------------
    def _on_batch(self, topic: str, partition: int, hw: int, messages: Messages) -> int:
        if not messages:
            return 0
        self._batches.append((topic, partition, messages))
        self._wakeup()
        return PENDING  # resolved when the iterator asks for the message after the last one

    def __aiter__(self) -> AsyncIterator[Message]:
        return self._it  # type: ignore[no-any-return]

    def __anext__(self) -> Awaitable[Message]:
        return self._it.__anext__()  # type: ignore[no-any-return]

    async def _anext_slow(self) -> Message:
        it = self._it
        if not self._running:
            if self._stopping is not None:
                raise StopAsyncIteration
            self._start(None, self._on_batch)
        while True:
            cur = it.current
            if cur is not None:
                if it.index < len(cur[2]):
                    m = cur[2][it.index]
                    it.index += 1
                    return m  # type: ignore[no-any-return]
                it.current = None
                self._walked[cur[0], cur[1]] = cur[2][-1].offset + 1
                if self._native.is_running():
                    self._native.done(cur[0], cur[1], 0)
                    self._driver.poke()
            if self._batches:
                it.current = self._batches.popleft()
                it.index = 0
                continue
            if self._failure is not None:
                e, self._failure = self._failure, None
                raise e
            if not self._running:
                raise StopAsyncIteration
            wake = self._wake = self._driver.loop.create_future()
            await wake

    async def getmany(self, max_records: int = 10000) -> List[Message]:
        """The messages buffered now (waiting for at least one), up to max_records."""
        out = [await self.__anext__()]
        it = self._it
        while len(out) < max_records and it.current is not None and it.index < len(it.current[2]):
            take = it.current[2][it.index:it.index + max_records - len(out)]
            it.index += len(take)
            out.extend(take)
        return out

    # ---- control ---------------------------------------------------------------------------
    def pause(self, topic: str, partitions: Optional[Iterable[int]] = None) -> None:
        """Stops fetching the topic (or those partitions of it); kept across rebalances."""
        native_call(self._native.pause, topic, None if partitions is None else list(partitions))

    def resume(self, topic: str, partitions: Optional[Iterable[int]] = None) -> None:
        native_call(self._native.resume, topic, None if partitions is None else list(partitions))
        if self._driver is not None:
            self._driver.poke()

    def paused(self, topic: str, partition: int) -> bool:
        return bool(native_call(self._native.is_paused, topic, partition))

    def seek(self, topic: str, partition: int, offset: int) -> None:
        """The next fetch of the partition starts at offset (-2 earliest, -1 latest); batches in
        flight for it are dropped."""
        if self._it.current is not None and self._it.current[:2] == (topic, partition):
            self._it.current = None
        self._batches = deque(b for b in self._batches if b[:2] != (topic, partition))
        self._walked.pop((topic, partition), None)
        native_call(self._native.seek, topic, partition, offset)
        native_call(self._native.done, topic, partition, 0)  # the dropped batch's wait ends
        if self._driver is not None:
            self._driver.poke()

    async def commit(self, offsets: Optional[Iterable[Union[Tuple[str, int, int],
                                                         Tuple[str, int, int, Optional[str]]]]] = None) -> None:
        """Commits (topic, partition, next offset) entries; without offsets, the position
        after each message handed out so far. A fourth item is the metadata stored with the
        offset (str or None; Admin.fetch_offsets reads it back): over 32767 UTF-8 bytes it is
        a ValueError at once, over the broker's offset.metadata.max.bytes (4096 by default)
        a BrokerError named OFFSET_METADATA_TOO_LARGE."""
        if offsets is None:
            offsets = self._handed_out()
        d = self._driver or self.client._attach()
        fut = d.loop.create_future()
        native_call(self._native.commit, lambda err: _done(fut, err), list(offsets))
        d.poke()
        await fut

    def _handed_out(self) -> List[Tuple[str, int, int]]:
        taken = dict(self._walked)
        cur = self._it.current
        if cur is not None and self._it.index > 0:
            taken[cur[0], cur[1]] = cur[2][self._it.index - 1].offset + 1
        return [(t, p, o) for (t, p), o in taken.items()]

    def _resolve_taken(self, include_last: bool) -> None:
        # The batch `async for` is in the middle of waits for its end: resolve the messages
        # taken from it, so leaving the loop commits them (the walked batches are resolved).
        cur, k = self._it.current, self._it.index - (0 if include_last else 1)
        if cur is not None and k > 0 and self._native is not None and self._native.is_running():
            self._native.resolve_offset(cur[0], cur[1], cur[2][k - 1].offset)

    def assignment(self) -> List[Tuple[str, int]]:
        """The (topic, partition) pairs assigned to this member now."""
        return list(native_call(self._native.assignment))

    def position(self, topic: str, partition: int) -> Tuple[int, int]:
        """(next offset to fetch, high watermark of the latest fetch); -1 until known."""
        return native_call(self._native.position, topic, partition)

    @property
    def member_id(self) -> str:
        return native_call(self._native.member_id)

    async def stop(self) -> None:
        """Stops fetching, commits what was processed (with `async for`: every message taken
        so far), leaves the group. A second stop waits for the first."""
        await self._stop(True)

    async def _stop(self, include_last: bool) -> None:
        if self._stopping is not None:
            await self._stopping
            return
        loop = (self._driver or self.client._attach()).loop
        self._stopping = loop.create_future()
        try:
            # Handlers still running finish first, so what they processed is committed.
            me = asyncio.current_task()
            running = [t for t in self._tasks if t is not me]
            if running:
                await asyncio.wait(running)
            self._resolve_taken(include_last)
            self._it.current = None  # nothing more is handed out
            if self._native is not None and self._native.is_running():
                fut = loop.create_future()
                native_call(self._native.stop, lambda err: _done(fut, err))
                self._driver.poke()
                await fut
        finally:
            self._running = False
            self._wakeup()
            self._stopping.set_result(None)

    def on(self, event: str, fn: Any) -> Any:
        """Adds an instrumentation listener: consumer events (group_join, heartbeat,
        commit_offsets, rebalancing, crash, stop, fetch, fetch_start, start_batch_process,
        end_batch_process, received_unsubscribed_topics) and the client's network events.
        fn(uvkafka.Event) runs inside the loop step. Returns a function that removes it."""
        from ._events import NETWORK, listen
        if isinstance(event, str) and event.rsplit(".", 1)[-1] in NETWORK:
            return self.client.on(event, fn)
        return listen(self._native, event, fn)

    def close(self) -> None:
        """Closes at once, without leaving the group. Closing twice does nothing. Refused
        (RuntimeError) from inside a partitioner or an assigner."""
        if _native.partitioning():
            raise RuntimeError("not from inside a partitioner or an assigner")
        self._running = False
        self._it.current = None
        if self._native is not None:
            self._native.close()
        if self._own_client:
            self.client.close()
        self._wakeup()

    async def start(self) -> None:
        self._driver = self.client._attach()

    async def __aenter__(self) -> "Consumer":
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        try:
            await self._stop(exc[0] is None)  # the message whose loop body raised was not processed
        finally:
            self.close()
