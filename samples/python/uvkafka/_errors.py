"""The KafkaError hierarchy. Every failure the library reports is a KafkaError with
uvkafka's code (a negative UVK_E* value) and name, whether it is worth retrying, and for
broker errors Kafka's error code and name and the broker's message."""
from typing import Optional, Tuple

from . import _native

__all__ = [
    "KafkaError", "KafkaConnectionError", "KafkaTimeoutError", "AuthenticationError", "BrokerError",
    "RetriesExceededError", "ClosedError", "QueueFullError", "TransactionStateError",
]


class KafkaError(Exception):
    """A uvkafka failure. ``code`` is the UVK_E* value, ``name`` its name; ``kafka_code`` /
    ``kafka_name`` / ``broker_message`` are set for errors a broker returned."""

    def __init__(self, message: str, code: int = -1, name: Optional[str] = None, kafka_code: int = 0,
                 kafka_name: Optional[str] = None, broker_message: Optional[str] = None,
                 retriable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.name = name or _native.err_name(code)
        self.kafka_code = kafka_code
        self.kafka_name = kafka_name
        self.broker_message = broker_message
        self.retriable = retriable


class KafkaConnectionError(KafkaError):
    """A connection failed or closed (UVK_ECONNECT, UVK_ECLOSED); retriable."""


class KafkaTimeoutError(KafkaError):
    """A request timed out (UVK_ETIMEDOUT)."""


class AuthenticationError(KafkaError):
    """SASL or TLS authentication failed (UVK_EAUTH, UVK_ETLS)."""


class BrokerError(KafkaError):
    """The broker answered with an error (``kafka_code`` / ``kafka_name`` say which)."""


class RetriesExceededError(KafkaError):
    """Every retry failed (UVK_ERETRIES); the message names the last cause."""


class ClosedError(KafkaError):
    """The handle was closed while the call was pending."""


class QueueFullError(KafkaError):
    """The producer's bufferMemory is full (UVK_EQUEUEFULL): await earlier sends first."""


class TransactionStateError(KafkaError):
    """A call not allowed in the current state (UVK_ESTATE), e.g. a send outside a transaction
    of a transactional producer."""


_BY_NAME = {
    "UVK_ECONNECT": KafkaConnectionError, "UVK_ECLOSED": ClosedError, "UVK_ETIMEDOUT": KafkaTimeoutError,
    "UVK_EAUTH": AuthenticationError, "UVK_ETLS": AuthenticationError, "UVK_EKAFKA": BrokerError,
    "UVK_ERETRIES": RetriesExceededError, "UVK_EQUEUEFULL": QueueFullError, "UVK_ESTATE": TransactionStateError,
}

ErrorTuple = Tuple[int, str, str, int, Optional[str], Optional[str], bool]


def from_native(t: ErrorTuple) -> KafkaError:
    code, name, message, kafka_code, kafka_name, broker_message, retriable = t
    cls = BrokerError if kafka_code else _BY_NAME.get(name, KafkaError)
    return cls(message, code, name, kafka_code, kafka_name, broker_message, retriable)


def from_code(code: int, what: str) -> Optional[KafkaError]:
    """A per-partition / per-topic result code as an error (None for 0)."""
    if code == 0:
        return None
    if code <= -1000:
        kc = -code - 1000
        return BrokerError("%s: Kafka error %d" % (what, kc), -13, "UVK_EKAFKA", kc, None, None, False)
    return _BY_NAME.get(_native.err_name(code), KafkaError)("%s: %s" % (what, _native.err_name(code)), code)


def raise_native(e: BaseException) -> KafkaError:
    """A _native.NativeError (a refused call) as its KafkaError."""
    return from_native(e.args[0])  # type: ignore[arg-type]
