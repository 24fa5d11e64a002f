"""Training and evaluation protocol of the MedTandem ECG models.

PTB-XL benchmark protocol (Strodthoff et al., IEEE JBHI 25:1519-1528, 2021): ``strat_fold`` 1-8 train,
9 validation (here: Platt calibration and the operating point, nothing else), 10 test. Because a
66-record test fold is noisy on the 500 shipped records, :func:`evaluate_family` also runs a 10-fold
cross-validation over ``strat_fold`` (each fold tested once; the next fold calibrates; the eight
others train) and pools the out-of-fold predictions; it then measures generalisation, which is what
selects the default model (:mod:`medtandem.ai.report`):

* leave-one-site-out and leave-one-device-out re-training (sites with at least 50 records; device
  families ``CS-12`` and ``AT-6``), with AUC, calibration (ECE) and the out-of-distribution flag rate
  on the held-out records;
* the robustness suite (:mod:`medtandem.ai.robustness`): every held-out record of the CV is
  perturbed the way other hospitals differ and predicted by the model that did not see it.

Every input path is the one the web app serves: records read at 500 Hz and prepared by the family's
``featurize`` (:mod:`medtandem.ai.families`), exactly as :meth:`EcgModel.predict_record` does.
Everything reported is computed here and written to the model folder; nothing is typed by hand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import resource
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.signal import welch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from medtandem.ai import flops
from medtandem.ai.artifacts import ENERGY, EVALUATION, META, read_json, write_json
from medtandem.ai.calibration import PlattCalibrator
from medtandem.ai.card import write_card
from medtandem.ai.energy import KWH_DIGITS, track
from medtandem.ai.families import FAMILIES, Classifier, Family, get_family
from medtandem.ai.features import FEATURE_NAMES, record_features
from medtandem.ai.labels import LABELS, SUPERCLASSES, label_matrix
from medtandem.ai.metrics import age_band, auc, ece, evaluate, macro_auc, subgroup_metrics
from medtandem.ai.model import load_model
from medtandem.ai.ood import FeatureRange
from medtandem.ai.robustness import PERTURBATIONS, perturb
from medtandem.ecg.ptbxl import PtbxlEntry, iter_signals, read_database
from medtandem.ecg.quality import assess
from medtandem.ecg.record import EcgReadError, EcgRecord
from medtandem.reliance.estimates import auc_estimate

DEFAULT_NAMES = {name: f.default_model for name, f in FAMILIES.items()}
SEED = 0
#: Records read by the models during training and evaluation (the served input: 500 Hz).
TRAIN_FS = 500
#: At most this many records enter the robustness suite (all of them on the 500-record subset).
ROBUSTNESS_MAX_RECORDS = 1000
OPERATING_POINT_RULE = {
    "en": "Youden's J (sensitivity + specificity - 1) maximised on the calibration fold (strat_fold 9), "
    "on calibrated probabilities; training prevalence when that fold has fewer than 3 positives",
    "fr": "J de Youden (sensibilité + spécificité - 1) maximisé sur le pli de calibration (strat_fold 9), "
    "sur les probabilités calibrées ; prévalence d'entraînement si ce pli compte moins de 3 positifs",
}


@dataclass
class Corpus:
    """Inputs and labels of a PTB-XL folder for one model family."""

    root: Path
    entries: list[PtbxlEntry]
    X: NDArray[Any]
    Y: NDArray[np.int8]
    folds: NDArray[np.int64]
    seconds_to_load: float
    #: Measurement features of every record (the out-of-distribution check works on them).
    M: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, len(FEATURE_NAMES))))
    #: Whether the quality check refuses each clean record.
    refused: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))

    @property
    def sex(self) -> list[str]:
        return [e.sex or "unknown" for e in self.entries]

    @property
    def age_band(self) -> list[str]:
        return [age_band(e.age) for e in self.entries]

    def describe(self, rows: NDArray[np.bool_] | None = None) -> dict[str, Any]:
        """Training-data characterisation for the model card (counted, not typed)."""
        idx = np.flatnonzero(rows) if rows is not None else np.arange(len(self.entries))
        entries = [self.entries[i] for i in idx]
        Y = self.Y[idx]
        ages = [e.age for e in entries if e.age is not None]
        return {
            "source": str(self.root),
            "n_records": len(entries),
            "n_patients": len({e.patient_id for e in entries}),
            "recording_dates": [
                min(e.recording_date for e in entries)[:10],
                max(e.recording_date for e in entries)[:10],
            ],
            "label_counts": {k: int(Y[:, i].sum()) for i, k in enumerate(LABELS)},
            "sex": dict(Counter(e.sex or "unknown" for e in entries)),
            "age_band": dict(Counter(age_band(e.age) for e in entries)),
            "age_median": float(np.median(ages)) if ages else None,
            "sites": dict(Counter(e.site for e in entries)),
            "devices": dict(Counter(e.device for e in entries)),
            "folds": {str(k): int(v) for k, v in sorted(Counter(self.folds[idx].tolist()).items())},
        }


def _rows(family: Family, record: EcgRecord) -> tuple[NDArray[Any], NDArray[np.float64]]:
    """(family input row, measurement features) of one record; one measurement when they coincide."""
    m = record_features(record)[0]
    x = m if family.featurize is FAMILIES["measurements"].featurize else family.featurize(record)
    return x, m


def load_corpus(root: str | Path, family: str, limit: int | None = None) -> Corpus:
    """Read a PTB-XL folder (standard or embedded-bank layout) into the family's model inputs, from
    the 500 Hz records (the rate the web app serves), through the family's ``featurize``."""
    fam = get_family(family)
    start = time.perf_counter()
    db = read_database(root, limit=limit)
    entries: list[PtbxlEntry] = []
    rows: list[NDArray[Any]] = []
    meas: list[NDArray[np.float64]] = []
    refused: list[bool] = []
    for entry, record in iter_signals(db, TRAIN_FS):
        x, m = _rows(fam, record)
        entries.append(entry)
        rows.append(x)
        meas.append(m)
        refused.append(not assess(record).ok)
    return Corpus(
        Path(root),
        entries,
        np.stack(rows).astype(fam.input_dtype),
        label_matrix(entries),
        np.asarray([e.strat_fold for e in entries]),
        time.perf_counter() - start,
        np.stack(meas),
        np.asarray(refused, bool),
    )


