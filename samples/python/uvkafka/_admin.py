"""Admin: everything uvk_admin.h has: topics, partitions, offsets, groups, cluster metadata,
configs, partition reassignments and elections, ACLs, SCRAM credentials."""
import asyncio
from functools import partial
from typing import Any, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from . import _errors, _native
from ._admin_types import (Acl, AclOperation, AclPatternType, AclPermissionType, AclResourceType, AclResult,
                           BrokerInfo, ClusterMetadata, ConfigEntry, ConfigOp, ConfigResourceResult,
                           ConfigResourceType, ConfigSynonym, ElectionType, GroupDescription, GroupMember,
                           PartitionMetadata, PartitionResult, Reassignment, ScramCredentialInfo, ScramMechanism,
                           ScramUser, TopicMetadata, enum_value)
from ._client import Client, native_call


class TopicResult(NamedTuple):
    """One topic or group of an operation: error None, or the KafkaError of that entry."""
    name: str
    error: Optional[_errors.KafkaError]


class PartitionOffset(NamedTuple):
    topic: str
    partition: int
    offset: int
    high: int
    low: int
    metadata: Optional[str]


class NewTopic(NamedTuple):
    name: str
    num_partitions: int = -1
    replication_factor: int = -1
    config: Optional[Mapping[str, str]] = None


def _results(fut: "asyncio.Future[Any]", err: Any, rs: List[Any]) -> None:
    if fut.done():
        return
    if err is not None:
        e = _errors.from_native(err)
        e.results = [TopicResult(n, _errors.from_code(c, m or n)) for n, c, m in rs]  # type: ignore[attr-defined]
        fut.set_exception(e)
    else:
        fut.set_result([TopicResult(n, _errors.from_code(c, m or n)) for n, c, m in rs])


def _value(fut: "asyncio.Future[Any]", convert: Any, err: Any, value: Any) -> None:
    if fut.done():
        return
    if err is not None:
        fut.set_exception(_errors.from_native(err))
    else:
        fut.set_result(convert(value))


def _offsets(os_: List[Any]) -> List[PartitionOffset]:
    return [PartitionOffset(t, p, o, h, lo, md) for t, p, o, h, lo, md, _e in os_]


def _names(xs: Any, what: str) -> List[str]:
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Iterable):
        raise TypeError("%s must be a list of str, not %s" % (what, type(xs).__name__))
    return list(xs)


def _topic(t: Any, i: int) -> Any:
    if isinstance(t, str):
        t = NewTopic(t)
    elif isinstance(t, Mapping):
        t = NewTopic(**t)
    elif not isinstance(t, NewTopic):
        raise TypeError("topics[%d] must be a str, a dict or a NewTopic" % i)
    return (t.name, t.num_partitions, t.replication_factor, None if t.config is None else dict(t.config))


def _err(code: int, what: Any) -> Optional[_errors.KafkaError]:
    return _errors.from_code(code, str(what))


def _metadata(m: Any) -> ClusterMetadata:
    cid, ctrl, brokers, topics = m
    return ClusterMetadata(cid, ctrl, [BrokerInfo(*b) for b in brokers], [
        TopicMetadata(n, _err(e, n), [PartitionMetadata(p, ld, r, i, o, _err(pe, "%s[%d]" % (n, p)))
                                      for p, ld, r, i, o, pe in ps]) for n, e, ps in topics])


def _groups(gs: Any) -> List[GroupDescription]:
    return [GroupDescription(g[0], g[1], g[2], g[3], g[4], g[5], g[6], [GroupMember(*m) for m in g[7]]) for g in gs]


def _configs(rs: Any) -> List[ConfigResourceResult]:
    return [ConfigResourceResult(ConfigResourceType(t) if t in (2, 4, 8) else t, n, _errors.from_code(e, m or n or ""),
                                 [ConfigEntry(c[0], c[1], c[2], c[3], c[4], c[5], [ConfigSynonym(*x) for x in c[6]])
                                  for c in es])
            for t, n, e, m, es in rs]


def _partition_results(rs: Any) -> List[PartitionResult]:
    return [PartitionResult(t, p, _errors.from_code(e, m or "%s[%d]" % (t, p))) for t, p, e, m in rs]


