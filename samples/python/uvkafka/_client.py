"""Client: broker connections and metadata on one libuv loop, shared by the producers,
consumers and admins made from it, all driven by the asyncio loop that first uses it."""
import asyncio
import json
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Union

from . import _convert, _errors, _native
from ._driver import Driver


def native_call(fn: Any, *args: Any) -> Any:
    """Calls into _native; a refused call becomes its KafkaError."""
    try:
        return fn(*args)
    except _native.NativeError as e:
        raise _errors.raise_native(e) from None


class Client:
    """A uvkafka client. ``brokers`` is ``"host:port,host:port"`` or a list; the other keyword
    options are uvkafka's configuration keys in snake_case (``client_id``, ``request_timeout``,
    ``retry={"retries": 8}``, ``ssl=True``, ``sasl={...}``, ``log_level="WARN"``) and ``config``
    takes keys as docs/configuration.md spells them. ``stats_cb(json_str)`` gets a statistics
    document every ``statistics_interval_ms`` (librdkafka's names; ``json.loads`` it), inside
    the loop step; ``stats()`` reads the current one."""

    def __init__(self, brokers: Union[str, Sequence[str], None] = None, *,
                 config: Optional[Mapping[str, Any]] = None, stats_cb: Optional[Callable[[str], Any]] = None,
                 **options: Any) -> None:
        if brokers is not None:
            if not isinstance(brokers, (str, list, tuple)):
                raise TypeError("brokers must be a str or a list of str, not %s" % type(brokers).__name__)
            options["brokers"] = brokers
        options.setdefault("log_level", "WARN")
        self.config = _convert.config(options, config)
        if stats_cb is not None and not callable(stats_cb):
            raise TypeError("stats_cb must be callable")
        self._native = native_call(_native.Client, self.config, stats_cb)
        self._driver: Optional[Driver] = None

    def _attach(self) -> Driver:
        """The driver on the running asyncio loop (made on first use)."""
        loop = asyncio.get_running_loop()
        d = self._driver
        if d is None:
            if self._native.closed:
                raise _errors.ClosedError("the client is closed", -8, "UVK_ECLOSED")
            d = self._driver = Driver(self._native, loop)
        elif d.loop is not loop:
            raise RuntimeError("a uvkafka client serves the event loop that first used it")
        return d

    def on(self, event: str, fn: Any) -> Any:
        """Adds an instrumentation listener for a network event (connect, disconnect,
        request, request_timeout, request_queue_size): fn(uvkafka.Event) inside the loop
        step. Returns a function that removes it."""
        from ._events import listen
        return listen(self._native, event, fn)

    def stats(self) -> Dict[str, Any]:
        """The statistics document now (the same JSON stats_cb gets), parsed."""
        return json.loads(native_call(self._native.stats_json))  # type: ignore[no-any-return]

    @property
    def closed(self) -> bool:
        return bool(self._native.closed)

    def close(self) -> None:
        """Closes every producer, consumer and admin made from this client, then the client.
        Pending calls fail with ClosedError. Closing twice does nothing. Refused (RuntimeError)
        from inside a partitioner, before anything is closed."""
        if _native.partitioning():
            raise RuntimeError("not from inside a partitioner or an assigner")
        if self._driver is not None:
            self._driver.close()
        self._native.close()

    async def __aenter__(self) -> "Client":
        self._attach()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()
