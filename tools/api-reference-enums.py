#!/usr/bin/env python3
"""Fails when an enum value of the public headers has no doc comment.

Usage: api-reference-enums.py XML_DIR   (the XML output of docs/Doxyfile's run)

Doxygen 1.9.4 warns about every other undocumented public symbol, but not about enum values,
so tools/api-reference.sh reads them from the XML output here. Prints one line per
undocumented value, in doxygen's "file:line: text" form; exit 1 if there is any.
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET


def text(elem):
    return "".join(elem.itertext()).strip() if elem is not None else ""


def main():
    xml_dir = sys.argv[1]
    files = sorted(glob.glob(os.path.join(xml_dir, "*.xml")))
    if not files:
        print(f"{xml_dir}: no doxygen XML output", file=sys.stderr)
        return 1
    checked, missing = set(), []
    for path in files:
        for enum in ET.parse(path).getroot().iter("memberdef"):
            if enum.get("kind") != "enum" or enum.get("prot") == "private":
                continue
            for value in enum.iter("enumvalue"):
                if value.get("id") in checked:
                    continue
                checked.add(value.get("id"))
                if text(value.find("briefdescription")) or text(value.find("detaileddescription")):
                    continue
                loc = enum.find("location")
                where = path
                if loc is not None:
                    # STRIP_FROM_PATH shortens the path; name the file as it is in the repository.
                    name = loc.get("file")
                    if not os.path.exists(name) and os.path.exists(os.path.join("include", name)):
                        name = os.path.join("include", name)
                    where = f"{name}:{loc.get('line')}"
                missing.append(f"{where}: enum value {text(value.find('name'))} of enum "
                               f"{text(enum.find('name')) or '(anonymous)'} is not documented.")
    for line in sorted(missing):
        print(line, file=sys.stderr)
    if not checked:
        print(f"{xml_dir}: no enum values found (is the XML output complete?)", file=sys.stderr)
        return 1
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
