"""Benchmark: time to render one 12-lead ECG to SVG, and the SVG's size, on real PTB-XL records.

    python bench/render.py [PTBXL_DIR] [--sample N] [--repeat R]

PTBXL_DIR defaults to ../shared/data/ptbxl-first500 beside the repository; the records are read
once (reading is not timed), then each is rendered R times (default 3, the best kept, to take out
scheduling noise on a shared machine). Prints median and p95 time per record and the median SVG
size (raw and gzip-compressed, as served), at 500 Hz (records500) and 100 Hz (records100).
"""

from __future__ import annotations

import argparse
import sys
import time
import zlib
from pathlib import Path

import numpy as np

from medtandem.ecg import EcgRecord, read_record
from medtandem.ecg.render import render_svg

DEFAULT_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ptbxl-first500"


def _records(folder: Path, sample: int | None) -> list[EcgRecord]:
    headers = sorted(folder.glob("*/*.hea"))
    if sample is not None and sample < len(headers):
        picks = np.linspace(0, len(headers) - 1, sample).round().astype(int)
        headers = [headers[i] for i in picks]
    return [read_record(h) for h in headers]


def _bench(records: list[EcgRecord], repeat: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    times, sizes, gzipped = [], [], []
    render_svg(records[0])  # warm caches (grid) and imports
    for record in records:
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            svg = render_svg(record)
            best = min(best, time.perf_counter() - start)
        times.append(best)
        raw = svg.encode("utf-8")
        sizes.append(len(raw))
        gzipped.append(len(zlib.compress(raw, 6)))
    return np.array(times) * 1000.0, np.array(sizes) / 1000.0, np.array(gzipped) / 1000.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument(
        "--sample", type=int, default=None, help="render N records spread over the set"
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"render_svg on {args.data}")
    print(
        f"{'rate':>7} {'records':>7} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'median kB':>10} {'p95 kB':>8} {'gzip kB':>8}"
    )
    for sub, label in (("records500", "500 Hz"), ("records100", "100 Hz")):
        folder = args.data / sub
        if not folder.is_dir():
            print(f"{label:>7}: no {folder}", file=sys.stderr)
            continue
        records = _records(folder, args.sample)
        ms, kb, gz = _bench(records, args.repeat)
        print(
            f"{label:>7} {len(records):>7} {np.median(ms):>10.2f} {np.percentile(ms, 95):>8.2f} "
            f"{ms.max():>8.2f} {np.median(kb):>10.1f} {np.percentile(kb, 95):>8.1f} {np.median(gz):>8.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