def _acl_tuple(a: Any, i: int, what: str) -> Tuple[Any, ...]:
    if isinstance(a, Mapping):
        a = Acl(**a)
    elif not isinstance(a, Acl):
        raise TypeError("%s[%d] must be an Acl or a dict of its fields" % (what, i))
    return (enum_value(AclResourceType, a.resource_type, "resource_type"), a.resource_name,
            enum_value(AclPatternType, a.pattern_type, "pattern_type"), a.principal, a.host,
            enum_value(AclOperation, a.operation, "operation"),
            enum_value(AclPermissionType, a.permission_type, "permission_type"))


def _acl_results(rs: Any) -> List[AclResult]:
    return [AclResult(Acl(AclResourceType(a[0]), a[1], AclPatternType(a[2]), a[3], a[4], AclOperation(a[5]),
                          AclPermissionType(a[6])), i, _errors.from_code(e, m or "acl")) for a, i, e, m in rs]


def _scram_users(us: Any) -> List[ScramUser]:
    return [ScramUser(u, _errors.from_code(e, m or u or ""), [ScramCredentialInfo(ScramMechanism(c), it)
                                                              for c, it in cs]) for u, e, m, cs in us]


def _resource(r: Any, i: int) -> Tuple[int, str]:
    if not isinstance(r, (tuple, list)) or len(r) < 2:
        raise TypeError("resources[%d] must be a (type, name) pair" % i)
    return enum_value(ConfigResourceType, r[0], "resources[%d] type" % i), r[1]


def _topic_parts(topics: Any) -> Optional[List[Tuple[str, Optional[List[int]]]]]:
    """None, {topic: partitions or None}, or an iterable of topics / (topic, partitions)."""
    if topics is None:
        return None
    items = list(topics.items()) if isinstance(topics, Mapping) else _names(topics, "topics")
    out: List[Tuple[str, Optional[List[int]]]] = []
    for t in items:
        if isinstance(t, str):
            out.append((t, None))
        else:
            name, parts = t
            out.append((name, None if parts is None else list(parts)))
    return out


