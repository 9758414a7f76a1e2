#!/usr/bin/env python3
"""Checks docs/protocol.md's table of APIs against the sources, so it stays true.

Usage: check_api_table.py ROOT [--junit XML_PATH]

For every row of the table (key | API | client uses up to | codec versions | what uses it):
- the API's request schema in tools/kschema/schemas (Kafka 4.4's) has that key, and the codec
  column is its validVersions ("0-6", or "0-5 (+6 unstable)" when the newest is unstable);
- a row whose client column is not "-" names an API of tools/kgen/client_apis.txt (the
  library carries its codec);
- every lib/proto/client_versions.h constant kUse<Api> = N that lib/ uses appears as N in
  its API's client column.
And every request schema with the broker listener has a row. Prints each disagreement; exit 1
if any.
"""
import json
import os
import re
import sys


def rows(doc):
    out, inside = [], False
    for line in doc.splitlines():
        if line.startswith("| key | API | client uses up to |"):
            inside = True
            continue
        if inside:
            if not line.startswith("|"):
                break
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 5 and cells[0].isdigit():
                out.append(cells)
    return out


def main():
    args = sys.argv[1:]
    junit = None
    if "--junit" in args:
        i = args.index("--junit")
        junit = args[i + 1]
        del args[i:i + 2]
    root = args[0]
    problems = []
    doc = open(os.path.join(root, "docs", "protocol.md")).read()
    table = rows(doc)
    if len(table) < 50:
        problems.append(f"docs/protocol.md: the API table has {len(table)} rows: not found or cut")
    schemas = {}
    sdir = os.path.join(root, "tools", "kschema", "schemas")
    for f in os.listdir(sdir):
        if f.endswith("Request.json"):
            d = json.load(open(os.path.join(sdir, f)))
            schemas[d["name"][:-len("Request")]] = d
    client_apis = {l.strip() for l in open(os.path.join(root, "tools", "kgen", "client_apis.txt"))
                   if l.strip() and not l.startswith("#")}
    by_name = {}
    for key, name, uses, codec, what in (r[:5] for r in table):
        by_name[name] = uses
        s = schemas.get(name)
        if not s:
            problems.append(f"{name}: no request schema in tools/kschema/schemas")
            continue
        if s["apiKey"] != int(key):
            problems.append(f"{name}: key {key} in the table, {s['apiKey']} in the schema")
        lo, hi = s["validVersions"].split("-") if "-" in s["validVersions"] else (s["validVersions"],) * 2
        want = f"{lo}-{hi}"
        if s.get("latestVersionUnstable"):
            want = f"{lo}-{int(hi) - 1} (+{hi} unstable)"
        if codec != want:
            problems.append(f"{name}: codec versions '{codec}' in the table, the schema says '{want}'")
        if uses != "-" and name not in client_apis:
            problems.append(f"{name}: the table says the client uses it, but it is not in client_apis.txt")
    for name, s in schemas.items():
        if "broker" in s.get("listeners", []) and name not in by_name:
            problems.append(f"{name}: a broker API without a row in the table")
    # kUse constants the library uses: their value is in the client column.
    cv = open(os.path.join(root, "lib", "proto", "client_versions.h")).read()
    lib_text = ""
    for dirpath, _, files in os.walk(os.path.join(root, "lib")):
        for f in files:
            if f.endswith(".cc") and "/gen" not in dirpath:
                lib_text += open(os.path.join(dirpath, f)).read()
    for api, n in re.findall(r"constexpr int16_t kUse(\w+) = (\d+);", cv):
        if not re.search(r"\bkUse" + api + r"\b", lib_text):
            continue  # declared for work in progress, not sent yet
        uses = by_name.get(api)
        if uses is None:
            problems.append(f"{api}: kUse{api} = {n} is used in lib/, but the table has no row")
        elif n not in re.findall(r"\d+", uses):
            problems.append(f"{api}: kUse{api} = {n} in lib/proto/client_versions.h, the table says '{uses}'")
    for p in problems:
        print(p)
    print(f"{len(table)} rows checked, {len(problems)} disagreements")
    if junit:
        from xml.sax.saxutils import escape, quoteattr
        name = "docs/protocol.md's API table agrees with the schemas, client_apis.txt and client_versions.h"
        body = ""
        if problems:
            body = f'<failure message={quoteattr(f"{len(problems)} disagreements")}>{escape(chr(10).join(problems))}</failure>'
        with open(junit, "w") as fh:
            fh.write('<?xml version="1.0" encoding="UTF-8"?>\n')
            fh.write(f'<testsuite name="api_table" tests="1" failures="{1 if problems else 0}" errors="0" skipped="0">'
                     f'<testcase classname="docs" name={quoteattr(name)}>{body}'
                     f'<system-out>{len(table)} rows checked</system-out></testcase></testsuite>\n')
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
