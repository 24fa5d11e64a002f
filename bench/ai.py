"""Benchmarks of the MedTandem ECG models: prints its figures.

For every shipped model: latency per ECG on one core (median and p90, suggestion without and with
explanation; the quality check, conditioning and measurement included), peak memory of
``medtandem ai predict`` on one record, and the operation count per ECG (:mod:`medtandem.ai.flops`),
a counter that repeats exactly, beside CodeCarbon's energy figure (an estimate where the machine has
no energy counter, as the mode says). Targets (2-core machine): default-model inference under 50 ms
per ECG on one core; peak memory of ``predict`` under 500 MB.
Run: ``OMP_NUM_THREADS=1 python bench/ai.py [--data PTBXL_DIR] [--train] [--families]``.

``--families`` prints the comparison of docs/ai.md ("What was tried"): normal-vs-abnormal AUC of
each candidate (10-fold CV over strat_fold with 9 folds training, and each held-out site and device
family), on the measurements of the conditioned 500 Hz records (and of their 100 Hz versions for the
rate-augmented variants), uncalibrated (calibration does not change an AUC).
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
    ap.add_argument(
        "--data",
        default=DATA
        if Path(DATA).is_dir()
        else str(Path(__file__).resolve().parents[1] / "src/medtandem/data/ptbxl500"),
    )
    ap.add_argument(
        "--train", action="store_true", help="also time the training of the default model"
    )
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--families", action="store_true", help="compare candidate families (minutes)")
    args = ap.parse_args()
    if args.families:
        compare_families(args.data)
        return

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
            print(
                f"{model.name:<16} {'with' if explain else 'without':>7} explanation: median "
                f"{1000 * t[len(t) // 2]:.2f} ms, p90 {1000 * t[int(0.9 * len(t))]:.2f} ms per ECG "
                f"({len(t)} ECGs, 1 thread){'  [default]' if model.name == default else ''}"
            )
        weights = read_json(model.weights_path) if model.weights_path.suffix == ".json" else None
        ops = flops.count(model.meta, weights, n=records[0].n_samples, fs=records[0].fs)
        inf = model.energy.get("inference") or {}
        mode = (inf.get("energy") or {}).get("mode") or "not measured"
        print(
            f"{model.name:<16} operations per ECG: {ops['flops_per_ecg']:,} (counted, exact); energy "
            f"{inf.get('mj_per_ecg') or float('nan'):.1f} mJ per ECG ({mode.split(':')[0]})"
        )
    rec = str(Path(args.data) / "records500/00000/00001_hr")
    if Path(rec + ".hea").is_file():
        code = (
            "import resource,subprocess,sys;from medtandem.cli import main;"
            f"main(['ai','predict',{rec!r},'--json']);"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024, file=sys.stderr)"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        print(
            f"peak memory of `medtandem ai predict` (one record): {float(out.stderr.split()[-1]):.0f} MB"
        )
    if args.train:
        from medtandem.ai.train import train_model  # training stack only when asked

        family = load_model().family
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            train_model(args.data, Path(tmp) / "m", family=family, log=lambda s: None)
            print(
                f"training of the default model ({family}) incl. fold-10 evaluation and inference "
                f"energy: {time.perf_counter() - t0:.1f} s"
            )
    print(
        f"bench process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


def compare_families(data: str) -> None:
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    from medtandem.ai.features import record_features
    from medtandem.ai.labels import label_matrix
    from medtandem.ai.metrics import auc
    from medtandem.ai.tabular import MeasurementClassifier
    from medtandem.ai.train import floor_features

    db = read_database(data)
    entries, x500, x100, floor = [], [], [], []
    for e, r in iter_signals(db, 500):
        entries.append(e)
        x500.append(record_features(r)[0])
        low = r.resampled(100)
        x100.append(record_features(low)[0])
        floor.append(floor_features(low.signal, 100))
    X5, X1, XF = np.stack(x500), np.stack(x100), np.stack(floor)
    y = label_matrix(entries)[:, 0]
    folds = np.asarray([e.strat_fold for e in entries])
    site = np.asarray([e.site for e in entries])
    dev = np.asarray([e.device.split()[0] for e in entries])
    splits = (
        [("CV", None)]
        + [(f"site {v}", site == v) for v in ("0", "1", "3")]
        + [(f"device {v}", dev == v) for v in ("CS-12", "AT-6")]
    )

    def gb(depth: int, trees: int, lr: float, bags: int = 1, **extra):
        def fit(Xtr, ytr, Xte):
            scores = []
            for b in range(bags):
                m = HistGradientBoostingClassifier(
                    max_iter=trees,
                    max_depth=depth,
                    learning_rate=lr,
                    early_stopping=False,
                    random_state=b,
                    **extra,
                )
                scores.append(m.fit(Xtr, ytr).decision_function(Xte))
            return np.mean(scores, axis=0)

        return fit

    def monotonic(Xtr, ytr, Xte):
        # Each measurement constrained to the direction of its AUC on the training records (0.45 to
        # 0.55: unconstrained).
        cst = []
        for j in range(Xtr.shape[1]):
            ok = ~np.isnan(Xtr[:, j])
            a = auc(ytr[ok], Xtr[ok, j]) if ok.sum() > 10 else 0.5
            cst.append(0 if np.isnan(a) or abs(a - 0.5) <= 0.05 else (1 if a > 0.5 else -1))
        return (
            HistGradientBoostingClassifier(
                max_iter=100,
                max_depth=3,
                learning_rate=0.05,
                early_stopping=False,
                random_state=0,
                monotonic_cst=cst,
            )
            .fit(Xtr, ytr)
            .decision_function(Xte)
        )

    def logistic(C: float):
        def fit(Xtr, ytr, Xte):
            return (
                MeasurementClassifier(method="logistic", C=C)
                .fit(Xtr, ytr[:, None])
                .decision_function(Xte)[:, 0]
            )

        return fit

    def ensemble(a, b, wa: float = 0.5):
        def fit(Xtr, ytr, Xte):
            # both are log-odds of the same output: a weighted mean, as a shipped ensemble would be
            return wa * a(Xtr, ytr, Xte) + (1 - wa) * b(Xtr, ytr, Xte)

        return fit

    candidates = {
        "GB depth 3, 100 trees (previous default)": (gb(3, 100, 0.05), X5, False),
        "GB depth 3, class-balanced": (gb(3, 100, 0.05, class_weight="balanced"), X5, False),
        "GB depth 3, monotonic (direction of each measurement's training AUC)": (
            monotonic,
            X5,
            False,
        ),
        "GB depth 3, 30 % of measurements per split": (
            gb(3, 100, 0.05, max_features=0.3),
            X5,
            False,
        ),
        "5 bagged GB depth 3, 30 % per split (new default)": (
            gb(3, 100, 0.05, bags=5, max_features=0.3),
            X5,
            False,
        ),
        "0.8 x bagged GB + 0.2 x L2 logistic": (
            ensemble(gb(3, 100, 0.05, bags=5, max_features=0.3), logistic(0.01), 0.8),
            X5,
            False,
        ),
        "GB depth 2, 200 trees": (gb(2, 200, 0.05), X5, False),
        "GB depth 2, 200 trees, + 100 Hz copies": (gb(2, 200, 0.05), X5, True),
        "GB depth 2, 300 trees, leaf 30, L2 1": (
            lambda a, b, c: (
                HistGradientBoostingClassifier(
                    max_iter=300,
                    max_depth=2,
                    learning_rate=0.03,
                    min_samples_leaf=30,
                    l2_regularization=1.0,
                    early_stopping=False,
                    random_state=0,
                )
                .fit(a, b)
                .decision_function(c)
            ),
            X5,
            False,
        ),
        "L2 logistic C=0.01": (logistic(0.01), X5, False),
        "L2 logistic C=0.1": (logistic(0.1), X5, False),
        "L2 logistic C=0.01, + 100 Hz copies": (logistic(0.01), X5, True),
        "mean of GB d3 and L2 logistic (log-odds)": (
            ensemble(gb(3, 100, 0.05), logistic(0.01)),
            X5,
            False,
        ),
        "floor: logistic on band powers": (logistic(0.1), XF, False),
    }
    print(
        "| candidate | "
        + " | ".join(name for name, _ in splits)
        + " | held-out mean | held-out worst |"
    )
    print("|---|" + "---|" * (len(splits) + 2))
    for label, (fit, X, augment) in candidates.items():
        cells = []
        for _, test in splits:
            if test is None:
                score = np.zeros(len(y))
                for k in sorted(set(folds.tolist())):
                    te = folds == k
                    Xtr, ytr = X[~te], y[~te]
                    if augment:
                        Xtr, ytr = np.vstack([Xtr, X1[~te]]), np.concatenate([ytr, ytr])
                    score[te] = fit(Xtr, ytr, X[te])
                cells.append(auc(y, score))
            else:
                Xtr, ytr = X[~test], y[~test]
                if augment:
                    Xtr, ytr = np.vstack([Xtr, X1[~test]]), np.concatenate([ytr, ytr])
                cells.append(auc(y[test], fit(Xtr, ytr, X[test])))
        held = cells[1:]
        cells += [sum(held) / len(held), min(held)]
        print(f"| {label} | " + " | ".join(f"{c:.3f}" for c in cells) + " |", flush=True)
        if label.endswith("(new default)"):
            cv_scores = score.copy()

    # How far each group can be read: its size, and the AUC the default reaches on its records when
    # they are *in* training (pooled CV): a group that is hard in-distribution is not a transfer gap.
    from medtandem.reliance.estimates import auc_estimate

    print(
        "\n| group | records | normal / abnormal | pooled-CV AUC of the default on its records (DeLong 95 % CI) |"
    )
    print("|---|---|---|---|")
    for name, test in splits[1:]:
        e = auc_estimate(y[test] == 1, cv_scores[test])
        print(
            f"| {name} | {int(test.sum())} | {int(y[test].sum())} / {int((y[test] == 0).sum())} | "
            f"{e.value:.3f} ({e.ci_lower:.3f}-{e.ci_upper:.3f}) |"
        )


if __name__ == "__main__":
    main()
