"""Training and evaluation protocol of the MedTandem ECG models.

PTB-XL benchmark protocol (Strodthoff et al., IEEE JBHI 25:1519-1528, 2021): ``strat_fold`` 1-8 train,
9 validation (here: Platt calibration and nothing else), 10 test. Because a 66-record test fold is
noisy on the 500 shipped records, :func:`evaluate_family` also runs a 10-fold cross-validation over
``strat_fold`` (each fold tested once; the next fold calibrates; the eight others train) and pools the
out-of-fold predictions, then re-trains with a recording site, and with a device family, held out.

Everything reported is computed here and written to the model folder; nothing is typed by hand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from medtandem.ai.calibration import PlattCalibrator
from medtandem.ai.energy import track
from medtandem.ai.labels import LABELS, label_matrix
from medtandem.ai.metrics import age_band, evaluate, subgroup_metrics
from medtandem.ecg.ptbxl import PtbxlEntry, iter_signals, read_database

FAMILIES = ("measurements", "cnn")
DEFAULT_NAMES = {"measurements": "ecg-measure-gb", "cnn": "ecg-cnn1d"}
SEED = 0


class Classifier(Protocol):
    def predict_proba(self, X: Any) -> NDArray[np.float64]: ...


@dataclass
class Corpus:
    """Inputs and labels of a PTB-XL folder for one model family."""

    root: Path
    entries: list[PtbxlEntry]
    X: NDArray[Any]
    Y: NDArray[np.int8]
    folds: NDArray[np.int64]
    seconds_to_load: float

    @property
    def sex(self) -> list[str]:
        return [e.sex or "unknown" for e in self.entries]

    @property
    def age_band(self) -> list[str]:
        return [age_band(e.age) for e in self.entries]

    def describe(self) -> dict[str, Any]:
        """Training-data characterisation for the model card (counted, not typed)."""
        from collections import Counter

        ages = [e.age for e in self.entries if e.age is not None]
        return {
            "source": str(self.root), "n_records": len(self.entries),
            "n_patients": len({e.patient_id for e in self.entries}),
            "recording_dates": [min(e.recording_date for e in self.entries)[:10],
                                max(e.recording_date for e in self.entries)[:10]],
            "label_counts": {k: int(self.Y[:, i].sum()) for i, k in enumerate(LABELS)},
            "sex": dict(Counter(self.sex)), "age_band": dict(Counter(self.age_band)),
            "age_median": float(np.median(ages)) if ages else None,
            "sites": dict(Counter(e.site for e in self.entries)),
            "devices": dict(Counter(e.device for e in self.entries)),
            "folds": {str(k): int(v) for k, v in sorted(Counter(self.folds.tolist()).items())},
        }


def load_corpus(root: str | Path, family: str, limit: int | None = None) -> Corpus:
    """Read a PTB-XL folder (standard or embedded-bank layout) into model inputs.

    ``measurements``: the measurement features from the 500 Hz records; ``cnn``: (n, 12, 1000) arrays
    from the 100 Hz records.
    """
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    start = time.perf_counter()
    db = read_database(root, limit=limit)
    entries = []
    rows: list[NDArray[np.floating]] = []  # float64 features or float32 CNN input, by family
    if family == "measurements":
        from medtandem.ai.features import record_features

        for entry, record in iter_signals(db, 500):
            entries.append(entry)
            rows.append(record_features(record)[0])
        X: NDArray[Any] = np.stack(rows)
    else:
        from medtandem.ai.model import prepare_cnn_input

        for entry, record in iter_signals(db, 100):
            entries.append(entry)
            rows.append(prepare_cnn_input(record))
        X = np.stack(rows).astype(np.float32)
    return Corpus(Path(root), entries, X, label_matrix(entries),
                  np.asarray([e.strat_fold for e in entries]), time.perf_counter() - start)


def make_classifier(family: str, seed: int, **options: Any) -> Any:
    if family == "measurements":
        from medtandem.ai.tabular import MeasurementClassifier

        return MeasurementClassifier(**options)
    from medtandem.ai.cnn import CnnClassifier  # needs torch: the [train] extra

    return CnnClassifier(seed=seed, **options)


def _fit(family: str, X: NDArray[Any], Y: NDArray[np.int8], seed: int, options: dict[str, Any]) -> Any:
    clf = make_classifier(family, seed, **options)
    return clf.fit(X, Y, seed=seed) if family == "measurements" else clf.fit(X, Y)


@dataclass
class SplitResult:
    classifier: Any
    calibrator: PlattCalibrator
    thresholds: NDArray[np.float64]
    proba_test: NDArray[np.float64]
    proba_test_uncalibrated: NDArray[np.float64]


def run_split(
    family: str, corpus: Corpus, train: NDArray[np.bool_], val: NDArray[np.bool_], test: NDArray[np.bool_],
    seed: int = SEED, options: dict[str, Any] | None = None,
) -> SplitResult:
    """Train on ``train``, calibrate on ``val``, predict ``test``. Operating point: the training
    prevalence of each output (on calibrated probabilities it balances sensitivity and specificity)."""
    clf = _fit(family, corpus.X[train], corpus.Y[train], seed, options or {})
    cal = PlattCalibrator.fit(clf.predict_proba(corpus.X[val]), corpus.Y[val])
    raw = clf.predict_proba(corpus.X[test]) if test.any() else np.zeros((0, len(LABELS)))
    thresholds = np.clip(corpus.Y[train].mean(axis=0), 0.01, 0.99)
    return SplitResult(clf, cal, thresholds, cal.transform(raw), raw)


def default_options(family: str, n_train: int) -> dict[str, Any]:
    if family == "cnn":
        return {"epochs": 25 if n_train < 2000 else 15, "threads": 2}
    return {"method": "boosting", "n_trees": 100, "max_depth": 3, "learning_rate": 0.05}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_json(path: Path, data: Any) -> None:
    from medtandem.ai.metrics import _clean

    path.write_text(json.dumps(_clean(data), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def train_model(
    data: str | Path, out: str | Path, family: str = "measurements", name: str | None = None,
    seed: int = SEED, limit: int | None = None, options: dict[str, Any] | None = None,
    log: Callable[[str], None] = print,
) -> Path:
    """Train on folds 1-8, calibrate on 9, test on 10; write the model folder ``out``.

    Writes ``meta.json``, the weights, ``evaluation.json`` (fold 10), ``energy.json`` (training and
    inference) and ``card.json``. Returns the folder.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    np.random.seed(seed)
    log(f"reading {data} for the {family} model ...")
    corpus = load_corpus(data, family, limit=limit)
    train, val, test = corpus.folds <= 8, corpus.folds == 9, corpus.folds == 10
    if not train.any() or not val.any():
        raise ValueError(f"{data}: need records in strat_fold 1-8 (train) and 9 (validation)")
    opts = {**default_options(family, int(train.sum())), **(options or {})}
    log(f"{len(corpus.entries)} records read in {corpus.seconds_to_load:.1f} s; training on folds 1-8 "
        f"({int(train.sum())}), calibrating on fold 9 ({int(val.sum())}), testing on fold 10 ({int(test.sum())})")
    with track("train") as energy_train:
        result = run_split(family, corpus, train, val, test, seed, opts)
    log(f"trained in {energy_train.seconds:.1f} s")

    # Weights.
    if family == "measurements":
        weights = out / "model.json"
        result.classifier.save(weights)
        stale = out / "model.onnx"
    else:
        weights = out / "model.onnx"
        result.classifier.export_onnx(weights)
        stale = out / "model.json"
    if stale.exists():
        stale.unlink()
    created = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    meta = {
        "name": name or DEFAULT_NAMES[family], "family": family,
        "version": f"{created[:10]}+{_sha(weights)[:8]}", "created": created,
        "labels": list(LABELS), "seed": seed, "options": opts,
        "calibration": result.calibrator.to_dict(), "thresholds": result.thresholds.tolist(),
        "operating_point": "training prevalence of each output, on calibrated probabilities",
        "n_parameters": int(result.classifier.n_parameters),
        "weights": {"file": weights.name, "bytes": weights.stat().st_size, "sha256": _sha(weights)},
        "input": ({"fs_hz": 250.0, "note": "any rate; resampled to 250 Hz and measured"}
                  if family == "measurements" else
                  {"fs_hz": 100.0, "samples": 1000, "note": "any rate; resampled to 100 Hz, first 10 s"}),
        "protocol": "PTB-XL benchmark: strat_fold 1-8 train, 9 calibration, 10 test",
        "training_data": corpus.describe(),
    }
    _write_json(out / "meta.json", meta)

    # Fold-10 evaluation with the saved model (as it will run in production: ONNX / JSON weights).
    from medtandem.ai.model import load_model

    model = load_model(out)
    evaluation: dict[str, Any] = _read(out / "evaluation.json")
    if test.any():
        if family == "cnn":
            p_test = model.calibrator.transform(1.0 / (1.0 + np.exp(-model.logits(corpus.X[test]))))  # type: ignore[attr-defined]
        else:
            p_test = model.calibrator.transform(model.classifier.predict_proba(corpus.X[test]))  # type: ignore[attr-defined]
        ev = evaluate(corpus.Y[test], p_test, LABELS, result.thresholds, seed=seed)
        ev_raw = evaluate(corpus.Y[test], result.proba_test_uncalibrated, LABELS, result.thresholds, n_boot=200, seed=seed)
        evaluation["fold10"] = {**ev.to_dict(), "ece_uncalibrated": ev_raw.ece, "brier_uncalibrated": ev_raw.brier_mean,
                                "version": meta["version"]}
        log("fold 10 (test):\n" + ev.summary())
    evaluation["training_seconds"] = energy_train.seconds
    _write_json(out / "evaluation.json", evaluation)

    # Energy and cost of inference.
    energy = {"training": energy_train.to_dict(), "inference": measure_inference(out, data, log=log)}
    _write_json(out / "energy.json", energy)
    from medtandem.ai.card import write_card

    write_card(out)
    log(f"model written to {out} (version {meta['version']})")
    return out


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def measure_inference(model_dir: Path, data: str | Path, n_records: int = 20, seconds: float = 4.0,
                      log: Callable[[str], None] = print) -> dict[str, Any]:
    """Latency per ECG on one core (median over records, suggestion without and with explanation),
    and energy per ECG (CodeCarbon over a loop of predictions)."""
    from medtandem.ai.model import load_model

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    model = load_model(model_dir)
    db = read_database(data, limit=n_records)
    records = [r for _, r in iter_signals(db, 500)]
    model.predict_record(records[0])  # warm-up
    times, times_explain = [], []
    for r in records:
        t0 = time.perf_counter()
        model.predict_record(r, explain=False)
        t1 = time.perf_counter()
        model.predict_record(r, explain=True)
        times.append(t1 - t0)
        times_explain.append(time.perf_counter() - t1)
    count = 0
    with track("inference") as reading:
        t_end = time.perf_counter() + seconds
        while time.perf_counter() < t_end:
            model.predict_record(records[count % len(records)], explain=False)
            count += 1
    per = {
        "n_predictions": count,
        "ms_per_ecg": 1000 * float(np.median(times)),
        "ms_per_ecg_with_explanation": 1000 * float(np.median(times_explain)),
        "input": "500 Hz 10-s PTB-XL records (resampling included)",
        "threads": 1,
        "energy": reading.to_dict(),
        "mj_per_ecg": (reading.kwh * 3.6e9 / count) if reading.kwh is not None and count else None,
        "cpu_mj_per_ecg": (reading.cpu_kwh * 3.6e9 / count) if reading.cpu_kwh is not None and count else None,
        "g_co2e_per_1000_ecg": (reading.g_co2e * 1000 / count) if reading.g_co2e is not None and count else None,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    log(f"inference: {per['ms_per_ecg']:.2f} ms per ECG ({per['ms_per_ecg_with_explanation']:.2f} ms with "
        f"explanation), {per['mj_per_ecg'] or float('nan'):.1f} mJ per ECG ({reading.mode})")
    return per


def evaluate_family(
    data: str | Path, model_dir: str | Path, seed: int = SEED, limit: int | None = None,
    log: Callable[[str], None] = print, holdouts: bool = True,
) -> dict[str, Any]:
    """10-fold CV over strat_fold, site and device hold-outs, subgroups; merged into evaluation.json."""
    model_dir = Path(model_dir)
    meta = _read(model_dir / "meta.json")
    if not meta:
        raise ValueError(f"{model_dir}: not a model folder (no meta.json)")
    family = meta["family"]
    opts = meta.get("options", {})
    corpus = load_corpus(data, family, limit=limit)
    Y, folds = corpus.Y, corpus.folds
    evaluation = _read(model_dir / "evaluation.json")
    start = time.perf_counter()

    # 10-fold cross-validation over strat_fold.
    present = sorted(set(folds.tolist()))
    oof = np.full(Y.shape, np.nan)
    oof_raw = np.full(Y.shape, np.nan)
    thr_rows = np.zeros(Y.shape)
    per_fold = {}
    for i, k in enumerate(present):
        v = present[(i + 1) % len(present)]
        test, val = folds == k, folds == v
        train = ~test & ~val
        r = run_split(family, corpus, train, val, test, seed, opts)
        oof[test], oof_raw[test], thr_rows[test] = r.proba_test, r.proba_test_uncalibrated, r.thresholds
        from medtandem.ai.metrics import macro_auc

        per_fold[str(k)] = macro_auc(Y[test], r.proba_test)
        log(f"  CV fold {k}: macro AUC {per_fold[str(k)]:.3f}")
    thresholds = thr_rows.mean(axis=0)
    # sensitivity/specificity at each fold's own operating point
    ev = evaluate(Y, oof, LABELS, thresholds, seed=seed)
    ev_raw = evaluate(Y, oof_raw, LABELS, thresholds, n_boot=200, seed=seed)
    pred = oof >= thr_rows
    sens = {k: float(pred[Y[:, j] == 1, j].mean()) for j, k in enumerate(LABELS)}
    spec = {k: float((~pred[Y[:, j] == 0, j]).mean()) for j, k in enumerate(LABELS)}
    cv = {**ev.to_dict(), "sensitivity": sens, "specificity": spec, "per_fold_macro_auc": per_fold,
          "ece_uncalibrated": ev_raw.ece, "brier_uncalibrated": ev_raw.brier_mean,
          "abnormal_vs_normal_auc": ev.auc["NORM"],
          "protocol": "10-fold over strat_fold; fold k tested, fold k+1 calibrates, the 8 others train; pooled"}
    log("10-fold CV (pooled out-of-fold):\n" + ev.summary())
    evaluation["cv10"] = cv
    evaluation["subgroups_cv10"] = subgroup_metrics(
        Y, oof, LABELS, {"sex": corpus.sex, "age_band": corpus.age_band}, thresholds)

    # Generalisation: hold out a site, and a device family (train on the rest; calibrate on fold 9
    # of the rest, or on 10 % of it when fold 9 is absent).
    if holdouts:
        evaluation["holdout"] = _holdouts(family, corpus, seed, opts, log)
    # Floor: crude logistic regression on per-lead amplitude and spectral statistics (10-fold CV).
    evaluation["floor"] = floor_baseline(data, limit=limit, seed=seed)
    evaluation["evaluated"] = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    evaluation["evaluation_seconds"] = time.perf_counter() - start
    evaluation["evaluated_version"] = meta.get("version")
    _write_json(model_dir / "evaluation.json", evaluation)
    from medtandem.ai.card import write_card

    write_card(model_dir)
    return evaluation


def _device_family(device: str) -> str:
    return device.split()[0] if device.strip() else "unknown"


def _holdouts(family: str, corpus: Corpus, seed: int, opts: dict[str, Any],
              log: Callable[[str], None]) -> dict[str, Any]:
    from collections import Counter

    out: dict[str, Any] = {}
    groups = {
        "site": np.asarray([e.site for e in corpus.entries]),
        "device_family": np.asarray([_device_family(e.device) for e in corpus.entries]),
    }
    for kind, values in groups.items():
        counts = Counter(values.tolist())
        for value, n in counts.most_common():
            if n < 50 or n > 0.7 * len(values):  # too small to test on, or too big to train without
                continue
            test = values == value
            rest = ~test
            val = rest & (corpus.folds == 9)
            if val.sum() < 20:
                val = rest & (corpus.folds % 10 == 0)
            train = rest & ~val
            r = run_split(family, corpus, train, val, test, seed, opts)
            ev = evaluate(corpus.Y[test], r.proba_test, LABELS, r.thresholds, n_boot=500, seed=seed)
            # The same model's in-distribution reference: CV on the training sites/devices is costly;
            # report the held-out figure beside the pooled CV figure instead.
            out[f"{kind}={value}"] = {"n_test": int(test.sum()), "n_train": int(train.sum()),
                                      "macro_auc": ev.macro_auc, "macro_auc_ci": list(ev.macro_auc_ci),
                                      "auc": ev.auc, "ece": ev.ece, "abnormal_vs_normal_auc": ev.auc["NORM"]}
            log(f"  held out {kind} {value!r} ({int(test.sum())} records): macro AUC {ev.macro_auc:.3f} "
                f"({ev.macro_auc_ci[0]:.3f}-{ev.macro_auc_ci[1]:.3f})")
    return out


def floor_features(signal: NDArray[np.float32], fs: float) -> NDArray[np.float64]:
    """Per-lead amplitude and spectral statistics (std, range, kurtosis-free; power in 4 bands)."""
    from scipy.signal import welch

    x = np.asarray(signal, dtype=np.float64)
    f, pxx = welch(x, fs=fs, nperseg=int(2 * fs), axis=0)
    bands = [(0.5, 4), (4, 10), (10, 20), (20, 40)]
    power = [np.log(pxx[(f >= lo) & (f < hi)].mean(axis=0) + 1e-12) for lo, hi in bands]
    return np.concatenate([x.std(axis=0), np.ptp(x, axis=0), *power])


def floor_baseline(data: str | Path, limit: int | None = None, seed: int = SEED) -> dict[str, Any]:
    """The floor to beat: logistic regression on :func:`floor_features`, 10-fold CV over strat_fold,
    normal vs abnormal AUC and macro AUC on the six outputs."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from medtandem.ai.metrics import auc, macro_auc

    db = read_database(data, limit=limit)
    entries, rows = [], []
    for e, r in iter_signals(db, 100):
        entries.append(e)
        rows.append(floor_features(r.standard_12().signal, r.fs))
    X, Y = np.stack(rows), label_matrix(entries)
    folds = np.asarray([e.strat_fold for e in entries])
    P = np.zeros(Y.shape)
    for k in sorted(set(folds.tolist())):
        te = folds == k
        for j in range(Y.shape[1]):
            if Y[~te, j].min() == Y[~te, j].max():
                P[te, j] = Y[~te, j].mean()
                continue
            clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000, random_state=seed))
            P[te, j] = clf.fit(X[~te], Y[~te, j]).predict_proba(X[te])[:, 1]
    return {"model": "logistic regression on per-lead std, range and 4 band powers (72 features)",
            "abnormal_vs_normal_auc": auc(Y[:, 0], P[:, 0]), "macro_auc": macro_auc(Y, P),
            "protocol": "10-fold over strat_fold, pooled"}
