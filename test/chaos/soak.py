#!/usr/bin/env python3
"""Chaos soak: uvkafka clients under a randomized nemesis on the 3-node test cluster, then a
checker that reads everything back and proves what the clients promise.

    test/chaos/soak.py --build BUILD --seconds 120 [--seed N] [--junit FILE] [--out DIR]

Needs the cluster's environment (UVK_TEST_BROKERS, UVK_CLUSTER_DIR; eval "$(test/kafka/cluster.sh
up --nodes 3)"). Without --seed a random seed is drawn and printed; the same seed gives the same
fault schedule (which fault, which target, when), so a failing run can be run again.

    options: --group-protocol classic|consumer (the members'), --pipelines N (default 2;
    0 leaves out workload (c)).

Workloads, all running at once on topics of their own (6 partitions, replication factor 3,
min.insync.replicas 2):
  (a) 2 idempotent producers (acks -1, chaos_worker produce) write numbered values to IN, 500
      a second each;
  (b) a consumer group of 3 `uvk consume` processes (classic and consumer protocols mixed)
      reads IN and commits; each writes a line per message before its offset is committed;
  (c) 2 consume-transform-produce pipelines (chaos_worker pipeline, one transactional id each)
      read IN read_committed and write to OUT in transactions that commit their input offsets.
The nemesis acts every 2-6 s, faults overlapping: SIGKILL + restart, SIGSTOP + SIGCONT and plain
restarts of a broker, or SIGKILL / SIGSTOP of the active KRaft controller (at most one node is
down or stopped at a time, so acks=all stays possible: min.insync.replicas 2 of 3), SIGKILL of
a group member or a pipeline (restarted a few seconds later; a pipeline with its transactional
id, which fences its zombie), a TCP fault on the connections of producer1 or pipeline1 (they
go through fault proxies: delay, reset, blackhole, one-byte writes, for 2-12 s), a partition
reassignment (a new replica order) and a preferred leader election through the admin client.

The checks (each a JUnit case): every acknowledged record is in IN at the offset its
acknowledgement gave, read back by uvkafka and by kcat (a client nobody here wrote), which
agree; no value twice in IN (idempotence); per producer and partition the values are in order;
every record of IN reached the group (a line of some member) and the group's committed offsets
end at the log end; OUT read_committed holds each IN record exactly once, each output names an
input that exists with that value (nothing without its input, nothing twice, nothing from an
aborted transaction); the pipelines' group ends at the log end. Memory and descriptors of the
long-lived processes are sampled every 10 s; after the first third of the run RSS may grow by
at most --rss-growth-mb (default 32) and descriptors by 16.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
import xml.sax.saxutils as sx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLUSTER = os.path.join(ROOT, "test", "kafka", "cluster.sh")
PARTITIONS = 6


def log(msg):
    print(f"[soak {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Proc:
    """A client process whose stdout goes to a file; restarted under the same name."""

    def __init__(self, name, argv, out_dir, env=None):
        self.name, self.argv, self.out_dir, self.env = name, argv, out_dir, env
        self.p = None
        self.lives = 0
        self.killed = False  # the nemesis killed the current life
        self.deaths = []     # exit statuses of lives that ended on their own
        self.samples = []  # (t, rss_kb, fds) of the current life

    def start(self):
        if self.p is not None and self.p.poll() is not None and not self.killed:
            self.deaths.append(self.p.returncode)  # it ended without the nemesis
        self.killed = False
        self.lives += 1
        path = os.path.join(self.out_dir, f"{self.name}.{self.lives}.out")
        err = open(os.path.join(self.out_dir, f"{self.name}.{self.lives}.err"), "w")
        self.p = subprocess.Popen(self.argv, stdout=open(path, "w"), stderr=err, stdin=subprocess.DEVNULL,
                                  env=dict(os.environ, **self.env) if self.env else None)
        self.samples = []

    def alive(self):
        return self.p is not None and self.p.poll() is None

    def signal(self, sig):
        if self.alive():
            self.p.send_signal(sig)

    def sample(self, t):
        if not self.alive():
            return
        try:
            with open(f"/proc/{self.p.pid}/status") as f:
                rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
            fds = len(os.listdir(f"/proc/{self.p.pid}/fd"))
            self.samples.append((t, rss, fds))
        except (OSError, StopIteration):
            pass

    def outputs(self):
        return [os.path.join(self.out_dir, f"{self.name}.{i}.out") for i in range(1, self.lives + 1)]


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def cluster(*args, wait=True):
    """cluster.sh ARGS; wait=False returns the running process (a restart takes seconds)."""
    env = dict(os.environ, UVK_CLUSTER_DIR=os.environ.get("UVK_TEST_CLUSTER_DIR", ""))
    if not wait:
        return subprocess.Popen([CLUSTER, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    r = run([CLUSTER, *args], env=env)
    if r.returncode != 0:
        log(f"cluster.sh {' '.join(args)} failed: {r.stderr.strip()[-300:]}")
    return r.returncode == 0


def active_controller(cluster_dir):
    """The KRaft quorum leader: the newest leaderEpoch any node's quorum-state names."""
    best = (-1, None)
    for node in sorted(os.listdir(cluster_dir)) if cluster_dir and os.path.isdir(cluster_dir) else []:
        path = os.path.join(cluster_dir, node, "data", "__cluster_metadata-0", "quorum-state")
        try:
            with open(path) as f:
                q = json.load(f)
            if q.get("leaderId", -1) >= 0 and q.get("leaderEpoch", -1) > best[0]:
                best = (q["leaderEpoch"], q["leaderId"])
        except (OSError, ValueError):
            pass
    return best[1]


