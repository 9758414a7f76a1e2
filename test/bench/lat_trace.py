#!/usr/bin/env python3
"""Where a fixed-rate produce's latency goes, from produce_bench's BENCH_TRACE files.

    BENCH_TRACE=/tmp/u.trace produce_bench_uvkafka uvkafka BROKERS TOPIC 100000 100 -1 5 default 0 10000
    BENCH_TRACE=/tmp/r.trace produce_bench_peer rdkafka ...
    test/bench/lat_trace.py /tmp/u.trace /tmp/r.trace

Each message is assigned to its batch by partition and offset (each partition's batches in
the order the client logged them, their message counts in that order). Per message: the
latency (send call to delivery report) split into the wait in the client (send call to the
batch's write: uvkafka's "sent" debug line, librdkafka's "Sent ProduceRequest") and the rest
(write to delivery report: broker, network, reading the answer, callbacks). Per batch: the
effective linger (its first message's send call to the write), messages per batch, and for
uvkafka the seal against its linger deadline on the loop's millisecond clock."""
import re
import sys
from collections import defaultdict

U_SEAL = re.compile(r'sealed (\S+) \[(\d+)\] n=(\d+) first=(\d+) due=(\d+) now=(\d+)')
U_SENT = re.compile(r'sent (\S+) \[(\d+)\] n=(\d+) node=(\d+) batch=(\d+)/')
U_ANSWER = re.compile(r'answer \d+ batches')
R_SET = re.compile(r'\[(\d+)\]: Produce MessageSet with (\d+) message')
R_SENT = re.compile(r'(\S+): Sent ProduceRequest .*CorrId (\d+)')
R_ANSWER = re.compile(r'(\S+): Received ProduceResponse .*CorrId (\d+)')


def pct(v, p):
    if not v:
        return float('nan')
    v = sorted(v)
    k = max(1, min(len(v), int(p / 100.0 * len(v) + 0.999999)))
    return v[k - 1]


def row(name, v, scale=1e6):
    return '| %s | %s |' % (name, ' | '.join('%.3f' % (pct(v, p) / scale) for p in (50, 90, 99, 99.9)))


def load(path):
    client, msgs, lines = None, [], []
    with open(path) as f:
        for ln in f:
            if ln.startswith('C '):
                client = ln[2:].strip()
            elif ln.startswith('M '):
                _, i, s, a, p, o = ln.split()
                msgs.append((int(i), int(s), int(a), int(p), int(o)))
            elif ln.startswith('L '):
                _, t, text = ln.rstrip('\n').split(' ', 2)
                lines.append((int(t), text))
    return client, msgs, lines


def batches_of(client, lines):
    """Per partition, [(count, made_ns, sent_ns, answer_ns, extra)] in log order (made: seal /
    MessageSet; answer: the client read the Produce answer)."""
    out = defaultdict(list)
    if client == 'uvkafka':
        seals = defaultdict(list)
        requests = defaultdict(list)  # per node, requests awaiting their answer (answers come in order)
        answers = []  # answer lines, in order; which node is unknown: matched below by order over all nodes
        pending = []  # (request, batches)
        for t, text in lines:
            m = U_SEAL.search(text)
            if m:
                seals[int(m.group(2))].append((t, int(m.group(4)), int(m.group(5)), int(m.group(6))))
                continue
            m = U_SENT.search(text)
            if m:
                p = int(m.group(2))
                seal = seals[p].pop(0) if seals[p] else (t, 0, 0, 0)
                b = [int(m.group(3)), seal[0], t, None, seal[1:]]
                if m.group(5) == '0':
                    pending.append([])
                pending[-1].append(b)
                out[p].append(b)
                continue
            if U_ANSWER.search(text) and pending:
                for b in pending.pop(0):  # one broker here: answers in request order
                    b[3] = t
    else:
        waiting, sent = [], {}
        for t, text in lines:
            m = R_SET.search(text)
            if m:
                waiting.append((int(m.group(1)), int(m.group(2)), t))
                continue
            m = R_SENT.search(text)
            if m and waiting:
                sent[(m.group(1), m.group(2))] = bs = []
                for p, n, made in waiting:
                    b = [n, made, t, None, None]
                    bs.append(b)
                    out[p].append(b)
                waiting = []
                continue
            m = R_ANSWER.search(text)
            if m:
                for b in sent.pop((m.group(1), m.group(2)), []):
                    b[3] = t
    return out


def analyse(path):
    client, msgs, lines = load(path)
    by_part = defaultdict(list)
    for m in msgs:
        by_part[m[3]].append(m)
    batches = batches_of(client, lines)
    lat, wait, rest, linger, sizes, seal_late, seal_to_sent = [], [], [], [], [], [], []
    rtt, deliver = [], []
    unmatched = 0
    for p, ms in by_part.items():
        ms.sort(key=lambda m: m[4])
        bs = [b for b in batches[p] if b[2] >= 0 and b[0] > 0]  # the untimed first message's batch went before t0
        k = 0
        for n, made, sent, answer, extra in bs:
            group = ms[k:k + n]
            k += n
            if not group:
                break
            first = min(m[1] for m in group)
            linger.append(sent - first)
            sizes.append(len(group))
            seal_to_sent.append(sent - made)
            if extra:
                seal_late.append((extra[2] - extra[1]) * 1e6)  # loop ms past the deadline
            for m in group:
                wait.append(sent - m[1])
                rest.append(m[2] - sent)
                if answer is not None:
                    rtt.append(answer - sent)
                    deliver.append(m[2] - answer)
        unmatched += max(0, len(ms) - k)
        for m in ms:
            lat.append(m[2] - m[1])
    print('### %s (%s): %d messages, %d batches, %d not matched to a batch' %
          (client, path, len(msgs), len(sizes), unmatched))
    print()
    print('| ms | p50 | p90 | p99 | p99.9 |')
    print('|---|---:|---:|---:|---:|')
    print(row('latency (send call to report)', lat))
    print(row('  wait in the client (send call to write)', wait))
    print(row('  write to report (broker, read, callback)', rest))
    print(row('    write to answer read (broker and the wake-up)', rtt))
    print(row('    answer read to report (decode, callbacks)', deliver))
    print(row('batch: first send call to write (effective linger)', linger))
    print(row('batch: seal / MessageSet to write', seal_to_sent))
    if seal_late:
        print(row('batch: seal past the linger deadline (loop ms)', seal_late))
    print(row('messages per batch', sizes, 1))
    print()


for path in sys.argv[1:]:
    analyse(path)
