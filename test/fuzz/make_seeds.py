#!/usr/bin/env python3
"""Writes seed inputs for the fuzz corpora from the Java oracle's data (run once; the
seeds are committed). Usage: make_seeds.py ORACLE_DIR"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "kgen"))
import schema  # noqa: E402

oracle = sys.argv[1]
names = [m.name for m in schema.select(os.path.join(ROOT, "tools", "kschema", "schemas"))]
out = os.path.join(ROOT, "test", "fuzz", "corpus", "responses")
os.makedirs(out, exist_ok=True)
picked = 0
for line in open(os.path.join(oracle, "messages.txt")):
    if line.startswith("#") or line.startswith("skip"):
        continue
    parts = line.split()
    name, version, hexbody = parts[0], parts[1], parts[2] if len(parts) > 2 else ""
    if not name.endswith("Response") or int(version) % 3 != 0:
        continue
    body = bytes.fromhex(hexbody)[:4096]
    data = bytes([names.index(name), int(version) >> 8, int(version) & 0xff]) + body
    with open(os.path.join(out, f"{name}-v{version}"), "wb") as f:
        f.write(data)
    picked += 1
out = os.path.join(ROOT, "test", "fuzz", "corpus", "records")
os.makedirs(out, exist_ok=True)
name = None
for line in open(os.path.join(oracle, "records.txt")):
    if line.startswith("batch "):
        name = line.split()[1].replace("#", "-")
    elif line.startswith("hex ") and name:
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes.fromhex(line.split()[1]))
print(f"{picked} response seeds", file=sys.stderr)