def make_classifier(family: str, options: dict[str, Any]) -> Classifier:
    return get_family(family).make_classifier(options)


def youden_thresholds(
    P: NDArray[np.floating],
    Y: NDArray[np.integer],
    fallback: NDArray[np.floating],
    min_positives: int = 3,
) -> NDArray[np.float64]:
    """Per output, the threshold maximising Youden's J = sensitivity + specificity - 1 on ``(P, Y)``
    (Youden, Cancer 3:32-35, 1950); ``fallback`` where a class has fewer than ``min_positives`` records.
    A record is called positive when its probability reaches the threshold."""
    P = np.asarray(P, dtype=np.float64)
    Y = np.asarray(Y).astype(bool)
    out = np.asarray(fallback, dtype=np.float64).copy()
    for k in range(P.shape[1]):
        y, p = Y[:, k], P[:, k]
        if y.sum() < min_positives or (~y).sum() < min_positives:
            continue
        candidates = np.unique(p)
        sens = np.array([(p[y] >= t).mean() for t in candidates])
        spec = np.array([(p[~y] < t).mean() for t in candidates])
        out[k] = float(candidates[int(np.argmax(sens + spec - 1))])
    return out


@dataclass
class SplitResult:
    classifier: Classifier
    calibrator: PlattCalibrator
    thresholds: NDArray[np.float64]
    proba_test: NDArray[np.float64]
    proba_test_uncalibrated: NDArray[np.float64]
    feature_range: FeatureRange


