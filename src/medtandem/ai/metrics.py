"""Evaluation of multi-label ECG suggestions: discrimination, operating point, calibration, subgroups.

* AUC: Mann-Whitney form of the ROC area; 95 % CI by the percentile bootstrap over records (Efron &
  Tibshirani, An Introduction to the Bootstrap, 1993), 1,000 resamples, fixed seed. The macro AUC is
  the mean over outputs with both classes present (as in Strodthoff et al., IEEE JBHI 25:1519, 2021).
* Brier score (Brier, Mon Weather Rev 78:1-3, 1950) and expected calibration error with 10
  equal-width bins (Naeini et al., AAAI 2015; Guo et al., ICML 2017), pooled over outputs.
* Subgroups: Fairlearn's ``MetricFrame`` (Weerts et al., JMLR 24(257):1-8, 2023) by sex and age band,
  with the largest between-group difference and the worst group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from fairlearn.metrics import MetricFrame
from numpy.typing import NDArray

from medtandem.ai.artifacts import clean
from medtandem.mrmc.fom import auc as mann_whitney_auc

AGE_BANDS = ("<40", "40-65", ">65")


def auc(y: NDArray[np.integer], score: NDArray[np.floating]) -> float:
    """ROC AUC by ranks (ties count one half); NaN when only one class is present."""
    y = np.asarray(y).astype(bool)
    s = np.asarray(score, dtype=float)
    if y.all() or not y.any():
        return float("nan")
    return float(mann_whitney_auc(s[y], s[~y])[0])


def macro_auc(Y: NDArray[np.integer], P: NDArray[np.floating]) -> float:
    values = [auc(Y[:, k], P[:, k]) for k in range(Y.shape[1])]
    finite = [v for v in values if not np.isnan(v)]
    return float(np.mean(finite)) if finite else float("nan")


def _bootstrap(
    Y: NDArray[np.integer], P: NDArray[np.floating], n_boot: int, seed: int
) -> NDArray[np.float64]:
    """Bootstrap AUCs: (n_boot, outputs + 1), the last column the macro AUC."""
    rng = np.random.default_rng(seed)
    n = len(Y)
    out = np.full((n_boot, Y.shape[1] + 1), np.nan)
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        per = [auc(Y[idx, k], P[idx, k]) for k in range(Y.shape[1])]
        out[b, :-1] = per
        finite = [v for v in per if not np.isnan(v)]
        out[b, -1] = np.mean(finite) if finite else np.nan
    return out


def ece(y: NDArray[np.integer], p: NDArray[np.floating], n_bins: int = 10) -> float:
    """Expected calibration error: sum over equal-width bins of |observed - predicted| weighted by size."""
    y = np.ravel(y).astype(float)
    p = np.ravel(p).astype(float)
    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    total = 0.0
    for b in range(n_bins):
        sel = bins == b
        if sel.any():
            total += sel.mean() * abs(y[sel].mean() - p[sel].mean())
    return float(total)


def reliability(
    y: NDArray[np.integer], p: NDArray[np.floating], n_bins: int = 10
) -> list[dict[str, float]]:
    """The points of a reliability diagram: per bin, mean predicted, observed frequency, count."""
    y = np.ravel(y).astype(float)
    p = np.ravel(p).astype(float)
    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    out = []
    for b in range(n_bins):
        sel = bins == b
        if sel.any():
            out.append(
                {
                    "bin_low": b / n_bins,
                    "bin_high": (b + 1) / n_bins,
                    "predicted": float(p[sel].mean()),
                    "observed": float(y[sel].mean()),
                    "count": int(sel.sum()),
                }
            )
    return out


@dataclass(frozen=True)
class Evaluation:
    """Metrics of probabilities ``P`` against targets ``Y`` (outputs in ``labels`` order)."""

    labels: tuple[str, ...]
    n: int
    prevalence: dict[str, int]
    auc: dict[str, float]
    auc_ci: dict[str, tuple[float, float]]
    macro_auc: float
    macro_auc_ci: tuple[float, float]
    thresholds: dict[str, float]
    sensitivity: dict[str, float]
    specificity: dict[str, float]
    brier: dict[str, float]
    brier_mean: float
    ece: float
    reliability: list[dict[str, float]]
    method: str = (
        "percentile bootstrap over records (1000 resamples), 10-bin ECE pooled over outputs"
    )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["auc_ci"] = {k: list(v) for k, v in self.auc_ci.items()}
        d["macro_auc_ci"] = list(self.macro_auc_ci)
        return clean(d)

    def summary(self) -> str:
        lo, hi = self.macro_auc_ci
        lines = [
            f"n = {self.n}   macro AUC {self.macro_auc:.3f} (95% CI {lo:.3f}-{hi:.3f})   "
            f"Brier {self.brier_mean:.3f}   ECE {self.ece:.3f}",
            f"{'output':<6} {'pos':>4} {'AUC':>6} {'95% CI':>13} {'sens':>6} {'spec':>6}",
        ]
        for k in self.labels:
            a, (lo_k, hi_k) = self.auc[k], self.auc_ci[k]
            lines.append(
                f"{k:<6} {self.prevalence[k]:>4} {a:>6.3f} {lo_k:>6.3f}-{hi_k:<6.3f} "
                f"{self.sensitivity[k]:>6.2f} {self.specificity[k]:>6.2f}"
            )
        return "\n".join(lines)


def evaluate(
    Y: NDArray[np.integer],
    P: NDArray[np.floating],
    labels: Sequence[str],
    thresholds: Sequence[float] | NDArray[np.floating] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> Evaluation:
    """Evaluate probabilities ``P`` (n, k) against binary targets ``Y`` (n, k).

    ``thresholds`` is the operating point per output (default 0.5); sensitivity and specificity
    are read there.
    """
    Y = np.asarray(Y).astype(int)
    P = np.asarray(P, dtype=np.float64)
    if Y.shape != P.shape or Y.ndim != 2 or Y.shape[1] != len(labels):
        raise ValueError(f"Y {Y.shape} and P {P.shape} must both be (n, {len(labels)})")
    thr = np.full(len(labels), 0.5) if thresholds is None else np.asarray(thresholds, dtype=float)
    boot = _bootstrap(Y, P, n_boot, seed)
    with np.errstate(invalid="ignore"):
        lo = np.nanpercentile(boot, 2.5, axis=0)
        hi = np.nanpercentile(boot, 97.5, axis=0)
    aucs = [auc(Y[:, k], P[:, k]) for k in range(len(labels))]
    sens, spec = {}, {}
    for k, name in enumerate(labels):
        pred = P[:, k] >= thr[k]
        pos = Y[:, k] == 1
        sens[name] = float(pred[pos].mean()) if pos.any() else float("nan")
        spec[name] = float((~pred[~pos]).mean()) if (~pos).any() else float("nan")
    brier = {name: float(np.mean((P[:, k] - Y[:, k]) ** 2)) for k, name in enumerate(labels)}
    return Evaluation(
        labels=tuple(labels),
        n=len(Y),
        prevalence={n: int(Y[:, k].sum()) for k, n in enumerate(labels)},
        auc=dict(zip(labels, aucs, strict=True)),
        auc_ci={n: (float(lo[k]), float(hi[k])) for k, n in enumerate(labels)},
        macro_auc=macro_auc(Y, P),
        macro_auc_ci=(float(lo[-1]), float(hi[-1])),
        thresholds={n: float(thr[k]) for k, n in enumerate(labels)},
        sensitivity=sens,
        specificity=spec,
        brier=brier,
        brier_mean=float(np.mean(list(brier.values()))),
        ece=ece(Y, P),
        reliability=reliability(Y, P),
    )


def age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    return "<40" if age < 40 else ("40-65" if age <= 65 else ">65")


def subgroup_metrics(
    Y: NDArray[np.integer],
    P: NDArray[np.floating],
    labels: Sequence[str],
    groups: dict[str, Sequence[str]],
    thresholds: Sequence[float] | None = None,
) -> dict[str, Any]:
    """Per-group metrics with Fairlearn's ``MetricFrame`` for each grouping (e.g. sex, age band).

    Metrics: macro AUC (outputs with both classes in the group), NORM-vs-abnormal AUC, and the
    sensitivity and specificity of the "abnormal" decision (p(NORM) below its threshold).
    """
    Y = np.asarray(Y).astype(int)
    P = np.asarray(P, dtype=np.float64)
    thr = np.full(len(labels), 0.5) if thresholds is None else np.asarray(thresholds, dtype=float)
    k_norm = list(labels).index("NORM")
    idx = np.arange(len(Y))

    def m_macro(yi: NDArray[np.integer], pi: NDArray[np.integer]) -> float:
        i = np.asarray(pi)
        return macro_auc(Y[i], P[i])

    def m_norm(yi: NDArray[np.integer], pi: NDArray[np.integer]) -> float:
        i = np.asarray(pi)
        return auc(1 - Y[i, k_norm], 1 - P[i, k_norm])

    def m_sens(yi: NDArray[np.integer], pi: NDArray[np.integer]) -> float:
        i = np.asarray(pi)
        abn = Y[i, k_norm] == 0
        return float((P[i, k_norm][abn] < thr[k_norm]).mean()) if abn.any() else float("nan")

    def m_spec(yi: NDArray[np.integer], pi: NDArray[np.integer]) -> float:
        i = np.asarray(pi)
        nor = Y[i, k_norm] == 1
        return float((P[i, k_norm][nor] >= thr[k_norm]).mean()) if nor.any() else float("nan")

    def m_count(yi: NDArray[np.integer], pi: NDArray[np.integer]) -> int:
        return len(pi)

    metrics = {
        "n": m_count,
        "macro_auc": m_macro,
        "abnormal_auc": m_norm,
        "abnormal_sensitivity": m_sens,
        "abnormal_specificity": m_spec,
    }
    out: dict[str, Any] = {}
    for name, values in groups.items():
        feature = np.asarray(values)
        keep = feature != "unknown"
        mf = MetricFrame(
            metrics=metrics,
            y_true=Y[keep, k_norm],
            y_pred=idx[keep],
            sensitive_features=feature[keep],
        )
        by_group = mf.by_group
        table = {str(g): {m: clean(by_group.loc[g, m]) for m in metrics} for g in by_group.index}
        gaps = mf.difference(method="between_groups")
        worst = {
            m: str(by_group[m].astype(float).idxmin())
            for m in metrics
            if m != "n" and by_group[m].astype(float).notna().any()
        }
        out[name] = {
            "by_group": table,
            "largest_gap": {m: clean(float(gaps[m])) for m in metrics if m != "n"},
            "worst_group": worst,
        }
    return out
