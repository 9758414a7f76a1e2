"""The blocking facade for scripts: the same Producer, Consumer and Admin, each call run to
completion on a private event loop. Not for use inside a running asyncio loop.

    with uvkafka.blocking.Producer("localhost:9092") as p:
        p.send("topic", b"value")
"""
import asyncio
from typing import Any, Iterator, Optional

from . import _admin, _consumer, _producer, _share


class _Blocking:
    _cls: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._inner = self._cls(*args, **kwargs)
        self._run(self._inner.start() if hasattr(self._inner, "start") else asyncio.sleep(0))

    def _run(self, coro: Any) -> Any:
        if self._loop.is_closed():
            raise RuntimeError("closed")
        return self._loop.run_until_complete(coro)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            r = attr(*args, **kwargs)
            return self._run(r) if asyncio.iscoroutine(r) else r
        return call

    def close(self) -> None:
        if self._loop.is_closed():
            return
        stop = getattr(self._inner, "stop", None)
        try:
            if stop is not None:
                self._run(stop())
        finally:
            self._inner.close()
            self._loop.run_until_complete(asyncio.sleep(0))
            self._loop.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Producer(_Blocking):
    """uvkafka.Producer, blocking: send() returns the RecordMetadata."""
    _cls = _producer.Producer

    def transaction(self) -> Any:
        inner = self._inner.transaction()
        run = self._run

        class _Tx:
            def __enter__(self) -> Any:
                run(inner.__aenter__())
                return self

            def __exit__(self, et: Any, e: Any, tb: Any) -> None:
                run(inner.__aexit__(et, e, tb))
        return _Tx()


class Consumer(_Blocking):
    """uvkafka.Consumer, blocking: iterate it, or poll(timeout) for the next message."""
    _cls = _consumer.Consumer

    def poll(self, timeout: Optional[float] = None) -> Any:
        """The next message, or None after timeout seconds."""
        try:
            return self._run(asyncio.wait_for(self._inner.__anext__(), timeout))
        except asyncio.TimeoutError:
            return None

    def __iter__(self) -> Iterator[Any]:
        while True:
            try:
                yield self._run(self._inner.__anext__())
            except StopAsyncIteration:
                return


class ShareConsumer(_Blocking):
    """uvkafka.ShareConsumer, blocking: poll(timeout) or iterate. The record handed out is held
    until the next one is asked for, then accepted unless message.acknowledge() decided it;
    close() accepts the last one and releases the records fetched but not handed out."""
    _cls = _share.ShareConsumer

    def __init__(self, *args: Any, max_records: int = 500, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._max_records = max_records
        self._queue: Optional["asyncio.Queue[Any]"] = None
        self._last: Any = None  # (message, its decision future, its handler task)

    def _start(self) -> "asyncio.Queue[Any]":
        async def make() -> "asyncio.Queue[Any]":
            return asyncio.Queue()  # made on the private loop
        q = self._run(make())

        async def each_message(m: Any) -> None:
            fut = asyncio.get_running_loop().create_future()
            q.put_nowait((m, fut, asyncio.current_task()))
            await fut  # held until the facade asks for the next record
        self._run(self._inner.run(each_message=each_message, max_records=self._max_records))
        self._queue = q
        return q

    def _finish_last(self) -> None:
        last, self._last = self._last, None
        if last is not None:
            if not last[1].done():
                last[1].set_result(None)
            self._run(asyncio.wait([last[2]]))  # its handler ends: accepted unless decided

    def poll(self, timeout: Optional[float] = None) -> Any:
        """The next record (a ShareMessage), or None after timeout seconds; the previous one
        is accepted first (unless it was acknowledged)."""
        if self._loop.is_closed():
            raise RuntimeError("closed")
        q = self._queue or self._start()
        self._finish_last()
        if self._inner.error is not None:
            raise self._inner.error
        try:
            self._last = self._run(asyncio.wait_for(q.get(), timeout))
        except asyncio.TimeoutError:
            return None
        return self._last[0]

    def __iter__(self) -> Iterator[Any]:
        while True:
            yield self.poll()

    def close(self) -> None:
        if self._loop.is_closed():
            return
        try:
            self._finish_last()
            waiting = []
            while self._queue is not None and not self._queue.empty():
                _m, fut, task = self._queue.get_nowait()
                fut.cancel()  # its handler raises: the record is released
                waiting.append(task)
            if waiting:
                self._run(asyncio.wait(waiting))
            self._run(self._inner.close())
        finally:
            self._loop.run_until_complete(asyncio.sleep(0))
            self._loop.close()


class Admin(_Blocking):
    """uvkafka.Admin, blocking."""
    _cls = _admin.Admin
