"""ctypes declarations of uvkafka's C ABI (include/uvkafka/*.h) and of the few libuv calls
the Python side needs to drive the client's loop. Struct layouts mirror the headers field
for field; they only ever grow at the end there, so older layouts stay valid."""
import ctypes
import ctypes.util
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_int, c_int16, c_int32, c_int64,
                    c_size_t, c_uint64, c_void_p)


def _load_uvkafka():
    path = os.environ.get("UVKAFKA_LIB") or ctypes.util.find_library("uvkafka")
    if not path:
        raise OSError("libuvkafka not found: install uvkafka or set UVKAFKA_LIB to libuvkafka.so")
    return ctypes.CDLL(path)


def _load_libuv():
    path = os.environ.get("UVKAFKA_LIBUV") or ctypes.util.find_library("uv") or "libuv.so.1"
    return ctypes.CDLL(path)


lib = _load_uvkafka()
uv = _load_libuv()

UVK_PENDING = 1
UV_RUN_DEFAULT, UV_RUN_ONCE, UV_RUN_NOWAIT = 0, 1, 2


class Header(Structure):
    _fields_ = [("name", c_char_p), ("value", c_void_p), ("value_len", c_size_t)]


class Message(Structure):
    _fields_ = [("key", c_void_p), ("key_len", c_size_t), ("value", c_void_p), ("value_len", c_size_t),
                ("partition", c_int32), ("timestamp", c_int64), ("headers", POINTER(Header)),
                ("n_headers", c_size_t)]


class SendOptions(Structure):
    # struct_size first (uvkafka.h, "how the ABI grows"): set by uvk_*_init, never by hand.
    _fields_ = [("struct_size", c_size_t), ("acks", c_int), ("timeout", c_int32), ("compression", c_int), ("borrow", c_int)]


class RecordMetadata(Structure):
    _fields_ = [("topic", c_char_p), ("partition", c_int32), ("error", c_int), ("base_offset", c_int64),
                ("log_append_time", c_int64), ("log_start_offset", c_int64)]


class ConsumerMessage(Structure):
    _fields_ = [("offset", c_int64), ("timestamp", c_int64), ("attributes", c_int32), ("key", c_void_p),
                ("key_len", c_size_t), ("value", c_void_p), ("value_len", c_size_t),
                ("headers", POINTER(Header)), ("n_headers", c_size_t)]


class Batch(Structure):
    _fields_ = [("topic", c_char_p), ("partition", c_int32), ("high_watermark", c_int64),
                ("messages", POINTER(ConsumerMessage)), ("n_messages", c_size_t), ("first_offset", c_int64),
                ("last_offset", c_int64), ("offset_lag", c_int64), ("offset_lag_low", c_int64)]


EACH_BATCH = CFUNCTYPE(c_int, c_void_p, POINTER(Batch), c_void_p)
EACH_MESSAGE = CFUNCTYPE(c_int, c_void_p, POINTER(Batch), POINTER(ConsumerMessage), c_void_p)


class RunOptions(Structure):
    _fields_ = [("struct_size", c_size_t), ("each_batch", EACH_BATCH), ("each_message", EACH_MESSAGE), ("ud", c_void_p),
                ("auto_commit", c_int), ("auto_commit_interval", c_int64), ("auto_commit_threshold", c_int64),
                ("each_batch_auto_resolve", c_int), ("partitions_consumed_concurrently", c_int)]


class AdminResult(Structure):
    _fields_ = [("name", c_char_p), ("error", c_int), ("error_message", c_char_p)]


class ConfigEntry(Structure):
    _fields_ = [("name", c_char_p), ("value", c_char_p)]


class NewTopic(Structure):
    _fields_ = [("topic", c_char_p), ("num_partitions", c_int32), ("replication_factor", c_int16),
                ("replica_assignment", c_void_p), ("n_replica_assignment", c_size_t),
                ("config_entries", POINTER(ConfigEntry)), ("n_config_entries", c_size_t)]


class TopicOptions(Structure):
    _fields_ = [("struct_size", c_size_t), ("validate_only", c_int), ("wait_for_leaders", c_int), ("timeout", c_int32)]


class PartitionOffset(Structure):
    _fields_ = [("topic", c_char_p), ("partition", c_int32), ("offset", c_int64), ("high", c_int64),
                ("low", c_int64), ("metadata", c_char_p), ("error", c_int)]


