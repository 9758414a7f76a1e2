"""uvkafka for Python: a thin layer over the C ABI with ctypes (standard library only).

Everything runs on one thread. The client owns a libuv loop; callbacks (send completions,
each_message / each_batch handlers, admin results) run while that loop runs:

- ``client.run()`` runs it until nothing is pending (a consumer keeps it busy until stopped);
- ``client.step()`` runs it once without blocking; ``client.fileno()`` and
  ``client.timeout_ms()`` let another loop wait for it; ``client.attach(asyncio_loop)`` does
  that for asyncio, so uvkafka works inside an asyncio program.

Configuration keys are uvkafka's (KafkaJS's names: ``brokers``, ``clientId``, ``groupId``,
``logLevel``, ``retry.retries``...; see docs/configuration.md); values are given as Python
values and converted to their string form.
"""
import ctypes
import itertools
import time
from collections import namedtuple

from . import _capi as C

__all__ = ["KafkaError", "Client", "Producer", "Consumer", "Admin", "ConsumedMessage", "version"]

ConsumedMessage = namedtuple("ConsumedMessage", "topic partition offset timestamp key value headers")
RecordMetadata = namedtuple("RecordMetadata", "topic partition error base_offset")
TopicResult = namedtuple("TopicResult", "name error error_message")
PartitionOffset = namedtuple("PartitionOffset", "topic partition offset high low")


def version():
    return C.lib.uvk_version().decode()


class KafkaError(Exception):
    """A failure, with uvkafka's code (a negative UVK_E* value) and, for broker errors,
    Kafka's error code and name and the broker's message."""

    def __init__(self, code, message=None, kafka_code=0, kafka_name=None, broker_message=None, retriable=False):
        self.code = code
        self.name = C.lib.uvk_err_name(code).decode()
        self.kafka_code = kafka_code
        self.kafka_name = kafka_name
        self.broker_message = broker_message
        self.retriable = retriable
        super().__init__(message or "%s: %s" % (self.name, C.lib.uvk_strerror(code).decode()))

    @classmethod
    def from_error(cls, err):
        """From a borrowed ``const uvk_error *`` (None when err is NULL)."""
        if not err:
            return None
        buf = ctypes.create_string_buffer(1024)
        C.lib.uvk_error_format(err, buf, len(buf))
        name = C.lib.uvk_error_kafka_name(err)
        msg = C.lib.uvk_error_broker_message(err)
        return cls(C.lib.uvk_error_code(err), buf.value.decode(errors="replace"), C.lib.uvk_error_kafka_code(err),
                   name.decode() if name else None, msg.decode(errors="replace") if msg else None,
                   bool(C.lib.uvk_error_is_retriable(err)))


def _check(rc, what):
    if rc != 0:
        raise KafkaError(rc, "%s: %s" % (what, C.lib.uvk_err_name(rc).decode()))


def _b(s):
    if s is None:
        return None
    return s if isinstance(s, bytes) else str(s).encode()


def _str_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return ",".join(str(x) for x in v)
    return str(v)


class _Config:
    """A uvk_config built from a dict; ValueError names the key and says why."""

    def __init__(self, entries):
        self.ptr = C.lib.uvk_config_new()
        if not self.ptr:
            raise MemoryError("uvk_config_new")
        err = ctypes.create_string_buffer(256)
        for k, v in (entries or {}).items():
            if C.lib.uvk_config_set(self.ptr, _b(k), _b(_str_value(v)), err, len(err)) != 0:
                C.lib.uvk_config_free(self.ptr)
                self.ptr = None
                raise ValueError(err.value.decode(errors="replace") or "invalid config key %r" % k)

    def free(self):
        if self.ptr:
            C.lib.uvk_config_free(self.ptr)
            self.ptr = None


class _Pending:
    """One-shot callbacks in flight: the C side gets an integer token as its user pointer; the
    ctypes trampolines are module-level so they outlive every call."""

    def __init__(self):
        self._ids = itertools.count(1)
        self._fns = {}

    def add(self, fn):
        token = next(self._ids)
        self._fns[token] = fn
        return ctypes.c_void_p(token)

    def pop(self, ud):
        return self._fns.pop(ud or 0, None)

    def drop(self, token):
        self._fns.pop(token.value, None)


_pending = _Pending()
_errors = []  # exceptions raised inside callbacks, re-raised by the loop driver
# Drivers of attached loops (Client.attach): a call into the C side may arm a timer that is
# due before the driver's next wake-up, so every call asks them to look again soon.
_wakeups = set()


