"""Benchmarks of medtandem.mrmc; prints its figures.

    .venv/bin/python bench/mrmc.py            # full (2,000 null studies for the type I error)
    .venv/bin/python bench/mrmc.py --quick    # 300 null studies

1. Van Dyke (1,140 reads), full OR analysis with jackknife, in-process (target < 50 ms).
2. Simulated 100 readers x 2,000 cases x 2 modalities (400,000 reads): DeLong (< 5 s) and
   jackknife (< 30 s); peak memory (tracemalloc) at 200,000 and 400,000 reads.
3. The command line, whole process (`medtandem mrmc FILE --json`: interpreter start, imports,
   CSV, analysis, JSON) beside the same analysis in-process, on 20 readers x 1,000 cases x 2
   modalities (40,000 reads)   [target: whole process well under 1 s].
4. Type I error of the RRRC OR test (jackknife and DeLong) over simulated null Roe-Metz studies
   (5 readers, 50 + 50 cases, 2 modalities), alpha 0.05.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from medtandem.mrmc import Reads, analyze, simulate_study

ROOT = Path(__file__).resolve().parents[1]
VANDYKE = ROOT / "tests" / "unit" / "mrmc" / "data" / "vandyke.csv"


def bench_vandyke() -> None:
    df = pd.read_csv(VANDYKE, dtype={"reader": str, "case": str, "modality": str})
    analyze(df)  # warm-up (imports, caches)
    times = []
    for _ in range(30):
        t0 = time.perf_counter()
        analyze(df, cov="jackknife", method="or")
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    analyze(VANDYKE)
    from_csv = time.perf_counter() - t0
    print(
        f"Van Dyke, OR + jackknife (1,140 reads): median {1e3 * np.median(times):.1f} ms, "
        f"min {1e3 * min(times):.1f} ms (DataFrame in memory); {1e3 * from_csv:.1f} ms "
        "including reading the CSV   [target < 50 ms]"
    )


def bench_large() -> None:
    df = simulate_study(100, 1000, 1000, mu=(1.2, 1.3), seed=1)
    print(f"Simulated study: 100 readers x 2,000 cases x 2 modalities = {len(df):,} reads")
    for cov, target in (("delong", 5), ("jackknife", 30)):
        t0 = time.perf_counter()
        r = analyze(df, cov=cov)
        dt = time.perf_counter() - t0
        print(
            f"  {cov:9s}: {dt:.2f} s (validation + FOM + covariance + OR)  [target < {target} s]"
            f"  F = {r.rrrc.test.statistic:.3f}, p = {r.rrrc.test.p:.3f}"
        )
    for readers in (50, 100):
        d = simulate_study(readers, 1000, 1000, mu=(1.2, 1.3), seed=2)
        tracemalloc.start()
        analyze(d, cov="jackknife")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"  peak memory of analyze (jackknife), {len(d):,} reads: {peak / 2**20:.1f} MiB "
            f"({peak / len(d):.0f} bytes/read)"
        )


def bench_cli() -> None:
    exe = Path(sys.executable).with_name("medtandem")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "medtandem.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reads.csv"
        simulate_study(20, 500, 500, mu=(1.2, 1.3), seed=3).to_csv(path, index=False)
        whole = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run([*cmd, "mrmc", str(path), "--json"], check=True, capture_output=True)
            whole.append(time.perf_counter() - t0)
        inproc = []
        for _ in range(5):
            t0 = time.perf_counter()
            analyze(path).to_dict()
            inproc.append(time.perf_counter() - t0)
        start = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            start.append(time.perf_counter() - t0)
    print(
        f"CLI, 20 readers x 1,000 cases x 2 modalities (40,000 reads): whole process median "
        f"{1e3 * np.median(whole):.0f} ms (min {1e3 * min(whole):.0f}); in-process (CSV + "
        f"analysis + to_dict) median {1e3 * np.median(inproc):.0f} ms; bare interpreter start "
        f"{1e3 * np.median(start):.0f} ms   [target: whole process well under 1 s]"
    )


def bench_type1(n_studies: int, seed: int = 2024) -> None:
    rng = np.random.default_rng(seed)
    r, m, n = 5, 50, 50
    rej = {"jackknife": 0, "delong": 0}
    labels_r = tuple(str(i) for i in range(1, r + 1))
    labels_c = tuple(str(i) for i in range(1, m + n + 1))
    t0 = time.perf_counter()
    for _ in range(n_studies):
        ratings, truth = simulate_study(r, m, n, mu=(1.5, 1.5), seed=rng, as_arrays=True)
        reads = Reads(("1", "2"), labels_r, labels_c, truth, ratings)
        for cov in rej:
            rej[cov] += analyze(reads, cov=cov).rrrc.test.p < 0.05
    dt = time.perf_counter() - t0
    print(
        f"Type I error, RRRC OR test, alpha 0.05, {n_studies:,} null Roe-Metz studies "
        f"({r} readers, {m}+{n} cases, AUC about 0.84) in {dt:.1f} s:"
    )
    for cov, k in rej.items():
        p = k / n_studies
        se = np.sqrt(p * (1 - p) / n_studies)
        print(f"  {cov:9s}: {p:.4f} (95% CI {p - 1.96 * se:.4f} to {p + 1.96 * se:.4f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="300 null studies instead of 2,000")
    ap.add_argument("--cli", action="store_true", help="only the command-line timing")
    ap.add_argument("--studies", type=int, help="number of null studies (overrides --quick)")
    args = ap.parse_args()
    if args.cli:
        bench_cli()
        return
    bench_vandyke()
    bench_cli()
    bench_large()
    bench_type1(args.studies or (300 if args.quick else 2000))


if __name__ == "__main__":
    main()
