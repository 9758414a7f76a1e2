#!/usr/bin/env python3
"""Draws compare.sh's Markdown tables as one SVG bar chart (standard library only).

    test/bench/chart.py < compare-output.md > chart.svg

Every table whose header reads "| workload | uvkafka msg/s | PEER msg/s | ratio | uvkafka CPU
us/msg | PEER CPU us/msg | ratio |" gives, per workload, two throughput bars (left panel) and
two CPU-per-message bars (right panel). Values like "1.47 M" are millions; a range "2.8 M -
8.0 M" is drawn at its midpoint. Rows that cannot be read are skipped, not guessed."""
import re
import sys
from html import escape

COLORS = {"uvkafka": "#2b7bba", "librdkafka-2.16": "#c0392b", "librdkafka-2.0.2": "#e6862b", "librdkafka": "#e6862b",
          "KafkaJS": "#6aa84f"}


def number(cell):
    vals = [float(x) for x in re.findall(r"[0-9]+(?:\.[0-9]+)?", cell)]
    if not vals:
        return None
    v = sum(vals) / len(vals)
    return v * 1e6 if "M" in cell else v


def read_rows(lines):
    rows, peer = [], None
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 7:
            continue
        if cells[0] == "workload":
            m = re.match(r"(\S+) msg/s", cells[2])
            peer = m.group(1) if m else None
            continue
        if peer is None or set(cells[1]) <= set("-:"):
            continue
        ur, pr, uc, pc = number(cells[1]), number(cells[2]), number(cells[4]), number(cells[5])
        if None in (ur, pr, uc, pc):
            continue
        rows.append((cells[0], peer, ur, pr, uc, pc))
    return rows


def bars(out, x0, width, title, unit, rows, pick, scale):
    top = max(max(pick(r)) for r in rows) or 1.0
    out.append('<text x="%d" y="20" font-weight="bold">%s</text>' % (x0, escape(title)))
    y = 40
    for r in rows:
        out.append('<text x="%d" y="%d" font-size="11">%s</text>' % (x0, y + 9, escape(r[0] + " (vs " + r[1] + ")")))
        y += 14
        for name, v in zip(("uvkafka", r[1]), pick(r)):
            w = max(1.0, (width - 90) * v / top)
            out.append('<rect x="%d" y="%d" width="%.1f" height="11" fill="%s"/>' % (x0, y, w, COLORS.get(name, "#888")))
            out.append('<text x="%.1f" y="%d" font-size="10">%s %s</text>' % (x0 + w + 4, y + 9, scale(v), unit))
            y += 13
        y += 8
    return y


def main():
    rows = read_rows(sys.stdin.read().splitlines())
    if not rows:
        sys.exit("chart.py: no compare.sh table rows on stdin")
    half = 430
    out = []
    h1 = bars(out, 10, half, "throughput (higher is better)", "M msg/s", rows, lambda r: (r[2], r[3]),
              lambda v: "%.2f" % (v / 1e6))
    h2 = bars(out, half + 30, half, "client CPU per message (lower is better)", "us", rows, lambda r: (r[4], r[5]),
              lambda v: "%.2f" % v)
    height = max(h1, h2) + 24
    legend = " ".join('<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" font-size="11">%s</text>'
                      % (10 + i * 130, height - 16, c, 24 + i * 130, height - 7, n)
                      for i, (n, c) in enumerate((n, c) for n, c in COLORS.items() if n != "librdkafka"))
    print('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">'
          % (2 * half + 40, height))
    print('<rect width="100%" height="100%" fill="white"/>')
    print("\n".join(out))
    print(legend)
    print("</svg>")


if __name__ == "__main__":
    main()
