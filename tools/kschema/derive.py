#!/usr/bin/env python3
"""derive.py: turns SchemaDump's per-version facts into the JSON schemas tools/kgen reads.

Usage: derive.py OUT_DIR NEWEST.json [OLDER.json ...]

Each input is SchemaDump's output for one kafka-clients release, newest first. A version of a
message comes from the newest release that still has it: Kafka 4 removed the oldest versions
(KIP-896) that older brokers still need, so an older release fills them in. Field order,
defaults and the ignorable flag come from the newest release that has the field.
Writes one <Name>.json per message (requests, responses, RequestHeader, ResponseHeader) with
only the facts the wire needs; no documentation text.
"""
import json
import os
import sys

BASE = {"BOOLEAN": "bool", "INT8": "int8", "INT16": "int16", "UINT16": "uint16", "INT32": "int32",
        "UINT32": "uint32", "UNSIGNED_INT32": "uint32", "INT64": "int64", "FLOAT64": "float64",
        "UUID": "uuid"}
LISTENERS = {"ZK_BROKER": "zkBroker", "BROKER": "broker", "CONTROLLER": "controller"}
ZERO_DEFAULTS = {"0", "0.0", "false", "", "AAAAAAAAAAAAAAAAAAAAAA"}


class DeriveError(Exception):
    pass


def base_type(t, struct_name):
    """(json type, nullable, compact) of one SchemaDump type name."""
    if ":" in t:
        outer, inner = t.split(":", 1)
        elem, _, _ = base_type(inner, struct_name)
        return "[]" + elem, "NULLABLE" in outer, outer.startswith("COMPACT_")
    nullable, compact = "NULLABLE" in t, t.startswith("COMPACT_")
    core = t.replace("COMPACT_", "").replace("NULLABLE_", "")
    if core in BASE:
        return BASE[core], False, False
    if core in ("STRING", "BYTES", "RECORDS"):
        return core.lower(), nullable, compact
    if core == "STRUCT":
        return struct_name, nullable, False
    raise DeriveError(f"unknown wire type {t}")


def merge_struct(sources):
    """sources: [(struct dict, versions it answers for)], newest first -> merged field list of
    (name, struct class, default, ignorable, {v: fact}, [child sources])."""
    fields = {}
    order = []
    for st, vs in sources:
        prev = None
        for f in st["fields"]:
            name = f["name"]
            if name not in fields:
                fields[name] = {"name": name, "class": f.get("struct", {}).get("class"),
                                "default": f["default"], "ignorable": f["ignorable"], "per": {},
                                "children": []}
                order.insert(order.index(prev) + 1 if prev else 0, name)
            m = fields[name]
            if m["ignorable"] is None:  # observable only where a version lacks the field
                m["ignorable"] = f["ignorable"]
            for v, fact in f["per"].items():
                if int(v) in vs:
                    m["per"][int(v)] = fact
            if "struct" in f:
                m["children"].append((f["struct"], vs))
            prev = name
    return [fields[n] for n in order]


def vrange(want, dont_care, valid, extend_down):
    """A Kafka version range text for the set `want` inside `valid`; versions in `dont_care`
    may be included either way (used to write "0+" / "N+" like Kafka's own files)."""
    if not want:
        return "none"
    lo, hi = min(want), max(want)
    for v in range(lo, hi + 1):
        if v not in want and v not in dont_care:
            raise DeriveError(f"versions {sorted(want)} are not contiguous")
    vmax = max(valid)
    while hi < vmax and (hi + 1) in dont_care:
        hi += 1
    if extend_down:
        while lo > 0 and (lo - 1) in dont_care:
            lo -= 1
    if hi == vmax:
        return f"{lo}+"
    return f"{lo}" if lo == hi else f"{lo}-{hi}"