def run_split(
    family: str,
    corpus: Corpus,
    train: NDArray[np.bool_],
    val: NDArray[np.bool_],
    test: NDArray[np.bool_],
    seed: int = SEED,
    options: dict[str, Any] | None = None,
) -> SplitResult:
    """Train on ``train``, calibrate and choose the operating point on ``val``, predict ``test``."""
    fam = get_family(family)
    opts = {**fam.default_options(int(train.sum())), **(options or {})}
    clf = make_classifier(family, opts).fit(corpus.X[train], corpus.Y[train], seed=seed)
    cal = PlattCalibrator.fit(clf.predict_proba(corpus.X[val]), corpus.Y[val])
    raw = clf.predict_proba(corpus.X[test]) if test.any() else np.zeros((0, len(LABELS)))
    prevalence = np.clip(corpus.Y[train].mean(axis=0), 0.01, 0.99)
    thresholds = youden_thresholds(
        cal.transform(clf.predict_proba(corpus.X[val])), corpus.Y[val], prevalence
    )
    rng = (
        FeatureRange.fit(corpus.M[train], FEATURE_NAMES)
        if len(corpus.M)
        else FeatureRange((), (), ())
    )
    return SplitResult(clf, cal, thresholds, cal.transform(raw), raw, rng)


def default_options(family: str, n_train: int) -> dict[str, Any]:
    return get_family(family).default_options(n_train)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def train_model(
    data: str | Path,
    out: str | Path,
    family: str = "measurements",
    name: str | None = None,
    seed: int = SEED,
    limit: int | None = None,
    options: dict[str, Any] | None = None,
    log: Callable[[str], None] = print,
) -> Path:
    """Train on folds 1-8, calibrate on 9, test on 10; write the model folder ``out``.

    Writes ``meta.json``, the weights, ``evaluation.json`` (fold 10), ``energy.json`` (training and
    inference) and ``card.json``. Returns the folder.
    """
    fam = get_family(family)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    np.random.seed(seed)
    log(f"reading {data} for the {family} model ...")
    corpus = load_corpus(data, family, limit=limit)
    train, val, test = corpus.folds <= 8, corpus.folds == 9, corpus.folds == 10
    if not train.any() or not val.any():
        raise ValueError(f"{data}: need records in strat_fold 1-8 (train) and 9 (validation)")
    opts = {**fam.default_options(int(train.sum())), **(options or {})}
    log(
        f"{len(corpus.entries)} records read in {corpus.seconds_to_load:.1f} s; training on folds 1-8 "
        f"({int(train.sum())}), calibrating on fold 9 ({int(val.sum())}), testing on fold 10 ({int(test.sum())})"
    )
    with track("train") as energy_train:
        result = run_split(family, corpus, train, val, test, seed, opts)
    log(f"trained in {energy_train.seconds:.1f} s")

    weights = out / fam.weights_file
    result.classifier.save(weights)
    for other in {f.weights_file for f in FAMILIES.values()} - {fam.weights_file}:
        if (out / other).exists():
            (out / other).unlink()
    created = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    meta = {
        "name": name or fam.default_model,
        "family": family,
        "version": f"{created[:10]}+{_sha(weights)[:8]}",
        "created": created,
        "labels": list(LABELS),
        "seed": seed,
        "options": opts,
        "calibration": result.calibrator.to_dict(),
        # 4 decimals, as the probabilities of a Suggestion: the card's operating point is this list
        "thresholds": [round(float(t), 4) for t in result.thresholds],
        "operating_point_rule": OPERATING_POINT_RULE,
        "n_calibration": int(val.sum()),
        "n_parameters": int(result.classifier.n_parameters),
        "weights": {"file": weights.name, "bytes": weights.stat().st_size, "sha256": _sha(weights)},
        "input": fam.input,
        "text": fam.text,
        "protocol": "PTB-XL benchmark: strat_fold 1-8 train, 9 calibration and operating point, 10 test",
        "training_data": corpus.describe(train),
        "feature_range": result.feature_range.to_dict(),
    }
    write_json(out / META, meta, digits=None)

    # Fold-10 evaluation with the saved model (as it runs in production: ONNX / JSON weights).
    model = load_model(out)
    evaluation: dict[str, Any] = read_json(out / EVALUATION)
    if test.any():
        p_test = model.calibrator.transform(model.raw_proba_inputs(corpus.X[test]))
        ev = evaluate(corpus.Y[test], p_test, LABELS, result.thresholds, seed=seed)
        ev_raw = evaluate(
            corpus.Y[test],
            result.proba_test_uncalibrated,
            LABELS,
            result.thresholds,
            n_boot=200,
            seed=seed,
        )
        evaluation["fold10"] = {
            **ev.to_dict(),
            "ece_uncalibrated": ev_raw.ece,
            "brier_uncalibrated": ev_raw.brier_mean,
            "abnormal_vs_normal_auc": ev.auc["NORM"],
            "version": meta["version"],
        }
        log("fold 10 (test):\n" + ev.summary())
    evaluation["training_seconds"] = energy_train.seconds
    write_json(out / EVALUATION, evaluation)

    energy = {
        "training": energy_train.to_dict(),
        "inference": measure_inference(out, data, log=log),
    }
    # Joules-scale trainings need the kWh figures' small decimals (see energy.KWH_DIGITS).
    write_json(out / ENERGY, energy, digits=KWH_DIGITS)
    write_card(out)
    log(f"model written to {out} (version {meta['version']})")
    return out


