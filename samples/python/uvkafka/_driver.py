"""Drives a native client's libuv loop from an asyncio loop (the default one or uvloop):
the loop's epoll descriptor is watched for reads, its next timer is an asyncio timer, and
every call into the library pokes one step soon after (a call may arm a timer or queue
bytes; one step then serves every call made meanwhile)."""
import asyncio
from typing import Callable, List, Optional

from . import _native


class Driver:
    __slots__ = ("native", "loop", "_fd", "_timer", "_due", "_poked", "_closed", "errors", "_listeners", "before_step")

    def __init__(self, native: _native.Client, loop: asyncio.AbstractEventLoop) -> None:
        self.native = native
        self.loop = loop
        self._fd = native.fileno()
        self._timer: Optional[asyncio.TimerHandle] = None
        self._due = -1.0
        self._poked = False
        self._closed = False
        self.errors: List[BaseException] = []
        self._listeners: List[Callable[[BaseException], None]] = []
        # Called before each step: producers hand over what produce() collected meanwhile.
        self.before_step: List[Callable[[], None]] = []
        loop.add_reader(self._fd, self._tick)
        self.poke()

    def on_error(self, fn: Callable[[BaseException], None]) -> None:
        """fn(exc) for an exception a library callback raised (kept and re-raised by step())."""
        self._listeners.append(fn)

    def poke(self) -> None:
        if not self._poked and not self._closed:
            self._poked = True
            self.loop.call_soon(self._tick)

    def _on_timer(self) -> None:
        # This timer has fired (uvloop may fire it a little before its due time): forget it.
        self._timer = None
        self._tick()

    def _tick(self) -> None:
        self._poked = False
        if self._closed:
            return
        try:
            for fn in self.before_step:
                fn()
            self.native.step()
        except BaseException as e:  # noqa: BLE001 - handed to the handle that waits for it
            self.errors.append(e)
            for listener in list(self._listeners):
                listener(e)
            if not self._listeners:
                self.loop.call_exception_handler({"message": "uvkafka callback raised", "exception": e})
        if self._closed or self.native.closed:
            return
        t = self.native.timeout_ms()
        if t < 0:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            return
        due = self.loop.time() + t / 1000.0
        # Keep the armed timer when it fires no later than needed (saves a handle per tick).
        if self._timer is not None and self._due <= due + 0.0005:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._due = due
        self._timer = self.loop.call_at(due, self._on_timer)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        try:
            self.loop.remove_reader(self._fd)
        except Exception:  # noqa: BLE001 - the loop may be closed already
            pass