def emit_fields(merged, valid, parent_present, flexible, where):
    out = []
    for f in merged:
        per = f["per"]
        present = set(per)
        if not present:
            continue  # a field of a version range nobody uses any more
        types = {}
        nullable, tagged, compact, tags = set(), set(), {}, set()
        for v, fact in per.items():
            t, n, c = base_type(fact["type"], f["class"])
            types[t] = v
            if n:
                nullable.add(v)
            if "tag" in fact:
                tagged.add(v)
                tags.add(fact["tag"])
            compact[v] = c
        if len(types) != 1 or len(tags) > 1:
            raise DeriveError(f"{where}.{f['name']}: type or tag changes across versions: {types} {tags}")
        (t,) = types
        d = {"name": f["name"], "type": t}
        try:
            d["versions"] = vrange(present, set(valid) - parent_present, valid, True)
            if nullable:
                d["nullableVersions"] = vrange(nullable, set(valid) - present, valid, False)
            if tags:
                d["taggedVersions"] = vrange(tagged, set(valid) - present, valid, False)
                d["tag"] = tags.pop()
        except DeriveError as e:
            raise DeriveError(f"{where}.{f['name']}: {e}")
        flex_present = [v for v in present if v in flexible and v not in tagged]
        if (t.startswith("[]") or t in ("string", "bytes", "records")) and flex_present and \
                not any(compact[v] for v in flex_present):
            d["flexibleVersions"] = "none"  # RequestHeader.ClientId: never compact
        if f["ignorable"] is True:
            d["ignorable"] = True
        elif isinstance(f["ignorable"], str):
            raise DeriveError(f"{where}.{f['name']}: ignorable not observed: {f['ignorable']}")
        if f["default"] is not None and f["default"] not in ZERO_DEFAULTS and not f["class"] \
                and not t.startswith("[]") and t not in ("bytes", "records"):
            if f["default"] != "null" or nullable:
                d["default"] = f["default"]
        if f["class"]:
            child = merge_struct(f["children"])
            d["fields"] = emit_fields(child, valid, present, flexible, f"{where}.{f['name']}")
        out.append(d)
    return out


def derive(dumps):
    msgs = {}
    for rel, dump in dumps:
        for m in dump:
            msgs.setdefault(m["name"], []).append((rel, m))
    out = {}
    for name, versions in msgs.items():
        newest = versions[0][1]
        owner = {}  # version -> message dump answering for it
        for _, m in versions:
            for v in m["versions"]:
                owner.setdefault(int(v), m)
        valid = sorted(owner)
        flexible = {v for v in valid if owner[v]["versions"][str(v)]}
        sources = [(m["root"], {v for v in valid if owner[v] is m}) for _, m in versions]
        merged = merge_struct(sources)
        d = {"apiKey": newest["apiKey"], "type": newest["type"], "name": name}
        if newest["type"] == "request":
            d["listeners"] = sorted(LISTENERS[x] for x in newest["listeners"])
        if d["apiKey"] < 0:
            del d["apiKey"]
        d["validVersions"] = f"{valid[0]}-{valid[-1]}"
        d["flexibleVersions"] = vrange(flexible, set(), valid, False)
        if newest.get("unstable"):
            d["latestVersionUnstable"] = True
        d["fields"] = emit_fields(merged, valid, set(valid), flexible, name)
        out[name] = d
    return out


def render(d, ind=""):
    """One field per line, so that a new release's changes read as a small diff."""
    head = {k: v for k, v in d.items() if k != "fields"}
    text = json.dumps(head)[:-1]
    if "fields" not in d:
        return text + "}"
    inner = ",\n".join(ind + "  " + render(f, ind + "  ") for f in d["fields"])
    return text + (", " if head else "") + '"fields": [\n' + inner + "\n" + ind + "]}" + ("\n" if not ind else "")


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = sys.argv[1]
    dumps = []
    for p in sys.argv[2:]:
        with open(p) as f:
            dumps.append((p, json.load(f)))
    try:
        msgs = derive(dumps)
    except DeriveError as e:
        print(f"derive.py: {e}", file=sys.stderr)
        return 1
    os.makedirs(out_dir, exist_ok=True)
    for fn in os.listdir(out_dir):
        if fn.endswith(".json"):
            os.remove(os.path.join(out_dir, fn))
    for name, d in sorted(msgs.items()):
        with open(os.path.join(out_dir, name + ".json"), "w") as f:
            f.write(render(d))
    print(f"derive.py: {len(msgs)} messages -> {out_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
