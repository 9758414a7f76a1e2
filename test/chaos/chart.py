#!/usr/bin/env python3
"""RSS and open descriptors of the chaos soak's long-lived clients over a run, as an SVG.

    test/chaos/chart.py SAMPLES.json [SAMPLES.json ...] -o chart.svg [--title TEXT]

SAMPLES.json: what soak.py writes next to its outputs ({process: [[t_s, rss_kb, fds], ...]}).
Several files (several seeds) share one chart; a line per process and file. No dependencies:
the SVG is written by hand.
"""
import argparse
import json
import os
import sys

W, H, PAD_L, PAD_R, PAD_T, PAD_B, GAP = 900, 560, 70, 180, 40, 40, 50
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def panel(out, series, key, label, top, height, tmax):
    vals = [v for _, pts in series for v in (p[key] for p in pts)]
    lo, hi = 0, max(vals) if vals else 1
    hi = hi * 1.1 or 1
    x0, x1 = PAD_L, W - PAD_R
    out.append(f'<rect x="{x0}" y="{top}" width="{x1 - x0}" height="{height}" fill="none" stroke="#999"/>')
    out.append(f'<text x="{x0 - 55}" y="{top + height / 2}" font-size="12" transform="rotate(-90 {x0 - 55} '
               f'{top + height / 2})" text-anchor="middle">{esc(label)}</text>')
    for i in range(5):
        v = lo + (hi - lo) * i / 4
        y = top + height - height * i / 4
        out.append(f'<line x1="{x0}" x2="{x1}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{v:.0f}</text>')
    for i, (name, pts) in enumerate(series):
        if not pts:
            continue
        path = " ".join(f"{x0 + (x1 - x0) * p[0] / tmax:.1f},{top + height - height * (p[key] - lo) / (hi - lo):.1f}"
                        for p in pts)
        out.append(f'<polyline fill="none" stroke="{COLORS[i % len(COLORS)]}" stroke-width="1.5" points="{path}"/>')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("samples", nargs="+")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--title", default="chaos soak: long-lived clients")
    a = ap.parse_args()
    series = []  # (name, [(t_s, rss_mb, fds)])
    for path in a.samples:
        with open(path) as f:
            data = json.load(f)
        tag = os.path.basename(os.path.dirname(os.path.abspath(path)))
        for name, pts in sorted(data.items()):
            series.append((f"{tag} {name}", [(t, rss / 1024.0, fds) for t, rss, fds in pts]))
    if not any(pts for _, pts in series):
        sys.exit("no samples")
    tmax = max(p[0] for _, pts in series for p in pts) or 1
    h = (H - PAD_T - PAD_B - GAP) / 2
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="22" font-size="15" text-anchor="middle">{esc(a.title)}</text>']
    panel(out, series, 1, "RSS (MB)", PAD_T, h, tmax)
    panel(out, series, 2, "open descriptors", PAD_T + h + GAP, h, tmax)
    for i in range(6):
        x = PAD_L + (W - PAD_R - PAD_L) * i / 5
        out.append(f'<text x="{x:.1f}" y="{H - PAD_B + 16}" font-size="10" text-anchor="middle">'
                   f'{tmax * i / 5 / 60:.0f} min</text>')
    for i, (name, _) in enumerate(series):
        y = PAD_T + 14 * i
        out.append(f'<line x1="{W - PAD_R + 10}" x2="{W - PAD_R + 30}" y1="{y}" y2="{y}" '
                   f'stroke="{COLORS[i % len(COLORS)]}" stroke-width="2"/>')
        out.append(f'<text x="{W - PAD_R + 34}" y="{y + 4}" font-size="10">{esc(name)}</text>')
    out.append("</svg>")
    with open(a.output, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