TCP_FAULTS = ["delay", "reset", "blackhole", "onebyte"]


class Nemesis:
    """The fault schedule, drawn from one seeded generator; at most one broker down at a time
    (min.insync.replicas 2 of 3); TCP faults, admin moves and client kills overlap with it."""

    def __init__(self, rng, nodes, members, pipelines, proxied, admin, topics, out):
        self.rng, self.nodes, self.members, self.pipelines = rng, nodes, members, pipelines
        self.proxied, self.admin, self.topics, self.out = proxied, admin, topics, out
        self.down = None  # (node, how, until)
        self.starting = None  # a broker restart under way (cluster.sh start): still down
        self.dead = []    # (proc, restart_at)
        self.tcp = []     # (proc, clear_at)
        self.admins = []  # admin calls under way
        self.history = []
        self.counts = {}

    def note(self, t, what):
        self.history.append((round(t, 1), what))
        kind = what.split()[0]
        self.counts[kind] = self.counts.get(kind, 0) + 1
        log(f"nemesis t={t:.1f}s: {what}")

    def act(self, t):
        r = self.rng
        kinds = ["member-kill", "pipeline-kill", "tcp-fault", "reassign", "elect"]
        if self.starting is not None and self.starting.poll() is not None:
            self.starting = None
        if self.down is None and self.starting is None:
            kinds += ["broker-kill", "broker-stop", "broker-restart", "controller-kill", "controller-stop"]
        kind = r.choice(kinds)
        if kind == "member-kill" or kind == "pipeline-kill":
            pool = [p for p in (self.members if kind == "member-kill" else self.pipelines) if p.alive()]
            if not pool:
                return
            p = r.choice(pool)
            p.signal(signal.SIGKILL)
            p.killed = True
            back = r.uniform(2, 8)
            self.dead.append((p, t + back))
            self.note(t, f"{kind} {p.name} (back in {back:.1f} s)")
        elif kind == "tcp-fault":
            fault, ms, back = r.choice(TCP_FAULTS), r.choice([50, 200, 1000]), r.uniform(2, 12)
            pool = [p for p in self.proxied if p.alive() and p not in [x for x, _ in self.tcp]]
            if not pool:
                return
            p = r.choice(pool)
            what = f"delay {ms}" if fault == "delay" else fault
            with open(p.env["CHAOS_PROXY"], "w") as f:
                f.write(what + "\n")
            p.signal(signal.SIGUSR1)
            self.tcp.append((p, t + back))
            self.note(t, f"tcp-fault {p.name} {what} (cleared in {back:.1f} s)")
        elif kind == "reassign" or kind == "elect":
            topic = r.choice(self.topics)
            if kind == "reassign":
                part = r.randrange(PARTITIONS)
                replicas = list(range(1, self.nodes + 1))
                r.shuffle(replicas)
                argv = ["reassign", topic, str(part), ",".join(map(str, replicas))]
                what = f"reassign {topic} {part} to {replicas}"
            else:
                argv = ["elect", topic]
                what = f"elect preferred leaders of {topic}"
            n = len(self.admins) + 1
            outf = open(os.path.join(self.out, f"admin.{n}.out"), "w")
            self.admins.append(subprocess.Popen([*self.admin, *argv], stdout=outf, stderr=subprocess.STDOUT))
            self.note(t, what)
        else:
            node = r.randint(1, self.nodes)
            if kind.startswith("controller-"):
                node = active_controller(os.environ.get("UVK_TEST_CLUSTER_DIR", "")) or node
                kind_node = f"{kind} node {node} (the active controller)"
            else:
                kind_node = f"{kind} node {node}"
            if kind in ("broker-kill", "controller-kill"):
                cluster("kill", str(node))
                back = r.uniform(3, 10)
                self.down = (node, "start", t + back)
                self.note(t, f"{kind_node} (restart in {back:.1f} s)")
            elif kind in ("broker-stop", "controller-stop"):
                cluster("stop", str(node))
                back = r.uniform(2, 8)
                self.down = (node, "cont", t + back)
                self.note(t, f"{kind_node} (SIGCONT in {back:.1f} s)")
            else:
                cluster("kill", str(node))
                self.down = (node, "start", t)
                self.note(t, kind_node)

    def heal(self, t, everything=False):
        if self.down and (everything or t >= self.down[2]):
            node, how, _ = self.down
            if how == "cont":
                cluster("cont", str(node))
            else:
                self.starting = cluster("start", str(node), wait=False)
            self.down = None
        if everything and self.starting is not None:
            self.starting.wait()
            self.starting = None
        for p, at in list(self.tcp):
            if everything or t >= at:
                with open(p.env["CHAOS_PROXY"], "w") as f:
                    f.write("clear\n")
                p.signal(signal.SIGUSR1)
                self.tcp.remove((p, at))
        for p, at in list(self.dead):
            if everything or t >= at:
                p.start()
                self.dead.remove((p, at))
        if everything:
            for a in self.admins:
                try:
                    a.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    a.kill()


