#!/usr/bin/env python3
"""Sums JUnit XML results into the one line CI reads: `N passed, N failed, N skipped`.

Usage: summarize.py BUILD_DIR [BUILD_DIR ...]
Each BUILD_DIR holds test-results/*.xml and meson-logs/testlog*.json.
A meson test that failed (crash, sanitizer abort, timeout) without reporting a failing
test case in its XML counts as one more failure, so a crash can never look green. So does a
result file that is unreadable or holds no test case, and a meson test that passed without
writing its result file (TEST_NAME.xml next to its log): a stage that ran nothing is not green.

The line before the closing one says how many distinct tests ran in how many configurations
(a build directory, and a round in it: valgrind, a Kafka cluster shape): the closing line
counts executions, the same unit test once per build and once under valgrind.
"""
import glob
import json
import os
import sys
import xml.etree.ElementTree as ET


def detail(elem):
    """The first lines of a failure, so the one screen CI shows says what went wrong."""
    text = " | ".join(x.strip() for x in [elem.get("message", "")] + (elem.text or "").splitlines() if x.strip())
    return f"\n    {text[:400]}" if text else ""


def count_xml(path, seen=None):
    passed = failed = skipped = 0
    failures = []
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        return 0, 1, 0, [f"unreadable results ({e})"]
    cases = list(root.iter("testcase"))
    if not cases:
        return 0, 1, 0, ["no test case in the results (the stage ran nothing)"]
    for case in cases:
        name = case.get("classname", "") + "/" + case.get("name", "")
        if seen is not None:
            seen.add(name)
        bad = case.find("failure")
        if bad is None:
            bad = case.find("error")
        if bad is not None:
            failed += 1
            failures.append(name + detail(bad))
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped, failures


def count_dir(build, xml_dir, logs, seen):
    """Counts the XML files directly in xml_dir; `logs` are the meson test logs of those runs."""
    passed = failed = skipped = 0
    failures = []
    xml_failed = {}
    for path in sorted(glob.glob(os.path.join(xml_dir, "*.xml"))):
        p, f, s, names = count_xml(path, seen)
        passed += p
        failed += f
        skipped += s
        where = os.path.relpath(path, build)
        for n in names:
            head, _, more = n.partition("\n")
            failures.append(f"{build}: {head} ({where})" + (f"\n{more}" if more else ""))
        xml_failed[os.path.splitext(os.path.basename(path))[0]] = f
    for log in logs:
        with open(log) as fh:
            for line in fh:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                # "project:suite / name"; the test's results are NAME.xml
                name = str(entry.get("name", "")).split(" / ")[-1]
                if entry.get("result") == "OK" and name not in xml_failed:
                    failed += 1
                    failures.append(f"{build}: {name}: passed but wrote no results "
                                    f"({os.path.relpath(xml_dir, build)}/{name}.xml, {os.path.basename(log)})")
                    continue
                if entry.get("result") in ("OK", "SKIP", "EXPECTEDFAIL"):
                    continue
                if xml_failed.get(name, 0) == 0:
                    failed += 1
                    failures.append(f"{build}: {name}: {entry.get('result')} "
                                    f"(exit {entry.get('returncode')}, {os.path.basename(log)})")
    return passed, failed, skipped, failures


def main():
    passed = failed = skipped = 0
    failures = []
    seen = set()
    configs = []
    for build in sys.argv[1:]:
        results = os.path.join(build, "test-results")
        # test-results/ itself pairs with meson-logs/; each round-LABEL/ subfolder (one Kafka
        # cluster shape) carries its own XML files and meson logs.
        dirs = [(results, glob.glob(os.path.join(build, "meson-logs", "testlog*.json")))]
        for sub in sorted(glob.glob(os.path.join(results, "round-*"))):
            dirs.append((sub, glob.glob(os.path.join(sub, "testlog*.json"))))
        for xml_dir, logs in dirs:
            p, f, s, names = count_dir(build, xml_dir, logs, seen)
            if p + f + s:
                label = os.path.basename(xml_dir)
                configs.append(build if xml_dir == results else f"{build}+{label[len('round-'):]}")
            passed += p
            failed += f
            skipped += s
            failures += names
    for name in failures:
        print(f"FAILED: {name}")
    print(f"{len(seen)} distinct tests in {len(configs)} configurations ({', '.join(configs)})")
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