def _wake():
    for w in list(_wakeups):
        w()


def _guard(fn, *args):
    if fn is None:
        return
    try:
        fn(*args)
    except BaseException as e:  # noqa: BLE001 - kept and re-raised outside the C stack
        _errors.append(e)


@C.HANDLE_CB
def _on_done(_handle, err, ud):
    _guard(_pending.pop(ud), KafkaError.from_error(err))


@C.SEND_CB
def _on_sent(_producer, err, md, n, ud):
    metas = [RecordMetadata(md[i].topic.decode(), md[i].partition, md[i].error, md[i].base_offset) for i in range(n)]
    _guard(_pending.pop(ud), KafkaError.from_error(err), metas)


@C.ADMIN_RESULTS_CB
def _on_admin_results(_admin, err, rs, n, ud):
    out = [TopicResult(rs[i].name.decode(), rs[i].error,
                       rs[i].error_message.decode(errors="replace") if rs[i].error_message else None)
           for i in range(n)]
    _guard(_pending.pop(ud), KafkaError.from_error(err), out)


@C.ADMIN_NAMES_CB
def _on_admin_names(_admin, err, names, n, ud):
    _guard(_pending.pop(ud), KafkaError.from_error(err), [names[i].decode() for i in range(n)])


@C.ADMIN_OFFSETS_CB
def _on_admin_offsets(_admin, err, os_, n, ud):
    out = [PartitionOffset(os_[i].topic.decode(), os_[i].partition, os_[i].offset, os_[i].high, os_[i].low)
           for i in range(n)]
    _guard(_pending.pop(ud), KafkaError.from_error(err), out)


def _start(fn, call):
    """Registers fn, runs call(token); when the C call refuses, fn is dropped and the error raised."""
    token = _pending.add(fn)
    rc = call(token)
    if rc != 0:
        _pending.drop(token)
        _check(rc, "call refused")
    _wake()


def _raise_callback_errors():
    if _errors:
        e = _errors.pop(0)
        _errors.clear()
        raise e


def _new_handle(new_fn, parent, config, what):
    """Builds a uvk_config from the dict, calls new_fn(parent, cfg, &out), frees the config."""
    cfg = _Config(config)
    out = ctypes.c_void_p()
    try:
        _check(new_fn(parent, cfg.ptr, ctypes.byref(out)), what)
    finally:
        cfg.free()
    return out.value


