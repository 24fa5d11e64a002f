"""Benchmarks of the MedTandem ECG models: prints its figures.

For every shipped model: latency per ECG on one core (median and p90, suggestion without and with
explanation; the quality check, conditioning and measurement included), peak memory of
``medtandem ai predict`` on one record, and the operation count per ECG (:mod:`medtandem.ai.flops`),
a counter that repeats exactly, beside CodeCarbon's energy figure (an estimate where the machine has
no energy counter, as the mode says). Targets (2-core machine): default-model inference under 50 ms
per ECG on one core; peak memory of ``predict`` under 500 MB.
Run: ``OMP_NUM_THREADS=1 python bench/ai.py [--data PTBXL_DIR] [--train]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from medtandem.ai import flops, load_model  # noqa: E402
from medtandem.ai.artifacts import read_json  # noqa: E402
from medtandem.ai.model import shipped_models  # noqa: E402
from medtandem.ecg.ptbxl import iter_signals, read_database  # noqa: E402

DATA = str(Path(__file__).resolve().parents[2] / "shared" / "data" / "ptbxl-first500")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=DATA if Path(DATA).is_dir() else str(
        Path(__file__).resolve().parents[1] / "src/medtandem/data/ptbxl500"))
    ap.add_argument("--train", action="store_true", help="also time the training of the default model")
    ap.add_argument("--n", type=int, default=50)
    args = ap.parse_args()

    records = [r for _, r in iter_signals(read_database(args.data, limit=args.n), 500)]
    default = load_model().name
    for path in shipped_models():
        model = load_model(path)
        model.predict_record(records[0])
        for explain in (False, True):
            t = []
            for r in records:
                t0 = time.perf_counter()
                model.predict_record(r, explain=explain)
                t.append(time.perf_counter() - t0)
            t.sort()
            print(f"{model.name:<16} {'with' if explain else 'without':>7} explanation: median "
                  f"{1000 * t[len(t) // 2]:.2f} ms, p90 {1000 * t[int(0.9 * len(t))]:.2f} ms per ECG "
                  f"({len(t)} ECGs, 1 thread){'  [default]' if model.name == default else ''}")
        weights = read_json(model.weights_path) if model.weights_path.suffix == ".json" else None
        ops = flops.count(model.meta, weights, n=records[0].n_samples, fs=records[0].fs)
        inf = model.energy.get("inference") or {}
        mode = (inf.get("energy") or {}).get("mode") or "not measured"
        print(f"{model.name:<16} operations per ECG: {ops['flops_per_ecg']:,} (counted, exact); energy "
              f"{inf.get('mj_per_ecg') or float('nan'):.1f} mJ per ECG ({mode.split(':')[0]})")
    rec = str(Path(args.data) / "records500/00000/00001_hr")
    if Path(rec + ".hea").is_file():
        code = ("import resource,subprocess,sys;from medtandem.cli import main;"
                f"main(['ai','predict',{rec!r},'--json']);"
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024, file=sys.stderr)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        print(f"peak memory of `medtandem ai predict` (one record): {float(out.stderr.split()[-1]):.0f} MB")
    if args.train:
        from medtandem.ai.train import train_model  # training stack only when asked

        family = load_model().family
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            train_model(args.data, Path(tmp) / "m", family=family, log=lambda s: None)
            print(f"training of the default model ({family}) incl. fold-10 evaluation and inference "
                  f"energy: {time.perf_counter() - t0:.1f} s")
    print(f"bench process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