class Admin:
    """``async with uvkafka.Admin(brokers) as admin: await admin.create_topics(["t"])``."""

    def __init__(self, brokers: Union[str, Sequence[str], None] = None, *, client: Optional[Client] = None,
                 config: Optional[Mapping[str, Any]] = None, **options: Any) -> None:
        self._own_client = client is None
        self.client = client if client is not None else Client(brokers, config=config, **options)
        self._native = native_call(_native.Admin, self.client._native, None)

    async def _call(self, done: Any, fn: Any, *args: Any) -> Any:
        d = self.client._attach()
        fut = d.loop.create_future()
        native_call(fn, partial(done, fut) if done is _results else partial(_value, fut, done), *args)
        d.poke()
        return await fut

    async def create_topics(self, topics: Iterable[Union[str, NewTopic, Mapping[str, Any]]], *,
                            validate_only: bool = False, wait_for_leaders: bool = True,
                            timeout_ms: int = 5000) -> List[TopicResult]:
        """Creates topics (names, NewTopic or dicts of its fields). A topic that exists already
        has a BrokerError (TOPIC_ALREADY_EXISTS, 36) in its result; other failures raise."""
        ts = [_topic(t, i) for i, t in enumerate(_names(topics, "topics"))]
        return await self._call(_results, self._native.create_topics, ts, validate_only, wait_for_leaders, timeout_ms)

    async def delete_topics(self, topics: Iterable[str], *, timeout_ms: int = 5000) -> List[TopicResult]:
        return await self._call(_results, self._native.delete_topics, _names(topics, "topics"), timeout_ms)

    async def create_partitions(self, topic: str, count: int, *, validate_only: bool = False,
                                timeout_ms: int = 5000) -> List[TopicResult]:
        """Grows topic to count partitions."""
        return await self._call(_results, self._native.create_partitions, topic, count, validate_only, timeout_ms)

    async def list_topics(self) -> List[str]:
        return await self._call(list, self._native.list_topics)

    async def fetch_topic_offsets(self, topic: str) -> List[PartitionOffset]:
        """Per partition: offset = high = the end offset, low = the log start offset."""
        return await self._call(_offsets, self._native.fetch_topic_offsets, topic)

    async def fetch_offsets(self, group_id: str, topics: Optional[Iterable[str]] = None, *,
                            resolve_offsets: bool = False) -> List[PartitionOffset]:
        """A group's committed offsets (-1: none) for topics (None: all it has)."""
        return await self._call(_offsets, self._native.fetch_offsets, group_id,
                                None if topics is None else _names(topics, "topics"), resolve_offsets)

    async def delete_groups(self, group_ids: Iterable[str]) -> List[TopicResult]:
        return await self._call(_results, self._native.delete_groups, _names(group_ids, "group_ids"))

    # ---- cluster, metadata, groups
    async def fetch_topic_metadata(self, topics: Optional[Iterable[str]] = None) -> ClusterMetadata:
        """Brokers, controller and the topics' partitions (leader, replicas, isr; None: all topics)."""
        return await self._call(_metadata, self._native.fetch_topic_metadata,
                                None if topics is None else _names(topics, "topics"))

    async def describe_cluster(self) -> ClusterMetadata:
        """The cluster id, the controller and the brokers (no topics)."""
        return await self._call(_metadata, self._native.describe_cluster)

    async def list_groups(self) -> List[GroupDescription]:
        """Every group of every broker (group_id, protocol_type, state; no members)."""
        return await self._call(_groups, self._native.list_groups)

    async def describe_groups(self, group_ids: Iterable[str]) -> List[GroupDescription]:
        """State, protocol and members; a group that does not exist comes back "Dead"."""
        return await self._call(_groups, self._native.describe_groups, _names(group_ids, "group_ids"))

    # ---- configs
    async def describe_configs(self, resources: Iterable[Any], *, include_synonyms: bool = False
                               ) -> List[ConfigResourceResult]:
        """resources: (type, name) or (type, name, [config names]); type a ConfigResourceType
        or "topic" / "broker" / "broker_logger"; a broker's name is its id as a str."""
        rs = []
        for i, r in enumerate(_names(resources, "resources")):
            t, n = _resource(r, i)
            rs.append((t, n, None if len(r) < 3 or r[2] is None else _names(r[2], "config names")))
        return await self._call(_configs, self._native.describe_configs, rs, include_synonyms)

    async def alter_configs(self, resources: Iterable[Any], *, validate_only: bool = False) -> List[TopicResult]:
        """The legacy whole-set AlterConfigs: (type, name, {key: value or None}); keys not
        given go back to their defaults. See incremental_alter_configs."""
        rs = []
        for i, r in enumerate(_names(resources, "resources")):
            t, n = _resource(r, i)
            if len(r) != 3 or not isinstance(r[2], Mapping):
                raise TypeError("resources[%d] must be (type, name, {key: value})" % i)
            rs.append((t, n, dict(r[2])))
        return await self._call(_results, self._native.alter_configs, rs, validate_only)

    async def incremental_alter_configs(self, resources: Iterable[Any], *, validate_only: bool = False
                                        ) -> List[TopicResult]:
        """Changes only the keys named: (type, name, [(key, value or None, op)]), op a ConfigOp
        or "set" / "delete" / "append" / "subtract"; or (type, name, {key: value}) to set keys
        (None deletes one)."""
        rs = []
        for i, r in enumerate(_names(resources, "resources")):
            t, n = _resource(r, i)
            if len(r) != 3:
                raise TypeError("resources[%d] must be (type, name, changes)" % i)
            ch = r[2]
            ops: List[Tuple[Any, Any, int]] = []
            if isinstance(ch, Mapping):
                ops = [(k, v, int(ConfigOp.DELETE if v is None else ConfigOp.SET)) for k, v in ch.items()]
            else:
                for c in _names(ch, "changes"):
                    if not isinstance(c, (tuple, list)) or len(c) != 3:
                        raise TypeError("resources[%d] changes must be (key, value, op)" % i)
                    ops.append((c[0], c[1], enum_value(ConfigOp, c[2], "op")))
            rs.append((t, n, ops))
        return await self._call(_results, self._native.incremental_alter_configs, rs, validate_only)

    # ---- offsets and records
    async def fetch_topic_offsets_by_timestamp(self, topic: str, timestamp: int) -> List[PartitionOffset]:
        """Per partition: offset = the first offset at or after timestamp (ms; the end offset
        when none), high = the end offset."""
        return await self._call(_offsets, self._native.fetch_topic_offsets_by_timestamp, topic, timestamp)

    async def set_offsets(self, group_id: str, topic: str, partitions: Iterable[Tuple[int, int]]
                          ) -> List[PartitionOffset]:
        """Commits (partition, offset) pairs for a group without active members."""
        return await self._call(_offsets, self._native.set_offsets, group_id, topic, list(partitions))

    async def reset_offsets(self, group_id: str, topic: str, *, earliest: bool = False) -> List[PartitionOffset]:
        """Commits every partition's end offset (earliest: its log start) for the group."""
        return await self._call(_offsets, self._native.reset_offsets, group_id, topic, earliest)

    async def delete_topic_records(self, topic: str, partitions: Iterable[Tuple[int, int]]) -> List[PartitionOffset]:
        """Deletes the records before each (partition, offset) (offset -1: up to the high
        watermark); low = the new log start offset."""
        return await self._call(_offsets, self._native.delete_topic_records, topic, list(partitions))

    async def delete_group_offsets(self, group_id: str, topic: str, partitions: Optional[Iterable[int]] = None
                                   ) -> List[PartitionResult]:
        """Forgets the group's committed offsets of these partitions (None: all of the topic)."""
        return await self._call(_partition_results, self._native.delete_group_offsets, group_id, topic,
                                None if partitions is None else list(partitions))

    # ---- partitions: reassignments, leader elections
    async def alter_partition_reassignments(self, reassignments: Iterable[Tuple[str, int, Optional[Sequence[int]]]],
                                            *, timeout_ms: int = -1) -> List[PartitionResult]:
        """(topic, partition, replicas); replicas None cancels a reassignment in progress."""
        rs = [(t, p, None if r is None else list(r)) for t, p, r in reassignments]
        return await self._call(_partition_results, self._native.alter_partition_reassignments, rs, timeout_ms)

    async def list_partition_reassignments(self, topics: Any = None, *, timeout_ms: int = -1) -> List[Reassignment]:
        """The reassignments in progress; topics None (all), or {topic: partitions or None}."""
        return await self._call(lambda rs: [Reassignment(*r) for r in rs], self._native.list_partition_reassignments,
                                _topic_parts(topics), timeout_ms)

    async def elect_leaders(self, topics: Any = None, *, election_type: Any = ElectionType.PREFERRED,
                            timeout_ms: int = -1) -> List[PartitionResult]:
        """Leader elections (None: every partition); ELECTION_NOT_NEEDED (84) is a result."""
        return await self._call(_partition_results, self._native.elect_leaders,
                                enum_value(ElectionType, election_type, "election_type"), _topic_parts(topics),
                                timeout_ms)

    # ---- ACLs (the broker needs an authorizer: SECURITY_DISABLED, 54, otherwise)
    async def create_acls(self, acls: Iterable[Any]) -> List[AclResult]:
        """Acl bindings (or dicts of their fields); one result per ACL, in order."""
        return await self._call(_acl_results, self._native.create_acls,
                                [_acl_tuple(a, i, "acls") for i, a in enumerate(_names(acls, "acls"))])

    async def describe_acls(self, acl_filter: Any = Acl()) -> List[AclResult]:
        """Every ACL the filter matches (Acl() matches all)."""
        return await self._call(_acl_results, self._native.describe_acls, _acl_tuple(acl_filter, 0, "filter"))

    async def delete_acls(self, filters: Iterable[Any]) -> List[AclResult]:
        """Deletes what each filter matches; result request_index = the filter."""
        return await self._call(_acl_results, self._native.delete_acls,
                                [_acl_tuple(a, i, "filters") for i, a in enumerate(_names(filters, "filters"))])

    # ---- SCRAM credentials
    async def describe_user_scram_credentials(self, users: Optional[Iterable[str]] = None) -> List[ScramUser]:
        """Mechanisms and iteration counts (never secrets); None: every user with credentials."""
        return await self._call(_scram_users, self._native.describe_user_scram_credentials,
                                None if users is None else _names(users, "users"))

    async def alter_user_scram_credentials(self, alterations: Iterable[Any]) -> List[TopicResult]:
        """(user, mechanism, password, iterations=0): upserts (password None deletes). The
        password never leaves the client (a salted hash goes). One result per alteration."""
        alts: List[Tuple[Any, int, Any, Any]] = []
        for i, a in enumerate(_names(alterations, "alterations")):
            if not isinstance(a, (tuple, list)) or len(a) not in (3, 4):
                raise TypeError("alterations[%d] must be (user, mechanism, password[, iterations])" % i)
            alts.append((a[0], enum_value(ScramMechanism, a[1], "mechanism"), a[2], a[3] if len(a) == 4 else 0))
        return await self._call(_results, self._native.alter_user_scram_credentials, alts)

    def on(self, event: str, fn: Any) -> Any:
        """Network events of this admin's client (connect, disconnect, request,
        request_timeout, request_queue_size): see Client.on. Returns the remover."""
        return self.client.on(event, fn)

    def close(self) -> None:
        if self._native is not None:
            self._native.close()
        if self._own_client:
            self.client.close()

    async def __aenter__(self) -> "Admin":
        self.client._attach()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()
