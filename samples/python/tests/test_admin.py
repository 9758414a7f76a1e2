"""The whole admin API against the test cluster: metadata and cluster, configs (describe,
alter, incremental), groups, offsets and records, reassignments and elections, ACLs, SCRAM
credentials, and its argument checks."""
import asyncio

import pytest

import uvkafka
from uvkafka import Acl, AclOperation, AclPatternType, AclPermissionType, AclResourceType, ConfigResourceType

from conftest import create_topic, unique


async def eventually(call, ok):
    """A broker answers describe calls from its copy of the metadata log, which applies a
    change after the controller answered it (no event tells when): call until ok(result)
    (10 s at most), returning the last result; an exception counts as a result."""
    for _ in range(100):
        try:
            r = await call()
        except uvkafka.KafkaError as e:
            r = e
        if ok(r):
            return r
        await asyncio.sleep(0.1)
    return r


def test_metadata_cluster_configs(brokers, run):
    topic = unique("uvk-py-adm-meta")

    async def main():
        await create_topic(brokers, topic, 2)
        async with uvkafka.Admin(brokers) as admin:
            cl = await admin.describe_cluster()
            assert cl.cluster_id and cl.brokers and cl.topics == []
            node = cl.brokers[0].node_id
            assert cl.controller_id >= 0
            md = await admin.fetch_topic_metadata([topic])
            [t] = md.topics
            assert t.name == topic and t.error is None
            assert sorted(p.partition for p in t.partitions) == [0, 1]
            assert all(p.leader == node and p.replicas == [node] and p.isr == [node] for p in t.partitions)

            [d] = await admin.describe_configs([("topic", topic, ["retention.ms"])])
            assert d.type == ConfigResourceType.TOPIC and d.error is None
            assert [e.name for e in d.entries] == ["retention.ms"] and d.entries[0].is_default
            rs = await admin.incremental_alter_configs([(ConfigResourceType.TOPIC, topic, {"retention.ms": "12345"})])
            assert rs == [uvkafka.TopicResult(topic, None)]
            [d] = await eventually(lambda: admin.describe_configs([("topic", topic)], include_synonyms=True),
                                   lambda r: r[0].as_dict().get("retention.ms") == "12345")
            e = [e for e in d.entries if e.name == "retention.ms"][0]
            assert (e.value, e.is_default, e.source) == ("12345", False, 1)  # 1: a topic config
            assert e.synonyms and e.synonyms[0].value == "12345"
            # The whole-set alter: keys not given go back to their defaults.
            assert (await admin.alter_configs([("topic", topic, {"cleanup.policy": "compact"})]))[0].error is None
            d = (await eventually(lambda: admin.describe_configs([("topic", topic, ["retention.ms", "cleanup.policy"])]),
                                  lambda r: r[0].as_dict().get("cleanup.policy") == "compact"))[0].as_dict()
            assert d["cleanup.policy"] == "compact" and d["retention.ms"] != "12345"
            rs = await admin.incremental_alter_configs([("topic", topic, [("cleanup.policy", None, "delete")])])
            assert rs[0].error is None
            [b] = await admin.describe_configs([("broker", str(node), ["num.partitions"])])
            assert b.error is None and b.entries[0].name == "num.partitions"
            with pytest.raises(uvkafka.KafkaError):
                await admin.incremental_alter_configs([("topic", topic, {"no.such.config": "1"})])
    run(main)


def test_groups_offsets_records(brokers, run):
    topic = unique("uvk-py-adm-groups")
    group = topic + "-g"

    async def main():
        await create_topic(brokers, topic, 1)
        async with uvkafka.Producer(brokers) as p:
            for i in range(10):
                await p.send(topic, b"v%d" % i, timestamp=1000 * (i + 1))
        async with uvkafka.Admin(brokers) as admin:
            c = uvkafka.Consumer(topic, brokers=brokers, group_id=group, from_beginning=True)
            async with c:
                async for _m in c:
                    break  # a member now: the group is described while it runs
                [g] = await admin.describe_groups([group])
                assert (g.group_id, g.state) == (group, "Stable")
                assert len(g.members) == 1 and g.members[0].member_id == c.member_id
                assert group in [x.group_id for x in await admin.list_groups()]
            [g] = await admin.describe_groups([group])
            assert g.state == "Empty" and g.members == []
            assert [(o.partition, o.offset) for o in await admin.set_offsets(group, topic, [(0, 3)])] == [(0, 3)]
            assert [o.offset for o in await admin.fetch_offsets(group, [topic])] == [3]
            await admin.reset_offsets(group, topic, earliest=True)
            assert [o.offset for o in await admin.fetch_offsets(group, [topic])] == [0]
            rs = await admin.delete_group_offsets(group, topic)
            assert rs == [uvkafka.PartitionResult(topic, 0, None)]
            assert [o.offset for o in await admin.fetch_offsets(group, [topic])] == [-1]

            [o] = await admin.fetch_topic_offsets_by_timestamp(topic, 2500)
            assert (o.offset, o.high) == (2, 10)
            [o] = await admin.delete_topic_records(topic, [(0, 5)])
            assert o.low == 5
            assert [(o.low, o.high) for o in await admin.fetch_topic_offsets(topic)] == [(5, 10)]
            assert (await admin.delete_groups([group]))[0].error is None
    run(main)


