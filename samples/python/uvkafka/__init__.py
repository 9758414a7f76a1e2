"""uvkafka for Python: an asyncio-native Kafka client. The protocol, batching and group
membership run in libuvkafka (C, linked into the ``_native`` extension) on a libuv loop that
the running asyncio loop drives (the default loop or uvloop): no threads.

    async with uvkafka.Producer("localhost:9092") as p:
        md = await p.send("topic", b"value", key=b"key")

    async with uvkafka.Consumer("topic", brokers="localhost:9092", group_id="g") as c:
        async for msg in c:
            ...

``uvkafka.blocking`` has the same API without an event loop. See docs/python.md.
"""
from . import _native
from ._admin import Admin, NewTopic, PartitionOffset, TopicResult
from ._admin_types import (Acl, AclOperation, AclPatternType, AclPermissionType, AclResourceType, AclResult,
                           BrokerInfo, ClusterMetadata, ConfigEntry, ConfigOp, ConfigResourceResult,
                           ConfigResourceType, ConfigSynonym, ElectionType, GroupDescription, GroupMember,
                           PartitionMetadata, PartitionResult, Reassignment, ScramCredentialInfo, ScramMechanism,
                           ScramUser, TopicMetadata)
from ._client import Client
from ._consumer import Assigner, AssignerMember, Batch, Consumer, Message, Messages
from ._events import Event
from ._errors import (AuthenticationError, BrokerError, ClosedError, KafkaConnectionError, KafkaError,
                      KafkaTimeoutError, QueueFullError, RetriesExceededError, TransactionStateError)
from ._producer import Producer, RecordMetadata, Transaction
from ._share import ShareBatch, ShareConsumer, ShareMessage

__all__ = [
    "Acl", "AclOperation", "AclPatternType", "AclPermissionType", "AclResourceType", "AclResult", "BrokerInfo",
    "ClusterMetadata", "ConfigEntry", "ConfigOp", "ConfigResourceResult", "ConfigResourceType", "ConfigSynonym",
    "ElectionType", "Event", "GroupDescription", "GroupMember", "PartitionMetadata", "PartitionResult", "Reassignment",
    "ScramCredentialInfo", "ScramMechanism", "ScramUser", "TopicMetadata",
    "Admin", "Assigner", "AssignerMember", "AuthenticationError", "Batch", "BrokerError", "Client", "ClosedError", "Consumer",
    "KafkaConnectionError", "KafkaError", "KafkaTimeoutError", "Message", "Messages", "NewTopic", "PartitionOffset",
    "Producer", "QueueFullError", "RecordMetadata", "RetriesExceededError", "ShareBatch", "ShareConsumer", "ShareMessage", "TopicResult", "Transaction",
    "TransactionStateError", "version",
]
__version__ = "0.1.0"


def version() -> str:
    """The version of libuvkafka inside the extension."""
    return _native.version()
