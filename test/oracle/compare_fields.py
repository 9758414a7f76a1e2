#!/usr/bin/env python3
"""Compares, field by field, each message as we decoded it from the Java client's bytes
(oracle_tool decoded-json) with the values the Java client was given (gen_samples.py).
Writes JUnit XML: one test case per message, failing with the first differing fields.

Usage: compare_fields.py SAMPLES_DIR DECODED_TXT OUT_XML
"""
import json
import os
import sys
from xml.sax.saxutils import escape, quoteattr


def diff(want, got, path, out):
    if isinstance(want, dict) and isinstance(got, dict):
        for k in sorted(set(want) | set(got)):
            if k not in got:
                out.append(f"{path}.{k}: missing in ours")
            elif k not in want:
                out.append(f"{path}.{k}: not in the Java sample")
            else:
                diff(want[k], got[k], f"{path}.{k}", out)
    elif isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            out.append(f"{path}: {len(want)} items in Java's, {len(got)} in ours")
        for i, (a, b) in enumerate(zip(want, got)):
            diff(a, b, f"{path}[{i}]", out)
    elif want != got and not (isinstance(want, float) and isinstance(got, (int, float)) and float(got) == want):
        out.append(f"{path}: java {want!r} ours {got!r}")


def main():
    samples_dir, decoded, out_xml = sys.argv[1:4]
    results = {}  # message -> list of failure strings
    # UVK_TEST_BREAK=1 (the harness self-test, docs/development.md): the first message compared
    # gets a field Java never wrote, so its comparison fails on purpose.
    broken = bool(os.environ.get("UVK_TEST_BREAK"))
    for line in open(decoded):
        parts = line.rstrip("\n").split(" ", 3)
        if parts[0] == "error":
            results.setdefault(parts[1], []).append(f"v{parts[2]}: our decoder failed ({parts[3]})")
            continue
        name, version, ours = parts[0], parts[1], parts[2] if len(parts) == 3 else parts[2] + " " + parts[3]
        with open(os.path.join(samples_dir, name + ".json")) as f:
            want = json.load(f)[version]
        if broken and not results and isinstance(want, dict):
            want = dict(want, brokenOnPurpose=1)
        problems = []
        diff(want, json.loads(ours), f"v{version}", problems)
        results.setdefault(name, []).extend(problems)
    failed = sum(1 for v in results.values() if v)
    with open(out_xml, "w") as f:
        f.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="oracle_fields" '
                f'tests="{len(results)}" failures="{failed}">\n')
        for name in sorted(results):
            f.write(f'<testcase classname="oracle_fields" name={quoteattr(name + " fields match Java")}>')
            if results[name]:
                text = "\n".join(results[name][:20])
                f.write(f'<failure message={quoteattr(results[name][0])}>{escape(text)}</failure>')
            f.write("</testcase>\n")
        f.write("</testsuite></testsuites>\n")
    print(f"compare_fields: {len(results)} messages, {failed} with differences", file=sys.stderr)
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