def read_lines(paths):
    for path in paths:
        with open(path, errors="replace") as f:
            for line in f:
                if line.endswith("\n"):  # a line cut by SIGKILL is not a record
                    yield line.rstrip("\n")


def dump(argv):
    """{partition: {offset: value}} from a `%p %o %s` dump."""
    r = run(argv, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed: {r.stderr.strip()[-400:]}")
    out = {}
    for line in r.stdout.splitlines():
        p, o, v = line.split(" ", 2)
        out.setdefault(int(p), {})[int(o)] = v
    return out


def group_lag(uvk, brokers, group, topic, ends):
    """How far the group's committed offsets of `topic` are behind `ends`, or None."""
    r = run([uvk, "groups", "offsets", "-b", brokers, "-g", group, "--json"], timeout=60)
    if r.returncode != 0:
        return None
    try:
        rows = json.loads(r.stdout)
    except ValueError:
        return None
    committed = {int(x["partition"]): int(x["offset"]) for x in rows if x.get("topic") == topic}
    return sum(max(0, end - committed.get(p, 0)) for p, end in ends.items())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--junit")
    ap.add_argument("--out")
    ap.add_argument("--kcat", default="kcat")
    ap.add_argument("--rss-growth-mb", type=float, default=32)
    ap.add_argument("--group-protocol", default="classic", choices=["classic", "consumer"])
    ap.add_argument("--pipelines", type=int, default=2)
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.SystemRandom().randrange(1 << 31)
    rng = random.Random(seed)
    brokers = os.environ.get("UVK_TEST_BROKERS") or sys.exit("UVK_TEST_BROKERS is not set: start the cluster first")
    nodes = len(brokers.split(","))
    uvk = os.path.join(a.build, "samples", "uvk")
    worker = os.path.join(a.build, "test", "chaos", "chaos_worker")
    out = a.out or os.path.join(a.build, "test-results", f"chaos-{seed}")
    os.makedirs(out, exist_ok=True)
    log(f"seed {seed} ({a.seconds:.0f} s, {nodes} nodes); outputs in {out}")
    tag = f"chaos-{seed}-{int(time.time())}"
    IN, OUT, G, PG = f"{tag}-in", f"{tag}-out", f"{tag}-group", f"{tag}-pipe"
    for t in (IN, OUT):
        r = run([uvk, "topics", "create", "-b", brokers, "-t", t, "--partitions", str(PARTITIONS),
                 "--replication-factor", str(min(3, nodes)), "--config", "min.insync.replicas=%d" % min(2, nodes)])
        if r.returncode != 0:
            sys.exit(f"creating {t}: {r.stderr}")

    # producer1 and pipeline1 reach the brokers through TCP fault proxies (CHAOS_PROXY).
    def tcp(name, i):
        return {"CHAOS_PROXY": os.path.join(out, f"{name}.tcp")} if i == 1 else None
    producers = [Proc(f"producer{i}", [worker, "produce", brokers, IN, str(PARTITIONS), str(i), "5"], out,
                      tcp(f"producer{i}", i)) for i in (1, 2)]
    members = [Proc(f"member{i}", [uvk, "consume", "-b", brokers, "-t", IN, "-g", G, "-o", "beginning", "-f", "%p %o %s\\n", "-u",
                                   "-q", "--group-protocol", a.group_protocol], out)
               for i in (1, 2, 3)]
    pipelines = [Proc(f"pipeline{i}", [worker, "pipeline", brokers, PG, IN, OUT, f"{tag}-tx{i}"], out,
                      tcp(f"pipeline{i}", i)) for i in range(1, a.pipelines + 1)]
    everyone = producers + members + pipelines
    for p in everyone:
        p.start()

    proxied = [p for p in producers + pipelines if p.env]
    nemesis = Nemesis(rng, nodes, members, pipelines, proxied, [worker, "admin", brokers], [IN, OUT] if pipelines else [IN],
                      out)
    t0 = time.time()
    next_fault = rng.uniform(2, 6)
    next_sample = 0.0
    while time.time() - t0 < a.seconds:
        t = time.time() - t0
        nemesis.heal(t)
        if t >= next_fault:
            nemesis.act(t)
            next_fault = t + rng.uniform(2, 6)
        if t >= next_sample:
            for p in producers:  # the processes that live through the whole run
                p.sample(t)
            next_sample = t + 10
        for p in producers:
            if not p.alive():
                sys.exit(f"{p.name} exited with {p.p.returncode}: see {out}")
        time.sleep(0.2)
    nemesis.heal(a.seconds, everything=True)
    log("faults over; producers stop (flush)")
    for p in producers:
        p.signal(signal.SIGTERM)
    for p in producers:
        p.p.wait(timeout=180)

    cases = []  # (name, ok, message)
    def check(name, ok, msg=""):
        cases.append((name, bool(ok), msg))
        log(f"{'PASS' if ok else 'FAIL'} {name}{': ' + msg if msg and not ok else ''}")

    ours = dump([uvk, "consume", "-b", brokers, "-t", IN, "-o", "beginning", "-e", "-q", "-f", "%p %o %s\\n",
                 "-X", "readUncommitted=true"])
    ends = {p: (max(ours[p]) + 1 if ours.get(p) else 0) for p in range(PARTITIONS)}
    # 180 s to reach the end, and 60 s more each time the lag shrank (a long run's pipelines,
    # killed every few seconds, end far behind and catch up once the faults stop), at most 30 min.
    start = time.time()
    deadline, best = start + 180, None
    log(f"IN holds {sum(len(v) for v in ours.values())} records; waiting for both groups to reach the end")
    lags = {}
    while time.time() < deadline:
        for g in (G, PG) if pipelines else (G,):
            lags[g] = group_lag(uvk, brokers, g, IN, ends)
        total = sum(v for v in lags.values() if v is not None)
        if best is None or total < best:
            best = total
            deadline = min(max(deadline, time.time() + 60), start + 1800)
        for p in members + pipelines:
            if not p.alive():  # a pipeline that exited on a fatal transactional state restarts
                p.start()
        if lags[G] == 0 and (not pipelines or lags[PG] == 0):
            break
        time.sleep(1)
    log(f"lags at the end of the wait ({time.time() - start:.0f} s): {lags}")
    for p in members + pipelines:
        p.signal(signal.SIGTERM)
    for p in members + pipelines:
        try:
            p.p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.p.kill()

    # --- what the producers were told ---
    acked, failed = [], 0
    for i, p in enumerate(producers, 1):
        for line in read_lines(p.outputs()):
            f = line.split()
            if f[0] == "A":
                acked.append((i, int(f[1]), int(f[2]), int(f[3]), int(f[4])))
            elif f[0] == "F":
                failed += int(f[2])
    theirs = dump([a.kcat, "-C", "-b", brokers, "-t", IN, "-o", "beginning", "-e", "-q", "-f", "%p %o %s\\n"])
    records = sum(len(v) for v in ours.values())
    check("IN read back by uvkafka and by kcat is the same", ours == theirs,
          f"uvkafka {records} records, kcat {sum(len(v) for v in theirs.values())}")
    lost = []
    for pid, seq, count, part, base in acked:
        for k in range(count):
            if ours.get(part, {}).get(base + k) != f"{pid}:{seq + k}":
                lost.append((pid, seq + k, part, base + k))
    n_acked = sum(x[2] for x in acked)
    check("every acknowledged record is in IN at its acknowledged offset", not lost,
          f"{len(lost)} of {n_acked} missing or elsewhere, first {lost[:5]}")
    seen, dups, disorder = {}, [], []
    for part, recs in ours.items():
        last = {}
        for off in sorted(recs):
            v = recs[off]
            if v in seen:
                dups.append((v, seen[v], (part, off)))
            seen[v] = (part, off)
            pid, seq = v.split(":")
            if last.get(pid, -1) > int(seq):
                disorder.append((part, off, v))
            last[pid] = int(seq)
    check("no value twice in IN (idempotent producers)", not dups, f"{len(dups)} duplicates, first {dups[:5]}")
    check("per producer and partition the values are in order", not disorder, f"first {disorder[:5]}")

    got = {}
    for p in members:
        for line in read_lines(p.outputs()):
            part, off, _ = line.split(" ", 2)
            key = (int(part), int(off))
            got[key] = got.get(key, 0) + 1
    missing = [(part, off) for part, recs in ours.items() for off in recs if (part, off) not in got]
    check("every record of IN reached the consumer group", not missing, f"{len(missing)} never read, first {missing[:5]}")
    check("the group's committed offsets end at the log end", lags.get(G) == 0, f"lag {lags.get(G)}")
    twice = sum(1 for n in got.values() if n > 1)

    if pipelines:
        outc = dump([a.kcat, "-C", "-b", brokers, "-t", OUT, "-o", "beginning", "-e", "-q", "-f", "%p %o %s\\n",
                     "-X", "isolation.level=read_committed"])
        produced = {}
        bad = []
        for part, recs in outc.items():
            for off, v in recs.items():
                ip, io, iv = v.split(":", 2)
                key = (int(ip), int(io))
                produced[key] = produced.get(key, 0) + 1
                if ours.get(key[0], {}).get(key[1]) != iv or key[0] != part:
                    bad.append((part, off, v))
        more = [k for k, n in produced.items() if n > 1]
        absent = [(part, off) for part, recs in ours.items() for off in recs if (part, off) not in produced]
        check("the pipeline's output has no record without its input", not bad, f"{len(bad)}, first {bad[:5]}")
        check("the pipeline's output holds no input twice (read_committed)", not more, f"{len(more)}, first {more[:5]}")
        check("the pipeline's output holds every input", not absent and lags.get(PG) == 0,
              f"{len(absent)} inputs missing, group lag {lags.get(PG)}")
    else:
        produced = {}

    deaths = {p.name: p.deaths for p in members + pipelines if p.deaths}
    check("no client process ended on its own (a negative status is the signal that ended it)", not deaths, f"{deaths}")

    growth = []
    for p in producers:
        s = p.samples
        warm = [x for x in s if x[0] >= a.seconds / 3]
        if len(warm) >= 2:
            drss = (max(x[1] for x in warm) - warm[0][1]) / 1024
            dfd = max(x[2] for x in warm) - warm[0][2]
            if drss > a.rss_growth_mb or dfd > 16:
                growth.append((p.name, round(drss, 1), dfd))
    check(f"long-lived clients: RSS growth after warm-up <= {a.rss_growth_mb} MB, descriptors <= 16", not growth,
          f"{growth}")
    with open(os.path.join(out, "samples.json"), "w") as f:
        json.dump({p.name: p.samples for p in producers}, f)

    log(f"seed {seed}: {records} records in IN ({n_acked} acknowledged, {failed} in failed sends), "
        f"{sum(produced.values())} in OUT; {twice} records read more than once by the group; faults "
        + ", ".join(f"{k} {v}" for k, v in sorted(nemesis.counts.items())))
    for t, what in nemesis.history:
        print(f"  t={t:7.1f}s {what}", file=sys.stderr)
    if a.junit:
        with open(a.junit, "w") as f:
            fails = sum(1 for c in cases if not c[1])
            f.write(f'<?xml version="1.0"?>\n<testsuite name="chaos" tests="{len(cases)}" failures="{fails}">\n')
            for name, ok, msg in cases:
                f.write(f'  <testcase classname="chaos.seed{seed}" name={sx.quoteattr(name)}>')
                if not ok:
                    f.write(f"<failure message={sx.quoteattr(msg[:500])}/>")
                f.write("</testcase>\n")
            f.write("</testsuite>\n")
    return 0 if all(c[1] for c in cases) else 1


if __name__ == "__main__":
    sys.exit(main())
