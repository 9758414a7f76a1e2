"""The admin API's value types and enums beyond topics and offsets: cluster metadata, groups,
configs, partition reassignments, ACLs, SCRAM credentials."""
import enum
from typing import Any, List, NamedTuple, Optional, Tuple

from . import _errors


class ConfigResourceType(enum.IntEnum):
    TOPIC = 2
    BROKER = 4
    BROKER_LOGGER = 8


class ConfigOp(enum.IntEnum):
    """incremental_alter_configs: what a change does to its key."""
    SET = 0
    DELETE = 1
    APPEND = 2
    SUBTRACT = 3


class ElectionType(enum.IntEnum):
    PREFERRED = 0
    UNCLEAN = 1


class AclResourceType(enum.IntEnum):
    ANY = 1
    TOPIC = 2
    GROUP = 3
    CLUSTER = 4
    TRANSACTIONAL_ID = 5
    DELEGATION_TOKEN = 6
    USER = 7


class AclPatternType(enum.IntEnum):
    ANY = 1
    MATCH = 2
    LITERAL = 3
    PREFIXED = 4


class AclOperation(enum.IntEnum):
    ANY = 1
    ALL = 2
    READ = 3
    WRITE = 4
    CREATE = 5
    DELETE = 6
    ALTER = 7
    DESCRIBE = 8
    CLUSTER_ACTION = 9
    DESCRIBE_CONFIGS = 10
    ALTER_CONFIGS = 11
    IDEMPOTENT_WRITE = 12
    CREATE_TOKENS = 13
    DESCRIBE_TOKENS = 14


class AclPermissionType(enum.IntEnum):
    ANY = 1
    DENY = 2
    ALLOW = 3


class ScramMechanism(enum.IntEnum):
    SCRAM_SHA_256 = 1
    SCRAM_SHA_512 = 2


def enum_value(cls: Any, v: Any, what: str) -> int:
    """An enum member, its name (any case, '-' for '_') or its int value, as the int."""
    if isinstance(v, str):
        try:
            return int(cls[v.upper().replace("-", "_")])
        except KeyError:
            raise ValueError("%s must be one of %s, not %r" % (what, ", ".join(m.name.lower() for m in cls), v)) from None
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError("%s must be a %s, its name or int, not %s" % (what, cls.__name__, type(v).__name__))
    try:
        return int(cls(v))
    except ValueError:
        raise ValueError("%s: %d is not a %s" % (what, v, cls.__name__)) from None


class BrokerInfo(NamedTuple):
    node_id: int
    host: str
    port: int


class PartitionMetadata(NamedTuple):
    partition: int
    leader: int
    replicas: List[int]
    isr: List[int]
    offline_replicas: List[int]
    error: Optional[_errors.KafkaError]


class TopicMetadata(NamedTuple):
    name: str
    error: Optional[_errors.KafkaError]
    partitions: List[PartitionMetadata]


class ClusterMetadata(NamedTuple):
    cluster_id: Optional[str]
    controller_id: int
    brokers: List[BrokerInfo]
    topics: List[TopicMetadata]


class GroupMember(NamedTuple):
    member_id: Optional[str]
    client_id: Optional[str]
    client_host: Optional[str]
    member_epoch: int
    instance_id: Optional[str]
    rack_id: Optional[str]
    assignment: List[Tuple[str, int]]
    target_assignment: List[Tuple[str, int]]
    member_metadata: Optional[bytes]
    member_assignment: Optional[bytes]


class GroupDescription(NamedTuple):
    group_id: Optional[str]
    state: Optional[str]
    protocol_type: Optional[str]
    protocol: Optional[str]
    group_protocol: Optional[str]
    group_epoch: int
    assignment_epoch: int
    members: List[GroupMember]


class ConfigSynonym(NamedTuple):
    name: Optional[str]
    value: Optional[str]
    source: int


class ConfigEntry(NamedTuple):
    name: Optional[str]
    value: Optional[str]
    read_only: bool
    is_default: bool
    is_sensitive: bool
    source: int
    synonyms: List[ConfigSynonym]


class ConfigResourceResult(NamedTuple):
    """A described config resource; error None or its KafkaError."""
    type: ConfigResourceType
    name: Optional[str]
    error: Optional[_errors.KafkaError]
    entries: List[ConfigEntry]

    def as_dict(self) -> "dict[str, Optional[str]]":
        return {e.name: e.value for e in self.entries if e.name is not None}


class PartitionResult(NamedTuple):
    topic: str
    partition: int
    error: Optional[_errors.KafkaError]


class Reassignment(NamedTuple):
    topic: str
    partition: int
    replicas: List[int]
    adding_replicas: List[int]
    removing_replicas: List[int]


class Acl(NamedTuple):
    """An ACL binding, or (with the defaults, which match anything) a filter."""
    resource_type: Any = AclResourceType.ANY
    resource_name: Optional[str] = None
    pattern_type: Any = AclPatternType.ANY
    principal: Optional[str] = None
    host: Optional[str] = None
    operation: Any = AclOperation.ANY
    permission_type: Any = AclPermissionType.ANY


class AclResult(NamedTuple):
    """request_index: create_acls: the ACL given; delete_acls: the filter; describe_acls: 0
    (not `index`, which is a tuple method)."""
    acl: Acl
    request_index: int
    error: Optional[_errors.KafkaError]


class ScramCredentialInfo(NamedTuple):
    mechanism: ScramMechanism
    iterations: int


class ScramUser(NamedTuple):
    user: Optional[str]
    error: Optional[_errors.KafkaError]
    credentials: List[ScramCredentialInfo]
