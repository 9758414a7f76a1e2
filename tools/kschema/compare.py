#!/usr/bin/env python3
"""compare.py: checks that two schema directories describe the same wire format on every
version both have. Usage: compare.py OLD_DIR NEW_DIR [--junit XML_PATH]

Per message and version: the fields present (snake_case names, in order), their types,
nullability, tags, compactness, the message's flexibility, defaults, and the ignorable flag
where a field is absent. A field renamed with the same wire format is reported, not failed. A version the old directory marks as its unstable latest is skipped:
it was still changing then. So is v0 of the share-group APIs: early access in Kafka 4.0
(KIP-932), changed before 4.1, whose brokers refuse it. Prints every difference; exit 1 if any.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kgen"))
import schema  # noqa: E402
import json  # noqa: E402


def norm_default(f):
    d = f.default
    if d is None or d == "":
        d = None
    elif f.type in ("int8", "int16", "uint16", "int32", "uint32", "int64"):
        d = int(str(d), 0)
    elif f.type == "float64":
        d = float(d)
    elif f.type == "bool":
        d = str(d).lower() == "true"
    if d in (0, 0.0, False) and not isinstance(d, str):
        d = None
    if f.is_array or f.elem_is_struct or f.type in ("bytes", "records", "uuid"):
        d = None
    return d


def flat(fields, v, flexible, path=""):
    out = []
    for f in fields:
        if not f.versions.contains(v):
            continue
        name = path + schema.snake(f.name)
        compact = flexible and f.flexible_override != "none"
        tagged = f.tag if f.tagged.contains(v) else None
        out.append((name, f.type, f.nullable.contains(v), tagged, compact, norm_default(f)))
        if f.elem_is_struct:
            out += flat(f.fields, v, flexible, name + ".")
    return out


def ignorables(fields, v, path=""):
    """Fields absent at v and their ignorable flag."""
    out = {}
    for f in fields:
        name = path + schema.snake(f.name)
        if not f.versions.contains(v) or (f.tag is not None and not f.tagged.contains(v)):
            out[name] = f.ignorable
        if f.elem_is_struct and f.versions.contains(v):
            out.update(ignorables(f.fields, v, name + "."))
    return out


EARLY_ACCESS_V0 = {  # Kafka 4.0's early-access share-group messages (KIP-932): v0 changed since
    "ShareGroupHeartbeatRequest", "ShareGroupHeartbeatResponse", "ShareGroupDescribeRequest",
    "ShareGroupDescribeResponse", "ShareFetchRequest", "ShareFetchResponse", "ShareAcknowledgeRequest",
    "ShareAcknowledgeResponse",
}


def unstable_latest(path):
    with open(path) as fh:
        d = json.loads(schema.strip_comments(fh.read()))
    return d.get("latestVersionUnstable", False)


def write_junit(path, checked, diffs):
    """One test case in JUnit XML, as the test command's summary counts results."""
    from xml.sax.saxutils import escape, quoteattr
    name = "the schemas derived from kafka-clients agree with the 4.0 snapshot"
    body = ""
    if diffs:
        body = f'<failure message={quoteattr(f"{len(diffs)} differences")}>{escape(chr(10).join(diffs))}</failure>'
    with open(path, "w") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        fh.write(f'<testsuite name="kschema_vs_snapshot" tests="1" failures="{1 if diffs else 0}" errors="0" '
                 f'skipped="0"><testcase classname="kschema" name={quoteattr(name)}>{body}'
                 f'<system-out>{checked} message versions compared</system-out></testcase></testsuite>\n')


def main():
    args = sys.argv[1:]
    junit = None
    if "--junit" in args:
        i = args.index("--junit")
        junit = args[i + 1]
        del args[i:i + 2]
    old_dir, new_dir = args[0], args[1]
    old = {m.name: m for m in schema.select(old_dir)}
    new = {m.name: m for m in schema.select(new_dir)}
    diffs, checked, renames = [], 0, set()
    for name in sorted(old):
        if name not in new:
            diffs.append(f"{name}: missing from {new_dir}")
            continue
        a, b = old[name], new[name]
        skip = a.valid.hi if unstable_latest(os.path.join(old_dir, name + ".json")) else None
        for v in range(max(a.valid.lo, b.valid.lo), min(a.valid.hi, b.valid.hi) + 1):
            if v == skip or (v == 0 and name in EARLY_ACCESS_V0):
                continue
            checked += 1
            fa, fb = a.flexible.contains(v), b.flexible.contains(v)
            if fa != fb:
                diffs.append(f"{name} v{v}: flexible {fa} vs {fb}")
            la, lb = flat(a.fields, v, fa), flat(b.fields, v, fb)
            if la != lb and [x[1:] for x in la] == [x[1:] for x in lb]:
                for x, y in zip(la, lb):
                    if x[0] != y[0]:
                        renames.add(f"{name}: {x[0]} is now {y[0]}")
            elif la != lb:
                sa, sb = set(la), set(lb)
                diffs.append(f"{name} v{v}: only old {sorted(sa - sb)} only new {sorted(sb - sa)}"
                             if sa != sb else f"{name} v{v}: field order differs")
            ia, ib = ignorables(a.fields, v), ignorables(b.fields, v)
            for k in sorted(set(ia) & set(ib)):
                if ia[k] != ib[k]:
                    diffs.append(f"{name} v{v}: {k} ignorable {ia[k]} vs {ib[k]}")
    for d in diffs:
        print(d)
    for r in sorted(renames):
        print(f"renamed (same wire format): {r}", file=sys.stderr)
    print(f"compare.py: {checked} message versions compared, {len(diffs)} differences", file=sys.stderr)
    if junit:
        write_junit(junit, checked, diffs)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