def test_reassignments_and_elections(brokers, run):
    topic = unique("uvk-py-adm-reassign")

    async def main():
        await create_topic(brokers, topic, 2)
        async with uvkafka.Admin(brokers) as admin:
            node = (await admin.describe_cluster()).brokers[0].node_id
            rs = await admin.alter_partition_reassignments([(topic, 0, [node])])
            assert rs == [uvkafka.PartitionResult(topic, 0, None)]
            with pytest.raises(uvkafka.KafkaError):  # broker 9999 does not exist
                await admin.alter_partition_reassignments([(topic, 1, [9999])])
            ongoing = await admin.list_partition_reassignments({topic: [0, 1]})
            assert all(r.topic == topic for r in ongoing)
            rs = await admin.elect_leaders({topic: None})
            assert sorted(r.partition for r in rs) == [0, 1]
            assert all(r.error is not None and r.error.kafka_code == 84 for r in rs)  # ELECTION_NOT_NEEDED
    run(main)


def test_acls_and_scram_credentials(brokers, run):
    user = unique("uvk-py-user")
    principal = "User:" + user

    async def main():
        async with uvkafka.Admin(brokers) as admin:
            acl = Acl(AclResourceType.TOPIC, user + "-", "prefixed", principal, "*", AclOperation.READ, "allow")
            rs = await admin.create_acls([acl, {"resource_type": "group", "resource_name": user, "pattern_type":
                                                "literal", "principal": principal, "host": "*", "operation": "read",
                                                "permission_type": "deny"}])
            assert [(r.request_index, r.error) for r in rs] == [(0, None), (1, None)]
            async def described(want):
                """The broker's authorizer applies ACL changes from the metadata log after the
                answer (no event tells when): describe until it shows want (10 s at most)."""
                for _ in range(100):
                    got = await admin.describe_acls(Acl(principal=principal))
                    if sorted(r.acl.resource_type for r in got) == sorted(want):
                        return got
                    await asyncio.sleep(0.1)
                return got

            got = await described([AclResourceType.TOPIC, AclResourceType.GROUP])
            assert sorted((r.acl.resource_type, r.acl.permission_type) for r in got) == [
                (AclResourceType.TOPIC, AclPermissionType.ALLOW), (AclResourceType.GROUP, AclPermissionType.DENY)]
            assert [r.acl for r in got if r.acl.resource_type == AclResourceType.TOPIC] == [
                acl._replace(pattern_type=AclPatternType.PREFIXED, permission_type=AclPermissionType.ALLOW)]
            gone = await admin.delete_acls([Acl(resource_type="topic", principal=principal)])
            assert [(r.request_index, r.acl.resource_type) for r in gone] == [(0, AclResourceType.TOPIC)]
            assert [r.acl.resource_type for r in await described([AclResourceType.GROUP])] == [AclResourceType.GROUP]
            await admin.delete_acls([Acl(principal=principal)])

            rs = await admin.alter_user_scram_credentials([(user, "scram-sha-256", "secret-1", 8192)])
            assert rs == [uvkafka.TopicResult(user, None)]
            [u] = await eventually(lambda: admin.describe_user_scram_credentials([user]),
                                   lambda r: not isinstance(r, Exception) and r[0].credentials)
            assert u.error is None and u.credentials == [uvkafka.ScramCredentialInfo(uvkafka.ScramMechanism.SCRAM_SHA_256,
                                                                                     8192)]
            assert user in [x.user for x in await eventually(admin.describe_user_scram_credentials,
                                                             lambda r: user in [x.user for x in r])]
            assert (await admin.alter_user_scram_credentials([(user, "scram-sha-256", None)]))[0].error is None
            gone = await eventually(lambda: admin.describe_user_scram_credentials([user]),
                                    lambda r: isinstance(r, Exception))
            assert isinstance(gone, uvkafka.KafkaError)  # RESOURCE_NOT_FOUND (91)
    run(main)


def test_admin_refuses_bad_input_before_sending():
    async def main():
        admin = uvkafka.Admin("127.0.0.1:1", retry={"retries": 0}, log_level="NOTHING")
        with pytest.raises(ValueError, match="resources\\[0\\] type"):
            await admin.describe_configs([("cluster", "x")])
        with pytest.raises(TypeError, match="resources\\[0\\]"):
            await admin.describe_configs(["topic"])
        with pytest.raises(ValueError, match="operation"):
            await admin.create_acls([Acl("topic", "t", "literal", "User:x", "*", "reed", "allow")])
        with pytest.raises(TypeError, match="acls\\[0\\]"):
            await admin.create_acls([("topic", "t")])
        with pytest.raises(ValueError, match="mechanism"):
            await admin.alter_user_scram_credentials([("u", "md5", "p")])
        with pytest.raises(ValueError, match="iterations"):
            await admin.alter_user_scram_credentials([("u", "scram-sha-512", "p", 1 << 20)])
        with pytest.raises(ValueError, match="partition"):
            await admin.set_offsets("g", "t", [(-1, 0)])
        with pytest.raises(TypeError, match="replicas"):
            await admin.alter_partition_reassignments([("t", 0, "1")])
        with pytest.raises(ValueError, match="timestamp"):
            await admin.fetch_topic_offsets_by_timestamp("t", -5)
        with pytest.raises(TypeError, match="config value"):
            await admin.alter_configs([("topic", "t", {"k": 1})])
        with pytest.raises(ValueError, match="op"):
            await admin.incremental_alter_configs([("topic", "t", [("k", "v", "replace")])])
        admin.close()
        admin.close()
        with pytest.raises(RuntimeError, match="closed"):
            await admin.describe_cluster()
    asyncio.run(main())