# Callback types (the handle pointer comes first, the user's pointer last).
HANDLE_CB = CFUNCTYPE(None, c_void_p, c_void_p, c_void_p)  # client / producer / consumer done
SEND_CB = CFUNCTYPE(None, c_void_p, c_void_p, POINTER(RecordMetadata), c_size_t, c_void_p)
ADMIN_RESULTS_CB = CFUNCTYPE(None, c_void_p, c_void_p, POINTER(AdminResult), c_size_t, c_void_p)
ADMIN_NAMES_CB = CFUNCTYPE(None, c_void_p, c_void_p, POINTER(c_char_p), c_size_t, c_void_p)
ADMIN_OFFSETS_CB = CFUNCTYPE(None, c_void_p, c_void_p, POINTER(PartitionOffset), c_size_t, c_void_p)


def _sig(name, restype, *argtypes):
    fn = getattr(lib, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)


_sig("uvk_version", c_char_p)
_sig("uvk_err_name", c_char_p, c_int)
_sig("uvk_strerror", c_char_p, c_int)
_sig("uvk_error_code", c_int, c_void_p)
_sig("uvk_error_kafka_code", c_int, c_void_p)
_sig("uvk_error_kafka_name", c_char_p, c_void_p)
_sig("uvk_error_broker_message", c_char_p, c_void_p)
_sig("uvk_error_is_retriable", c_int, c_void_p)
_sig("uvk_error_format", c_size_t, c_void_p, c_char_p, c_size_t)
_sig("uvk_config_new", c_void_p)
_sig("uvk_config_free", None, c_void_p)
_sig("uvk_config_set", c_int, c_void_p, c_char_p, c_char_p, c_char_p, c_size_t)
_sig("uvk_client_new", c_int, c_void_p, c_void_p, POINTER(c_void_p))
_sig("uvk_client_loop", c_void_p, c_void_p)
_sig("uvk_client_connect", c_int, c_void_p, HANDLE_CB, c_void_p)
_sig("uvk_client_disconnect", c_int, c_void_p, HANDLE_CB, c_void_p)
_sig("uvk_client_free", None, c_void_p)
_sig("uvk_producer_new", c_int, c_void_p, c_void_p, POINTER(c_void_p))
_sig("uvk_producer_send", c_int, c_void_p, c_char_p, POINTER(Message), c_size_t, POINTER(SendOptions), SEND_CB,
     c_void_p)
_sig("uvk_producer_flush", c_int, c_void_p, HANDLE_CB, c_void_p)
_sig("uvk_producer_disconnect", c_int, c_void_p, HANDLE_CB, c_void_p)
_sig("uvk_producer_free", None, c_void_p)
_sig("uvk_send_options_init", None, POINTER(SendOptions))
_sig("uvk_consumer_new", c_int, c_void_p, c_void_p, POINTER(c_void_p))
_sig("uvk_consumer_subscribe", c_int, c_void_p, c_char_p, c_int)
_sig("uvk_consumer_run", c_int, c_void_p, POINTER(RunOptions))
_sig("uvk_consumer_stop", c_int, c_void_p, HANDLE_CB, c_void_p)
_sig("uvk_consumer_free", None, c_void_p)
_sig("uvk_run_options_init", None, POINTER(RunOptions))
_sig("uvk_admin_new", c_int, c_void_p, c_void_p, POINTER(c_void_p))
_sig("uvk_admin_free", None, c_void_p)
_sig("uvk_admin_new_topic_init", None, POINTER(NewTopic), c_char_p)
_sig("uvk_admin_topic_options_init", None, POINTER(TopicOptions))
_sig("uvk_admin_create_topics", c_int, c_void_p, POINTER(NewTopic), c_size_t, POINTER(TopicOptions),
     ADMIN_RESULTS_CB, c_void_p)
_sig("uvk_admin_delete_topics", c_int, c_void_p, POINTER(c_char_p), c_size_t, POINTER(TopicOptions),
     ADMIN_RESULTS_CB, c_void_p)
_sig("uvk_admin_list_topics", c_int, c_void_p, ADMIN_NAMES_CB, c_void_p)
_sig("uvk_admin_fetch_topic_offsets", c_int, c_void_p, c_char_p, ADMIN_OFFSETS_CB, c_void_p)

uv.uv_run.restype = c_int
uv.uv_run.argtypes = [c_void_p, c_int]
uv.uv_backend_fd.restype = c_int
uv.uv_backend_fd.argtypes = [c_void_p]
uv.uv_backend_timeout.restype = c_int
uv.uv_backend_timeout.argtypes = [c_void_p]
uv.uv_loop_alive.restype = c_int
uv.uv_loop_alive.argtypes = [c_void_p]

__all__ = [n for n in dir() if not n.startswith("_")] + ["c_uint64"]