def measure_inference(
    model_dir: Path,
    data: str | Path,
    n_records: int = 20,
    seconds: float = 4.0,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Latency per ECG on one core (median over records, suggestion without and with explanation),
    energy per ECG (CodeCarbon over a loop of predictions: an estimate without RAPL) and the exact
    operation count (:mod:`medtandem.ai.flops`)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    model = load_model(model_dir)
    db = read_database(data, limit=n_records)
    records = [r for _, r in iter_signals(db, TRAIN_FS)]
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
    weights = read_json(model.weights_path) if model.weights_path.suffix == ".json" else None
    ops = flops.count(model.meta, weights, n=records[0].n_samples, fs=records[0].fs)
    per = {
        "n_predictions": count,
        "ms_per_ecg": 1000 * float(np.median(times)),
        "ms_per_ecg_with_explanation": 1000 * float(np.median(times_explain)),
        "input": "500 Hz 10-s PTB-XL records (quality check, conditioning and measurement included)",
        "threads": 1,
        "energy": reading.to_dict(),
        "mj_per_ecg": (reading.kwh * 3.6e9 / count) if reading.kwh is not None and count else None,
        "cpu_mj_per_ecg": (reading.cpu_kwh * 3.6e9 / count)
        if reading.cpu_kwh is not None and count
        else None,
        "g_co2e_per_1000_ecg": (reading.g_co2e * 1000 / count)
        if reading.g_co2e is not None and count
        else None,
        "flops_per_ecg": ops["flops_per_ecg"],
        "flops": ops,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    log(
        f"inference: {per['ms_per_ecg']:.2f} ms per ECG ({per['ms_per_ecg_with_explanation']:.2f} ms with "
        f"explanation), {per['mj_per_ecg'] or float('nan'):.1f} mJ per ECG ({reading.mode}), "
        f"{ops['flops_per_ecg']:,} operations per ECG"
    )
    return per


# --- evaluation -------------------------------------------------------------------------------------


def _nva(Y: NDArray[np.integer], P: NDArray[np.floating]) -> float:
    """Normal-vs-abnormal AUC: p(NORM) against the NORM label."""
    return auc(Y[:, 0], P[:, 0])


@dataclass
class _Perturbed:
    X: NDArray[Any]
    M: NDArray[np.float64]
    refused: NDArray[np.bool_]
    unreadable: NDArray[np.bool_]


def perturbed_inputs(
    data: str | Path,
    family: str,
    entries: list[PtbxlEntry],
    subset: NDArray[np.intp],
    limit: int | None,
    seed: int,
) -> dict[str, _Perturbed]:
    """Family inputs of every record of ``subset`` under every perturbation (deterministic)."""
    fam = get_family(family)
    db = read_database(data, limit=limit)
    wanted = set(subset.tolist())
    rows: dict[str, list[Any]] = {p: [] for p in PERTURBATIONS}
    meas: dict[str, list[NDArray[np.float64]]] = {p: [] for p in PERTURBATIONS}
    refused: dict[str, list[bool]] = {p: [] for p in PERTURBATIONS}
    bad: dict[str, list[bool]] = {p: [] for p in PERTURBATIONS}
    blank_m = np.full(len(FEATURE_NAMES), np.nan)
    blank_x: NDArray[Any] | None = None
    for i, (_, record) in enumerate(iter_signals(db, TRAIN_FS)):
        if i not in wanted:
            continue
        for j, p in enumerate(PERTURBATIONS):
            r = perturb(record, p, seed=seed * 1_000_003 + i * 31 + j)
            try:
                x, m = _rows(fam, r)
                blank_x = np.full_like(x, np.nan) if blank_x is None else blank_x
                rows[p].append(x)
                meas[p].append(m)
                refused[p].append(not assess(r).ok)
                bad[p].append(False)
            except EcgReadError:  # a lead is missing: the product refuses the record
                rows[p].append(None)
                meas[p].append(blank_m)
                refused[p].append(True)
                bad[p].append(True)
    out = {}
    for p in PERTURBATIONS:
        assert blank_x is not None  # at least one perturbation of the first record is readable
        filled: list[NDArray[Any]] = [x if x is not None else blank_x for x in rows[p]]
        out[p] = _Perturbed(
            np.stack(filled).astype(fam.input_dtype),
            np.stack(meas[p]),
            np.asarray(refused[p]),
            np.asarray(bad[p]),
        )
    return out


def evaluate_family(
    data: str | Path,
    model_dir: str | Path,
    seed: int = SEED,
    limit: int | None = None,
    log: Callable[[str], None] = print,
    holdouts: bool = True,
    robustness: bool = True,
) -> dict[str, Any]:
    """10-fold CV over strat_fold, site and device hold-outs, the robustness suite, subgroups;
    merged into evaluation.json and the card rebuilt."""
    model_dir = Path(model_dir)
    meta = read_json(model_dir / META)
    if not meta:
        raise ValueError(f"{model_dir}: not a model folder (no meta.json)")
    family = meta["family"]
    opts = meta.get("options", {})
    corpus = load_corpus(data, family, limit=limit)
    Y, folds = corpus.Y, corpus.folds
    evaluation = read_json(model_dir / EVALUATION)
    start = time.perf_counter()
    n = len(Y)
    subset = (
        np.arange(n)
        if n <= ROBUSTNESS_MAX_RECORDS
        else np.linspace(0, n - 1, ROBUSTNESS_MAX_RECORDS).astype(np.intp)
    )
    perturbed = (
        perturbed_inputs(data, family, corpus.entries, subset, limit, seed) if robustness else {}
    )
    in_subset = np.zeros(n, bool)
    in_subset[subset] = True
    pos = np.full(n, -1)
    pos[subset] = np.arange(len(subset))

    # 10-fold cross-validation over strat_fold.
    present = sorted(set(folds.tolist()))
    oof = np.full(Y.shape, np.nan)
    oof_raw = np.full(Y.shape, np.nan)
    thr_rows = np.zeros(Y.shape)
    ood_clean = np.zeros(n, bool)
    oof_p = {p: np.full((len(subset), Y.shape[1]), np.nan) for p in perturbed}
    ood_p = {p: np.zeros(len(subset), bool) for p in perturbed}
    per_fold = {}
    for i, k in enumerate(present):
        v = present[(i + 1) % len(present)]
        test, val = folds == k, folds == v
        train = ~test & ~val
        r = run_split(family, corpus, train, val, test, seed, opts)
        oof[test], oof_raw[test], thr_rows[test] = (
            r.proba_test,
            r.proba_test_uncalibrated,
            r.thresholds,
        )
        ood_clean[test] = [r.feature_range.check(m).flagged for m in corpus.M[test]]
        rows = pos[test & in_subset]
        for p, data_p in perturbed.items():
            if len(rows):
                oof_p[p][rows] = r.calibrator.transform(r.classifier.predict_proba(data_p.X[rows]))
                ood_p[p][rows] = [r.feature_range.check(m).flagged for m in data_p.M[rows]]
        per_fold[str(k)] = macro_auc(Y[test], r.proba_test)
        log(f"  CV fold {k}: macro AUC {per_fold[str(k)]:.3f}")
    thresholds = thr_rows.mean(axis=0)
    ev = evaluate(Y, oof, LABELS, thresholds, seed=seed)
    ev_raw = evaluate(Y, oof_raw, LABELS, thresholds, n_boot=200, seed=seed)
    pred = oof >= thr_rows
    sens = {k: float(pred[Y[:, j] == 1, j].mean()) for j, k in enumerate(LABELS)}
    spec = {k: float((~pred[Y[:, j] == 0, j]).mean()) for j, k in enumerate(LABELS)}
    cv = {
        **ev.to_dict(),
        "sensitivity": sens,
        "specificity": spec,
        "per_fold_macro_auc": per_fold,
        "ece_uncalibrated": ev_raw.ece,
        "brier_uncalibrated": ev_raw.brier_mean,
        "abnormal_vs_normal_auc": ev.auc["NORM"],
        "refused_by_quality": int(corpus.refused.sum()),
        "ood_flagged": int(ood_clean.sum()),
        "protocol": "10-fold over strat_fold; fold k tested, fold k+1 calibrates and sets the operating "
        "point, the 8 others train; pooled",
    }
    log("10-fold CV (pooled out-of-fold):\n" + ev.summary())
    evaluation["cv10"] = cv
    evaluation["subgroups_cv10"] = subgroup_metrics(
        Y, oof, LABELS, {"sex": corpus.sex, "age_band": corpus.age_band}, list(thresholds)
    )
    if perturbed:
        evaluation["robustness"] = _robustness_table(
            Y[subset], oof[subset], oof_p, ood_p, perturbed
        )
        log(format_robustness(evaluation["robustness"]))
    if holdouts:
        evaluation["holdout"] = _holdouts(family, corpus, seed, opts, log)
    evaluation["floor"] = floor_baseline(data, limit=limit, seed=seed)
    evaluation["evaluated"] = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    evaluation["evaluation_seconds"] = time.perf_counter() - start
    evaluation["evaluated_version"] = meta.get("version")
    write_json(model_dir / EVALUATION, evaluation)
    write_card(model_dir)
    return evaluation


def _robustness_table(
    Y: NDArray[np.integer],
    clean: NDArray[np.float64],
    oof_p: dict[str, NDArray[np.float64]],
    ood_p: dict[str, NDArray[np.bool_]],
    perturbed: dict[str, _Perturbed],
) -> dict[str, Any]:
    base_nva, base_macro = _nva(Y, clean), macro_auc(Y, clean)
    rows: dict[str, Any] = {}
    served_losses: dict[str, float] = {}
    for p, P in oof_p.items():
        d = perturbed[p]
        readable = ~d.unreadable
        accepted = ~d.refused
        row: dict[str, Any] = {
            "refused_rate": float(d.refused.mean()),
            "ood_rate": float(ood_p[p][readable].mean()) if readable.any() else None,
            "normal_vs_abnormal_auc": _nva(Y[readable], P[readable])
            if readable.sum() > 10
            else None,
            "macro_auc": macro_auc(Y[readable], P[readable]) if readable.sum() > 10 else None,
        }
        row["loss_normal_vs_abnormal"] = (
            _nva(Y[readable], clean[readable]) - row["normal_vs_abnormal_auc"]
            if row["normal_vs_abnormal_auc"] is not None
            else None
        )
        row["loss_macro"] = (
            macro_auc(Y[readable], clean[readable]) - row["macro_auc"]
            if row["macro_auc"] is not None
            else None
        )
        # What the product serves: the records the quality check accepts (when it accepts most).
        if accepted.mean() >= 0.5:
            served = _nva(Y[accepted], clean[accepted]) - _nva(Y[accepted], P[accepted])
            row["served_loss_normal_vs_abnormal"] = served
            served_losses[p] = served
        else:
            row["served_loss_normal_vs_abnormal"] = None
            row["served"] = "refused (the quality check refuses most records)"
        rows[p] = row
    worst = max(served_losses, key=lambda k: served_losses[k]) if served_losses else None
    return {
        "protocol": "each cross-validation test record perturbed (medtandem.ai.robustness) and predicted by the "
        "fold's model; loss = clean AUC - perturbed AUC on the same records",
        "n_records": len(Y),
        "clean": {"normal_vs_abnormal_auc": base_nva, "macro_auc": base_macro},
        "by_perturbation": rows,
        "summary": {
            "largest_loss_normal_vs_abnormal": served_losses[worst] if worst else None,
            "worst_perturbation": worst,
            "largest_loss_macro": max(
                (r["loss_macro"] for r in rows.values() if r["loss_macro"] is not None),
                default=None,
            ),
            "note": "largest loss over the perturbations the product answers (quality check passed)",
        },
    }


def format_robustness(rob: dict[str, Any]) -> str:
    def f(v: Any, spec: str = ".3f") -> str:
        return "-" if v is None else format(v, spec)

    lines = [
        f"robustness suite ({rob['n_records']} held-out records; clean normal-vs-abnormal AUC "
        f"{f(rob['clean']['normal_vs_abnormal_auc'])}, macro {f(rob['clean']['macro_auc'])})",
        f"{'perturbation':<22} {'NvA AUC':>8} {'loss':>7} {'served':>7} {'macro':>7} {'loss':>7} "
        f"{'refused':>8} {'OOD':>6}",
    ]
    for p, r in rob["by_perturbation"].items():
        lines.append(
            f"{p:<22} {f(r['normal_vs_abnormal_auc']):>8} {f(r['loss_normal_vs_abnormal'], '+.3f'):>7} "
            f"{f(r['served_loss_normal_vs_abnormal'], '+.3f'):>7} {f(r['macro_auc']):>7} "
            f"{f(r['loss_macro'], '+.3f'):>7} {f(100 * r['refused_rate'], '.0f') + '%':>8} "
            f"{f(None if r['ood_rate'] is None else 100 * r['ood_rate'], '.0f') + '%':>6}"
        )
    s = rob["summary"]
    lines.append(
        f"largest served loss (normal vs abnormal): {f(s['largest_loss_normal_vs_abnormal'], '+.3f')} "
        f"({s['worst_perturbation']})"
    )
    return "\n".join(lines)


def format_holdouts(hold: dict[str, Any]) -> str:
    lines = [
        f"{'held out':<20} {'n':>4} {'norm/abn':>9} {'NvA AUC (DeLong 95% CI)':>24} "
        f"{'macro5':>6} {'macro AUC (95% CI)':>22} {'ECE':>6} {'OOD':>5} {'refused':>8}"
    ]
    for k, v in hold.items():
        lo, hi = v.get("macro_auc_ci") or [None, None]
        nlo, nhi = v.get("abnormal_vs_normal_auc_ci") or [float("nan"), float("nan")]
        counts = f"{v.get('n_normal', '?')}/{v.get('n_abnormal', '?')}"
        lines.append(
            f"{k:<20} {v['n_test']:>4} {counts:>9} {v['abnormal_vs_normal_auc']:>8.3f} "
            f"({nlo:.3f}-{nhi:.3f}) {v.get('macro_auc_5_superclasses', float('nan')):>6.3f} "
            f"{v['macro_auc']:>6.3f} ({lo:.3f}-{hi:.3f}) {v['ece']:>6.3f} {100 * v['ood_rate']:>4.0f}% "
            f"{v['refused']:>8}"
        )
    return "\n".join(lines)


def _device_family(device: str) -> str:
    return device.split()[0] if device.strip() else "unknown"


def _holdouts(
    family: str, corpus: Corpus, seed: int, opts: dict[str, Any], log: Callable[[str], None]
) -> dict[str, Any]:
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
            ood = float(np.mean([r.feature_range.check(m).flagged for m in corpus.M[test]]))
            # DeLong's interval of the normal-vs-abnormal AUC (reliance core): how far the worst
            # group can be read, given how few abnormal (or normal) records it holds.
            nva = auc_estimate(corpus.Y[test, 0] == 1, r.proba_test[:, 0])
            out[f"{kind}={value}"] = {
                "n_test": int(test.sum()),
                "n_normal": int(corpus.Y[test, 0].sum()),
                "n_abnormal": int((corpus.Y[test, 0] == 0).sum()),
                "abnormal_vs_normal_auc_ci": [nva.ci_lower, nva.ci_upper],
                "macro_auc_5_superclasses": float(np.nanmean([ev.auc[k] for k in SUPERCLASSES])),
                "n_train": int(train.sum()),
                "macro_auc": ev.macro_auc,
                "macro_auc_ci": list(ev.macro_auc_ci),
                "auc": ev.auc,
                "ece": ece(corpus.Y[test], r.proba_test),
                "abnormal_vs_normal_auc": ev.auc["NORM"],
                "sensitivity": ev.sensitivity,
                "specificity": ev.specificity,
                "ood_rate": ood,
                "refused": int(corpus.refused[test].sum()),
            }
    log("held-out sites and devices:\n" + format_holdouts(out))
    return out


def floor_features(signal: NDArray[np.float32], fs: float) -> NDArray[np.float64]:
    """Per-lead amplitude and spectral statistics (std, range; power in 4 bands)."""
    x = np.asarray(signal, dtype=np.float64)
    f, pxx = welch(x, fs=fs, nperseg=int(2 * fs), axis=0)
    bands = [(0.5, 4), (4, 10), (10, 20), (20, 40)]
    power = [np.log(pxx[(f >= lo) & (f < hi)].mean(axis=0) + 1e-12) for lo, hi in bands]
    return np.concatenate([x.std(axis=0), np.ptp(x, axis=0), *power])


def floor_baseline(data: str | Path, limit: int | None = None, seed: int = SEED) -> dict[str, Any]:
    """The floor to beat: logistic regression on :func:`floor_features`, 10-fold CV over strat_fold,
    normal vs abnormal AUC and macro AUC on the six outputs."""
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
            clf = make_pipeline(
                StandardScaler(), LogisticRegression(C=0.1, max_iter=2000, random_state=seed)
            )
            P[te, j] = clf.fit(X[~te], Y[~te, j]).predict_proba(X[te])[:, 1]
    return {
        "model": "logistic regression on per-lead std, range and 4 band powers (72 features)",
        "abnormal_vs_normal_auc": auc(Y[:, 0], P[:, 0]),
        "macro_auc": macro_auc(Y, P),
        "protocol": "10-fold over strat_fold, pooled",
    }
