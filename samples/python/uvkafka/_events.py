"""Instrumentation events (KafkaJS's instrumentation events): ``remove = x.on("request", fn)``
calls fn(Event) inside the client's loop step; names as uvk_event_name gives them
("connect", "disconnect", "request", "request_timeout", "request_queue_size", "group_join",
"heartbeat", "commit_offsets", "rebalancing", "crash", "stop", "fetch", "fetch_start",
"start_batch_process", "end_batch_process", "received_unsubscribed_topics") or KafkaJS's
("consumer.group_join", "network.request"...). A listener that raises does not stop the
others; its exception reaches the asyncio loop's exception handler."""
from typing import Any, Callable, Dict, NamedTuple, Optional

from ._client import native_call


class Event(NamedTuple):
    id: int
    type: str
    timestamp: int
    payload: Optional[Dict[str, Any]]


Listener = Callable[[Event], Any]

# The client's (network) events; the consumer's own are the others.
NETWORK = frozenset(("connect", "disconnect", "request", "request_timeout", "request_queue_size"))


def listen(native: Any, event: str, fn: Listener) -> Callable[[], bool]:
    """Adds fn on a native Client or Consumer; returns the remover (True if it removed it)."""
    if not callable(fn):
        raise TypeError("listener must be callable, not %s" % type(fn).__name__)

    def call(d: Dict[str, Any]) -> None:
        fn(Event(d["id"], d["type"], d["timestamp"], d["payload"]))

    lid = native_call(native.on, event, call)

    def remove() -> bool:
        return bool(not getattr(native, "closed", False) and native_call(native.off, lid))
    return remove

