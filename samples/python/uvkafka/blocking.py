"""The blocking facade for scripts: the same Producer, Consumer and Admin, each call run to
completion on a private event loop. Not for use inside a running asyncio loop.

    with uvkafka.blocking.Producer("localhost:9092") as p:
        p.send("topic", b"value")
"""
import asyncio
from typing import Any, Iterator, Optional

from . import _admin, _consumer, _producer


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


class Admin(_Blocking):
    """uvkafka.Admin, blocking."""
    _cls = _admin.Admin