class Client:
    """A uvkafka client on a libuv loop of its own. ``config`` holds the client keys
    (``brokers`` is required)."""

    def __init__(self, config):
        self._ptr = _new_handle(C.lib.uvk_client_new, None, config, "uvk_client_new")
        self._loop = C.lib.uvk_client_loop(self._ptr)
        self._children = []

    # ---- the loop -------------------------------------------------------------------------
    def run(self, until=None, timeout=120.0):
        """Runs the loop. Without ``until``: until nothing is pending on it any more. With
        ``until`` (a function): until it returns true. Raises TimeoutError after ``timeout``
        seconds (None: no limit), and re-raises an exception a callback raised. A connected
        client keeps its loop alive (idle connections, metadata refresh): pass ``until``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not _errors:
            if until is not None and until():
                break
            alive = C.uv.uv_run(self._loop, C.UV_RUN_ONCE) != 0
            if not alive and until is None:
                break
            if not alive and not _errors and not until():
                raise RuntimeError("the loop has nothing left to run and the condition is not met")
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError("client.run: condition not met within %s s" % timeout)
        _raise_callback_errors()

    def step(self):
        """Runs what is due now, without blocking. Returns True while work is pending."""
        alive = C.uv.uv_run(self._loop, C.UV_RUN_NOWAIT) != 0
        _raise_callback_errors()
        return alive

    def fileno(self):
        """A descriptor that becomes readable when the loop has I/O to handle."""
        return C.uv.uv_backend_fd(self._loop)

    def timeout_ms(self):
        """How long the loop may sleep before its next timer (-1: no timer)."""
        return C.uv.uv_backend_timeout(self._loop)

    def attach(self, aio_loop):
        """Drives this client from an asyncio loop: reads on fileno() and timers schedule
        step(). Returns a function that detaches it again."""
        state = {"timer": None}

        def tick():
            self.step()
            if state["timer"] is not None:
                state["timer"].cancel()
            t = self.timeout_ms()
            state["timer"] = aio_loop.call_later(max(t, 0) / 1000.0 if t >= 0 else 1.0, tick)

        def wake():
            if state["timer"] is not None:
                state["timer"].cancel()
            state["timer"] = aio_loop.call_soon(tick)

        aio_loop.add_reader(self.fileno(), tick)
        state["timer"] = aio_loop.call_soon(tick)
        _wakeups.add(wake)

        def detach():
            _wakeups.discard(wake)
            aio_loop.remove_reader(self.fileno())
            if state["timer"] is not None:
                state["timer"].cancel()

        return detach

    # ---- handles --------------------------------------------------------------------------
    def producer(self, config=None):
        return Producer(self, config)

    def consumer(self, config):
        return Consumer(self, config)

    def admin(self, config=None):
        return Admin(self, config)

    def connect(self, callback=None):
        _start(callback, lambda ud: C.lib.uvk_client_connect(self._ptr, _on_done, ud))

    def disconnect(self, callback=None):
        _start(callback, lambda ud: C.lib.uvk_client_disconnect(self._ptr, _on_done, ud))

    def close(self):
        """Frees the handles made from this client, then the client (after disconnect)."""
        for child in reversed(self._children):
            child._free()
        self._children = []
        if self._ptr:
            C.lib.uvk_client_free(self._ptr)
            self._ptr = None
            C.uv.uv_run(self._loop, C.UV_RUN_NOWAIT)


class Producer:
    def __init__(self, client, config=None):
        self._ptr = _new_handle(C.lib.uvk_producer_new, client._ptr, config, "uvk_producer_new")
        client._children.append(self)

    def send(self, topic, messages, callback=None, acks=None, compression=None):
        """Sends messages (dicts with key, value, partition, timestamp, headers, or plain
        values); callback(error, [RecordMetadata]) once they are acknowledged or failed."""
        n = len(messages)
        arr = (C.Message * n)()
        keep = []
        for i, m in enumerate(messages):
            if not isinstance(m, dict):
                m = {"value": m}
            key, value = _b(m.get("key")), _b(m.get("value"))
            keep += [key, value]
            arr[i].key = ctypes.cast(ctypes.c_char_p(key), ctypes.c_void_p) if key is not None else None
            arr[i].key_len = len(key) if key is not None else 0
            arr[i].value = ctypes.cast(ctypes.c_char_p(value), ctypes.c_void_p) if value is not None else None
            arr[i].value_len = len(value) if value is not None else 0
            arr[i].partition = m.get("partition", -1)
            arr[i].timestamp = m.get("timestamp", -1)
            headers = m.get("headers") or {}
            if headers:
                hs = (C.Header * len(headers))()
                for j, (hk, hv) in enumerate(headers.items()):
                    hv = _b(hv)
                    keep += [_b(hk), hv]
                    hs[j].name = _b(hk)
                    hs[j].value = ctypes.cast(ctypes.c_char_p(hv), ctypes.c_void_p)
                    hs[j].value_len = len(hv)
                keep.append(hs)
                arr[i].headers = hs
                arr[i].n_headers = len(headers)
        opts = C.SendOptions()
        C.lib.uvk_send_options_init(ctypes.byref(opts))
        if acks is not None:
            opts.acks = acks
        if compression is not None:
            opts.compression = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}[compression]
        # The library copies keys, values and headers during the call (borrow is off).
        _start(callback, lambda ud: C.lib.uvk_producer_send(self._ptr, _b(topic), arr, n, ctypes.byref(opts),
                                                          _on_sent, ud))

    def flush(self, callback=None):
        _start(callback, lambda ud: C.lib.uvk_producer_flush(self._ptr, _on_done, ud))

    def disconnect(self, callback=None):
        _start(callback, lambda ud: C.lib.uvk_producer_disconnect(self._ptr, _on_done, ud))

    def _free(self):
        if self._ptr:
            C.lib.uvk_producer_free(self._ptr)
            self._ptr = None


def _headers(m):
    return [(m.headers[j].name.decode(), ctypes.string_at(m.headers[j].value, m.headers[j].value_len)
             if m.headers[j].value else None) for j in range(m.n_headers)]


def _message(topic, partition, m):
    key = ctypes.string_at(m.key, m.key_len) if m.key else None
    value = ctypes.string_at(m.value, m.value_len) if m.value else None
    return ConsumedMessage(topic, partition, m.offset, m.timestamp, key, value, _headers(m) if m.n_headers else [])


class Consumer:
    def __init__(self, client, config):
        self._ptr = _new_handle(C.lib.uvk_consumer_new, client._ptr, config, "uvk_consumer_new")
        self._handlers = None
        client._children.append(self)

    def subscribe(self, topic, from_beginning=False):
        _check(C.lib.uvk_consumer_subscribe(self._ptr, _b(topic), 1 if from_beginning else 0), "subscribe")

    def run(self, each_message=None, each_batch=None, auto_commit=True):
        """Starts consuming. each_message(ConsumedMessage) or each_batch(topic, partition,
        [ConsumedMessage]); a handler that raises fails its messages (they are fetched again)
        and the exception comes out of the loop driver (client.run / step)."""
        if (each_message is None) == (each_batch is None):
            raise ValueError("give exactly one of each_message / each_batch")
        opts = C.RunOptions()
        C.lib.uvk_run_options_init(ctypes.byref(opts))
        opts.auto_commit = 1 if auto_commit else 0
        if each_message is not None:
            def on_message(_c, batch, msg, _ud):
                b = batch.contents
                try:
                    each_message(_message(b.topic.decode(), b.partition, msg.contents))
                    return 0
                except BaseException as e:  # noqa: BLE001
                    _errors.append(e)
                    return -1
            fn = C.EACH_MESSAGE(on_message)
            opts.each_message = fn
        else:
            def on_batch(_c, batch, _ud):
                b = batch.contents
                try:
                    topic = b.topic.decode()
                    each_batch(topic, b.partition, [_message(topic, b.partition, b.messages[i])
                                                    for i in range(b.n_messages)])
                    return 0
                except BaseException as e:  # noqa: BLE001
                    _errors.append(e)
                    return -1
            fn = C.EACH_BATCH(on_batch)
            opts.each_batch = fn
        self._handlers = fn  # the C side calls it until the consumer is freed
        _check(C.lib.uvk_consumer_run(self._ptr, ctypes.byref(opts)), "run")
        _wake()

    def stop(self, callback=None):
        _start(callback, lambda ud: C.lib.uvk_consumer_stop(self._ptr, _on_done, ud))

    def _free(self):
        if self._ptr:
            C.lib.uvk_consumer_free(self._ptr)
            self._ptr = None


class Admin:
    def __init__(self, client, config=None):
        self._ptr = _new_handle(C.lib.uvk_admin_new, client._ptr, config, "uvk_admin_new")
        client._children.append(self)

    def create_topics(self, topics, callback, validate_only=False, wait_for_leaders=True, timeout=5000):
        """topics: dicts {topic, numPartitions, replicationFactor, configEntries: [{name, value}]}
        (KafkaJS's shape). callback(error, [TopicResult]); an existing topic has error
        UVK_ERR_KAFKA(36) in its result without an error for the call (KafkaJS's false)."""
        arr = (C.NewTopic * len(topics))()
        keep = []
        for i, t in enumerate(topics):
            name = _b(t["topic"])
            keep.append(name)
            C.lib.uvk_admin_new_topic_init(ctypes.byref(arr[i]), name)
            arr[i].num_partitions = t.get("numPartitions", -1)
            arr[i].replication_factor = t.get("replicationFactor", -1)
            entries = t.get("configEntries") or []
            if entries:
                es = (C.ConfigEntry * len(entries))()
                for j, e in enumerate(entries):
                    es[j].name, es[j].value = _b(e["name"]), _b(e["value"])
                keep.append(es)
                arr[i].config_entries = es
                arr[i].n_config_entries = len(entries)
        opts = C.TopicOptions()
        C.lib.uvk_admin_topic_options_init(ctypes.byref(opts))
        opts.validate_only, opts.wait_for_leaders, opts.timeout = int(validate_only), int(wait_for_leaders), timeout
        _start(callback, lambda ud: C.lib.uvk_admin_create_topics(self._ptr, arr, len(topics), ctypes.byref(opts),
                                                                _on_admin_results, ud))

    def delete_topics(self, topics, callback):
        names = (ctypes.c_char_p * len(topics))(*[_b(t) for t in topics])
        _start(callback, lambda ud: C.lib.uvk_admin_delete_topics(self._ptr, names, len(topics), None,
                                                                _on_admin_results, ud))

    def list_topics(self, callback):
        _start(callback, lambda ud: C.lib.uvk_admin_list_topics(self._ptr, _on_admin_names, ud))

    def fetch_topic_offsets(self, topic, callback):
        _start(callback, lambda ud: C.lib.uvk_admin_fetch_topic_offsets(self._ptr, _b(topic), _on_admin_offsets, ud))

    def _free(self):
        if self._ptr:
            C.lib.uvk_admin_free(self._ptr)
            self._ptr = None
