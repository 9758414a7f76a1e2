"""A member of a consumer group made with librdkafka 2.16 (the confluent-kafka wheel, made
available by test/lib/rdkafka_wheel.sh and put on PYTHONPATH), for the mixed-group tests
(test/integration/interop_group_it.cc).

    rdkafka_member.py BOOTSTRAP TOPIC GROUP classic|consumer [ASSIGNOR]

ASSIGNOR: classic's partition.assignment.strategy (e.g. cooperative-sticky) or consumer's
group.remote.assignor. Reads from the beginning and prints, flushed at once, the lines
JavaGroupMember.java prints: "A <whole assignment>", "R <revoked>", "M <partition> <value>",
"S" once stopped. Offsets are committed synchronously after each message batch is printed;
it stops (commits, leaves) when its stdin closes. Revoked partitions are committed in the
revoke callback, before they go (a commit refused during a rebalance is retried there).
"""
import os
import select
import sys

from confluent_kafka import Consumer, KafkaError, KafkaException


def plist(tps):
    return ",".join(str(p) for p in sorted(tp.partition for tp in tps))


def main():
    if len(sys.argv) < 5:
        sys.stderr.write(__doc__)
        return 2
    bootstrap, topic, group, protocol = sys.argv[1:5]
    conf = {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "group.protocol": protocol,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    }
    if len(sys.argv) > 5:
        conf["group.remote.assignor" if protocol == "consumer" else "partition.assignment.strategy"] = sys.argv[5]
    if protocol == "classic":
        conf["heartbeat.interval.ms"] = 300
    c = Consumer(conf)
    cooperative = protocol == "consumer" or conf.get("partition.assignment.strategy") == "cooperative-sticky"

    def out(line):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def on_assign(consumer, tps):
        # Cooperative: tps are the added ones; the line names the whole assignment.
        if cooperative:
            consumer.incremental_assign(tps)
        else:
            consumer.assign(tps)
        out("A " + plist(consumer.assignment()))

    def commit(consumer):
        # Refused while the group rebalances: the revoke's own commit (below) or the next
        # batch's carries these offsets.
        try:
            consumer.commit(asynchronous=False)
        except KafkaException as e:
            if e.args[0].code() != KafkaError._NO_OFFSET:  # nothing read since the last commit
                sys.stderr.write("rdkafka_member: commit: %s\n" % e)

    def on_revoke(consumer, tps):
        if tps:
            out("R " + plist(tps))
            commit(consumer)  # what was printed from the revoked partitions, before they go
        if cooperative:
            consumer.incremental_unassign(tps)
        else:
            consumer.unassign()

    c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_revoke)
    stdin = sys.stdin.fileno()
    while True:
        readable, _, _ = select.select([stdin], [], [], 0)
        if readable and not os.read(stdin, 4096):
            break
        msgs = c.consume(num_messages=500, timeout=0.2)
        printed = False
        for m in msgs:
            if m.error():
                continue
            out("M %d %s" % (m.partition(), m.value().decode()))
            printed = True
        if printed:
            commit(c)
    c.close()
    out("S")
    return 0


if __name__ == "__main__":
    sys.exit(main())
