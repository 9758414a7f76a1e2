#!/usr/bin/env python3
"""Sums JUnit XML results into the one line CI reads: `N passed, N failed, N skipped`.

Usage: summarize.py BUILD_DIR [BUILD_DIR ...]
Each BUILD_DIR holds test-results/*.xml and meson-logs/testlog*.json.
A meson test that failed (crash, sanitizer abort, timeout) without reporting a failing
test case in its XML counts as one more failure, so a crash can never look green.
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


def count_xml(path):
    passed = failed = skipped = 0
    failures = []
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        return 0, 1, 0, [f"{path}: unreadable results ({e})"]
    for case in root.iter("testcase"):
        name = case.get("classname", "") + "/" + case.get("name", "")
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


def count_dir(build, xml_dir, logs):
    """Counts the XML files directly in xml_dir; `logs` are the meson test logs of those runs."""
    passed = failed = skipped = 0
    failures = []
    xml_failed = {}
    for path in sorted(glob.glob(os.path.join(xml_dir, "*.xml"))):
        p, f, s, names = count_xml(path)
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
                if entry.get("result") in ("OK", "SKIP", "EXPECTEDFAIL"):
                    continue
                if xml_failed.get(entry.get("name"), 0) == 0:
                    failed += 1
                    failures.append(f"{build}: {entry.get('name')}: {entry.get('result')} "
                                    f"(exit {entry.get('returncode')}, {os.path.basename(log)})")
    return passed, failed, skipped, failures


def main():
    passed = failed = skipped = 0
    failures = []
    for build in sys.argv[1:]:
        results = os.path.join(build, "test-results")
        # test-results/ itself pairs with meson-logs/; each round-LABEL/ subfolder (one Kafka
        # cluster shape) carries its own XML files and meson logs.
        dirs = [(results, glob.glob(os.path.join(build, "meson-logs", "testlog*.json")))]
        for sub in sorted(glob.glob(os.path.join(results, "round-*"))):
            dirs.append((sub, glob.glob(os.path.join(sub, "testlog*.json"))))
        for xml_dir, logs in dirs:
            p, f, s, names = count_dir(build, xml_dir, logs)
            passed += p
            failed += f
            skipped += s
            failures += names
    for name in failures:
        print(f"FAILED: {name}")
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
