#!/usr/bin/env python3
"""Writes one JSON sample per generated message and version, for the Java oracle.

Usage: gen_samples.py SCHEMA_DIR OUT_DIR

OUT_DIR/<MessageName>.json maps each valid version to a document in the shape Kafka's
generated <Name>DataJsonConverter.read(node, version) accepts: every field the version has
(tagged ones included), camelCase keys, deterministic values that are mostly not the
defaults, some nulls where the version allows them. The message selection is the codec
generator's own (tools/kgen/schema.py), so the oracle covers exactly what we generate.
"""
import base64
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "kgen"))
import schema  # noqa: E402

RANGES = {"int8": 127, "int16": 32000, "uint16": 65000, "int32": 2000000000,
          "uint32": 4000000000, "int64": 9000000000000}


class Gen:
    def __init__(self, msg, version):
        self.m = msg
        self.v = version
        self.n = 7 + version * 13
        self.flexible = msg.flexible.contains(version)

    def tick(self):
        self.n = (self.n * 1103515245 + 12345) % (1 << 31)
        return self.n

    def present(self, f):
        if not f.versions.contains(self.v):
            return False
        if f.tag is not None:
            return self.flexible and f.tagged.contains(self.v)
        return True

    def value(self, f, elem=False):
        t = f.elem
        nullable = (not elem) and f.nullable.contains(self.v)
        if f.is_array and not elem:
            if nullable and self.tick() % 5 == 0:
                return None
            return [self.value(f, elem=True) for _ in range(self.tick() % 3 + 1)]
        if t in RANGES:
            return self.tick() % RANGES[t] + 1
        if t == "bool":
            return self.tick() % 2 == 0
        if t == "float64":
            return (self.tick() % 1000) + 0.25
        if t == "string":
            if nullable and self.tick() % 4 == 0:
                return None
            return f"s-{f.name}-{self.tick() % 1000}"
        if t == "uuid":
            raw = bytes((self.tick() >> 3) & 0xff for _ in range(16))
            return base64.urlsafe_b64encode(raw).decode().rstrip("=")
        if t in ("bytes", "records"):
            if nullable and self.tick() % 4 == 0:
                return None
            raw = bytes((self.tick() >> 5) & 0xff for _ in range(self.tick() % 9))
            return base64.b64encode(raw).decode()
        # a struct
        if nullable and self.tick() % 3 == 0:
            return None
        return self.struct(f.fields)

    def struct(self, fields):
        out = {}
        for f in fields:
            if self.present(f):
                key = f.name[0].lower() + f.name[1:]
                out[key] = self.value(f)
        return out


def main():
    schema_dir, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    count = 0
    for m in schema.select(schema_dir):
        docs = {}
        for v in range(m.valid.lo, m.valid.hi + 1):
            docs[str(v)] = Gen(m, v).struct(m.fields)
            count += 1
        with open(os.path.join(out_dir, m.name + ".json"), "w") as f:
            json.dump(docs, f, indent=1, sort_keys=True)
    print(f"gen_samples: {count} samples -> {out_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
