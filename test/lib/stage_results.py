#!/usr/bin/env python3
"""Holds a test stage to its exit status and its result files, so a stage that died can never
look green in the summary (test/lib/summarize.py counts only what is in the XML files).

Usage: stage_results.py STAGE RC OUT.xml RESULT.xml [RESULT.xml ...]

A failing case is written to OUT.xml for
  - each RESULT.xml that is missing (the stage died before writing it), and
  - an exit status RC other than 0 when no RESULT.xml reports a failing case (the stage failed
    in a step that writes no results, e.g. a tool that crashed before the comparison).
An unreadable or empty RESULT.xml is already a failure in summarize.py.
Without such a case OUT.xml is removed. Exits 1 when it wrote a failing case, else 0.
"""
import os
import sys
import xml.etree.ElementTree as ET
from xml.sax.saxutils import quoteattr


def has_failure(path):
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError):
        return True  # summarize.py counts it as a failure
    cases = list(root.iter("testcase"))
    if not cases:
        return True  # idem
    return any(c.find("failure") is not None or c.find("error") is not None for c in cases)


def main(argv):
    if len(argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    stage, rc, out, results = argv[1], int(argv[2]), argv[3], argv[4:]
    problems = []
    present = []
    for path in results:
        if os.path.isfile(path):
            present.append(path)
        else:
            problems.append((f"{stage} wrote {os.path.basename(path)}", f"{path} is missing: the stage exited {rc} before writing its results"))
    if rc != 0 and not problems and not any(has_failure(p) for p in present):
        problems.append((f"{stage} exits 0", f"it exited {rc} while its results ({', '.join(map(os.path.basename, present))}) report no failure: see its log"))
    if not problems:
        if os.path.exists(out):
            os.remove(out)
        return 0
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        fh.write(f'<testsuite name={quoteattr(stage)} tests="{len(problems)}" failures="{len(problems)}">\n')
        for name, msg in problems:
            fh.write(f'  <testcase classname={quoteattr("stage")} name={quoteattr(name)}>'
                     f'<failure message={quoteattr(msg)}/></testcase>\n')
        fh.write('</testsuite>\n')
    for _, msg in problems:
        print(f"[stage_results] {stage}: {msg}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
