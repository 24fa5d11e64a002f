"""Field monitoring of an AI application: the pure computations behind the observatory's watch.

Everything here takes arrays and returns frozen result objects; nothing imports Django. The
observatory app gathers the reads, calls these functions and stores the results.

- **Windows**: consecutive, equal-width time windows ending at ``now`` (:func:`time_windows`).
- **Performance at the operating point**: sensitivity and specificity with Wilson intervals
  (Wilson EB 1927, J Am Stat Assoc 22:209), AUC with DeLong's variance (DeLong ER, DeLong DM,
  Clarke-Pearson DL 1988, Biometrics 44:837; midrank algorithm of Sun & Xu 2014) and the expected
  calibration error (Naeini, Cooper, Hauskrecht 2015, AAAI) (:func:`output_performance`).
- **Statistical process control** of the per-window error rate (:func:`control_chart`):
  a Shewhart p-chart with 3-sigma limits around the reference rate ``p0`` and a one-sided upper
  tabular CUSUM on the standardised window rates, ``C_t = max(0, C_{t-1} + z_t - k)``, alarm when
  ``C_t > h``, with the customary ``k = 0.5`` and ``h = 4`` (Montgomery DC, *Introduction to
  Statistical Quality Control*, 7th ed., Wiley 2013, sections 7.2 and 9.1; Page ES 1954,
  Biometrika 41:100). ``p0`` is the pooled rate of the first reference windows (phase I).
- **Input drift** per measurement (:func:`psi`, :func:`ks`): the population stability index over
  the reference deciles, ``PSI = sum (a_i - e_i) ln(a_i / e_i)``, read as < 0.1 stable, 0.1-0.25
  moderate shift, > 0.25 major shift (Siddiqi N, *Credit Risk Scorecards*, Wiley 2006;
  Yurdakul B 2018, "Statistical properties of population stability index", PhD thesis, Western
  Michigan University); and the two-sample Kolmogorov-Smirnov statistic (scipy.stats.ks_2samp).
- **Human use**: over- and under-reliance rates as defined in :mod:`medtandem.reliance.measures`,
  counted with arrays so that a million reads take seconds (:func:`reliance_rates`).
- **Refusals and out-of-domain inputs**: the share of distinct ECGs shown whose input quality the
  model refused, and of those it read whose measurements fell outside its training range
  (:func:`input_flags`).
- **Energy**: training energy plus inferences x energy per inference, in kWh and gCO2e
  (:func:`energy_ledger`).

Small samples: every proportion carries its Wilson interval and every AUC its DeLong interval;
``enough`` is False below :data:`MIN_PER_CLASS` positives or negatives (AUC) or :data:`MIN_ITEMS`
items (rates), and the pages say so rather than showing a bare figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import ks_2samp

from medtandem.ai.metrics import ece as expected_calibration_error
from medtandem.reliance.estimates import auc_estimate
from medtandem.reliance.metrics import Proportion

#: Below this many positives or negatives an AUC is shown with the words "too little data".
MIN_PER_CLASS = 10
#: Below this many items a rate is shown with the words "too little data".
MIN_ITEMS = 30
#: CUSUM reference value and decision interval, in standard deviations (Montgomery 2013, 9.1).
CUSUM_K = 0.5
CUSUM_H = 4.0
#: PSI reading (Siddiqi 2006).
PSI_MODERATE = 0.1
PSI_MAJOR = 0.25
SECONDS_PER_DAY = 86400.0


def _f(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _p(p: Proportion) -> dict[str, object]:
    return p.to_dict()


# --- windows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    index: int
    start: float  # seconds since the epoch (UTC)
    end: float

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def time_windows(
    times: NDArray[np.floating], *, now: float, width_days: float, n_windows: int
) -> tuple[tuple[Window, ...], NDArray[np.int64]]:
    """``n_windows`` windows of ``width_days`` ending at ``now`` (oldest first) and, per time, the
    index of its window (-1 when older than the first window or later than ``now``).

    Args:
        times: seconds since the epoch, one per item.
    """
    if width_days <= 0:
        raise ValueError(f"width_days must be positive, got {width_days!r}")
    if n_windows < 1:
        raise ValueError(f"n_windows must be at least 1, got {n_windows!r}")
    width = width_days * SECONDS_PER_DAY
    start = now - n_windows * width
    t = np.asarray(times, dtype=float)
    idx = np.floor((t - start) / width).astype(np.int64)
    # A time exactly at ``now`` belongs to the last window.
    idx[t == now] = n_windows - 1
    idx[(t < start) | (t > now)] = -1
    windows = tuple(Window(i, start + i * width, start + (i + 1) * width) for i in range(n_windows))
    return windows, idx


# --- performance -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputPerformance:
    """One output's field performance on ``n`` items: AUC (DeLong), sensitivity and specificity at
    the operating point (Wilson) and the expected calibration error."""

    n: int
    n_positive: int
    auc: float | None
    auc_ci: tuple[float, float] | None
    sensitivity: Proportion
    specificity: Proportion
    ece: float | None
    threshold: float
    enough: bool
    method: str = (
        "Mann-Whitney AUC with DeLong interval; Wilson intervals; ECE over 10 equal-width bins"
    )

    def to_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "n_positive": self.n_positive,
            "auc": self.auc,
            "auc_ci": list(self.auc_ci) if self.auc_ci else None,
            "sensitivity": _p(self.sensitivity),
            "specificity": _p(self.specificity),
            "ece": self.ece,
            "threshold": self.threshold,
            "enough": self.enough,
            "method": self.method,
        }


def output_performance(
    truth: NDArray[np.bool_],
    probability: NDArray[np.floating],
    threshold: float,
    confidence_level: float = 0.95,
) -> OutputPerformance:
    """Field performance of one output; the call is "present" when ``probability >= threshold``."""
    t = np.asarray(truth, dtype=bool)
    p = np.asarray(probability, dtype=float)
    if t.shape != p.shape:
        raise ValueError(
            f"truth and probability must have the same shape; got {t.shape} and {p.shape}"
        )
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must lie in [0, 1], got {threshold!r}")
    n, n_pos = len(t), int(t.sum())
    call = p >= threshold
    sens = Proportion(int((call & t).sum()), n_pos, confidence_level)
    spec = Proportion(int((~call & ~t).sum()), n - n_pos, confidence_level)
    auc = ci = None
    if 0 < n_pos < n:
        est = auc_estimate(t, p, confidence_level)
        auc = _f(est.value)
        ci = (
            None
            if est.ci_lower is None or est.ci_upper is None
            else (float(est.ci_lower), float(est.ci_upper))
        )
    return OutputPerformance(
        n=n,
        n_positive=n_pos,
        auc=auc,
        auc_ci=ci,
        sensitivity=sens,
        specificity=spec,
        ece=_f(expected_calibration_error(t.astype(int), p)) if n else None,
        threshold=float(threshold),
        enough=n_pos >= MIN_PER_CLASS and n - n_pos >= MIN_PER_CLASS,
    )


# --- statistical process control ---------------------------------------------------------------


@dataclass(frozen=True)
class ControlPoint:
    window: int
    n: int
    errors: int
    rate: float | None
    ucl: float | None
    lcl: float | None
    z: float | None
    cusum: float
    shewhart_alarm: bool
    cusum_alarm: bool


@dataclass(frozen=True)
class ControlChart:
    """A p-chart and an upper CUSUM of per-window error rates against the reference rate ``p0``."""

    p0: float | None
    reference_windows: int
    k: float
    h: float
    points: tuple[ControlPoint, ...]
    #: The first window whose CUSUM crossed ``h`` (None: no alarm).
    first_alarm: int | None
    method: str = (
        "Shewhart p-chart, 3-sigma limits; one-sided upper tabular CUSUM on standardised "
        "window rates (Montgomery 2013, 7.2 and 9.1; Page 1954)"
    )

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def summary(self) -> str:
        rows = [
            f"p0 = {self.p0}, k = {self.k}, h = {self.h}, reference windows = {self.reference_windows}"
        ]
        for pt in self.points:
            rows.append(
                f"window {pt.window:>3}  n={pt.n:>6}  rate={pt.rate}  ucl={pt.ucl}  cusum={pt.cusum:.2f}"
                f"{'  ALARM' if pt.cusum_alarm else ''}"
            )
        return "\n".join(rows)


def control_chart(
    errors: Sequence[int],
    n: Sequence[int],
    *,
    reference_windows: int = 4,
    p0: float | None = None,
    k: float = CUSUM_K,
    h: float = CUSUM_H,
) -> ControlChart:
    """Control chart of per-window error counts ``errors`` out of ``n`` items.

    ``p0`` defaults to the pooled rate of the first ``reference_windows`` windows that hold data.
    Windows with no items carry the CUSUM forward unchanged. The CUSUM restarts at 0 after an
    alarm is *not* applied: it keeps accumulating, so a sustained drift stays visible.
    """
    e = np.asarray(errors, dtype=np.int64)
    m = np.asarray(n, dtype=np.int64)
    if e.shape != m.shape:
        raise ValueError(f"errors and n must have the same length; got {len(e)} and {len(m)}")
    if (e < 0).any() or (e > m).any():
        raise ValueError("errors must lie between 0 and n in every window")
    if p0 is None:
        filled = np.flatnonzero(m > 0)[:reference_windows]
        p0 = float(e[filled].sum() / m[filled].sum()) if len(filled) and m[filled].sum() else None
    points = []
    c = 0.0
    first = None
    for i, (ei, ni) in enumerate(zip(e.tolist(), m.tolist(), strict=True)):
        rate = ei / ni if ni else None
        ucl = lcl = z = None
        shewhart = alarm = False
        if p0 is not None and ni and 0.0 < p0 < 1.0:
            sigma = math.sqrt(p0 * (1 - p0) / ni)
            ucl, lcl = min(1.0, p0 + 3 * sigma), max(0.0, p0 - 3 * sigma)
            z = (rate - p0) / sigma  # type: ignore[operator]
            c = max(0.0, c + z - k)
            shewhart = rate > ucl  # type: ignore[operator]
            alarm = c > h
            if alarm and first is None:
                first = i
        points.append(ControlPoint(i, ni, ei, rate, ucl, lcl, z, c, shewhart, alarm))
    return ControlChart(p0, reference_windows, k, h, tuple(points), first)


# --- input drift -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    """Drift of one measurement between the reference (training) and current samples."""

    n_reference: int
    n_current: int
    psi: float | None
    ks_statistic: float | None
    ks_pvalue: float | None
    level: str  # "stable", "moderate", "major" or "too little data"
    method: str = "PSI over reference deciles (missing values as their own bin); two-sample KS"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def psi(
    reference: NDArray[np.floating],
    current: NDArray[np.floating],
    n_bins: int = 10,
    epsilon: float = 1e-4,
) -> float | None:
    """Population stability index of ``current`` against ``reference``.

    Bins are the reference's quantiles (``n_bins`` of them, merged where equal); missing values
    (NaN) form one more bin. Empty shares are floored at ``epsilon`` so that the logarithm exists.
    None when either sample is empty.
    """
    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    if not len(ref) or not len(cur):
        return None
    ref_ok, cur_ok = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
    if len(ref_ok):
        edges = np.unique(np.quantile(ref_ok, np.linspace(0, 1, n_bins + 1)[1:-1]))
        e_counts = np.bincount(
            np.searchsorted(edges, ref_ok, side="right"), minlength=len(edges) + 1
        )
        a_counts = np.bincount(
            np.searchsorted(edges, cur_ok, side="right"), minlength=len(edges) + 1
        )
    else:
        e_counts = a_counts = np.zeros(0, dtype=np.int64)
    e = np.append(e_counts, len(ref) - len(ref_ok)) / len(ref)
    a = np.append(a_counts, len(cur) - len(cur_ok)) / len(cur)
    e, a = np.maximum(e, epsilon), np.maximum(a, epsilon)
    return float(np.sum((a - e) * np.log(a / e)))


def drift(
    reference: NDArray[np.floating], current: NDArray[np.floating], *, min_current: int = MIN_ITEMS
) -> Drift:
    """PSI and KS of one measurement; ``level`` reads the PSI (Siddiqi 2006)."""
    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    value = psi(ref, cur)
    ref_ok, cur_ok = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
    stat = pval = None
    if len(ref_ok) and len(cur_ok):
        res = ks_2samp(ref_ok, cur_ok)
        stat, pval = float(res.statistic), float(res.pvalue)
    if value is None or len(cur) < min_current:
        level = "too little data"
    else:
        level = "major" if value > PSI_MAJOR else ("moderate" if value > PSI_MODERATE else "stable")
    return Drift(len(ref), len(cur), value, stat, pval, level)


# --- when the model declined or was out of its domain -------------------------------------------


@dataclass(frozen=True)
class InputFlagsWindow:
    """One window's suggestions: how many distinct ECGs were shown, how many the input-quality check
    refused (no probabilities shown) and how many were flagged out of the training domain."""

    window: int  # -1: the whole period
    n: int
    refused: Proportion
    out_of_domain: Proportion

    def to_dict(self) -> dict[str, object]:
        return {
            "window": self.window,
            "n": self.n,
            "refused": _p(self.refused),
            "out_of_domain": _p(self.out_of_domain),
        }


@dataclass(frozen=True)
class InputFlags:
    """Refusals and out-of-domain flags over the whole period and per window.

    The unit is the distinct ECG shown in a window (the model's verdict on an ECG is the same for
    every reader). Out-of-domain shares are among the suggestions that were not refused (a refused
    input is not measured against the training range)."""

    overall: InputFlagsWindow
    windows: tuple[InputFlagsWindow, ...]
    method: str = "distinct ECGs shown per window; Wilson intervals"

    def to_dict(self) -> dict[str, object]:
        return {
            "overall": self.overall.to_dict(),
            "windows": [w.to_dict() for w in self.windows],
            "method": self.method,
        }


def input_flags(
    case: NDArray[np.int64],
    window: NDArray[np.int64],
    refused: NDArray[np.bool_],
    out_of_domain: NDArray[np.bool_],
    n_windows: int,
    confidence_level: float = 0.95,
) -> InputFlags:
    """Count refused and out-of-domain suggestions, one per distinct ECG, overall and per window.

    ``case``, ``window`` (0 .. n_windows - 1), ``refused`` and ``out_of_domain`` are per read."""
    c, w = np.asarray(case, dtype=np.int64), np.asarray(window, dtype=np.int64)
    r, o = np.asarray(refused, dtype=bool), np.asarray(out_of_domain, dtype=bool)
    if not c.shape == w.shape == r.shape == o.shape:
        raise ValueError("case, window, refused and out_of_domain must have the same shape")
    if n_windows < 0 or (len(w) and (w.min() < 0 or w.max() >= n_windows)):
        raise ValueError("window indices must lie in 0 .. n_windows - 1")

    def count(index: int, mask: NDArray[np.bool_]) -> InputFlagsWindow:
        _u, first = np.unique(c[mask], return_index=True)
        rows = np.flatnonzero(mask)[first]
        ref, ood = r[rows], o[rows] & ~r[rows]
        return InputFlagsWindow(
            index,
            len(rows),
            Proportion(int(ref.sum()), len(rows), confidence_level),
            Proportion(int(ood.sum()), int((~ref).sum()), confidence_level),
        )

    return InputFlags(
        count(-1, np.ones(len(c), dtype=bool)),
        tuple(count(k, w == k) for k in range(n_windows)),
    )


# --- how people use it -------------------------------------------------------------------------


@dataclass(frozen=True)
class RelianceRates:
    """Over- and under-reliance on ``n`` paired items (definitions of :mod:`medtandem.reliance.measures`):
    over-reliance = the aided decision switches to a wrong AI, among items where the reader was
    right unaided and the AI wrong (1 - RSR);
    under-reliance = the aided decision keeps the reader's own wrong answer, among items where the
    AI was right and the reader wrong unaided."""

    n: int
    over_reliance: Proportion
    under_reliance: Proportion
    method: str = "paired unaided/aided reads; Wilson intervals"

    def to_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "over_reliance": _p(self.over_reliance),
            "under_reliance": _p(self.under_reliance),
            "method": self.method,
        }


def reliance_rates(
    truth: NDArray[np.bool_],
    unaided: NDArray[np.bool_],
    aided: NDArray[np.bool_],
    ai: NDArray[np.bool_],
    confidence_level: float = 0.95,
) -> RelianceRates:
    t, u, a, m = (np.asarray(x, dtype=bool) for x in (truth, unaided, aided, ai))
    if not t.shape == u.shape == a.shape == m.shape:
        raise ValueError("truth, unaided, aided and ai must have the same shape")
    ai_wrong = m != t
    right_alone = ai_wrong & (u == t)
    over = Proportion(int((right_alone & (a == m)).sum()), int(right_alone.sum()), confidence_level)
    cond = ~ai_wrong & (u != t)
    under = Proportion(int((cond & (a == u)).sum()), int(cond.sum()), confidence_level)
    return RelianceRates(len(t), over, under)


# --- energy ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnergyPoint:
    period: str
    inferences: int
    cumulative_inferences: int
    kwh: float
    g_co2e: float


@dataclass(frozen=True)
class EnergyLedger:
    """Training energy plus inferences x energy per inference, cumulated over periods."""

    training_kwh: float
    mj_per_inference: float
    grid_g_per_kwh: float
    grid_source: str
    points: tuple[EnergyPoint, ...]
    total_kwh: float
    total_g_co2e: float
    method: str = (
        "training kWh + cumulative inferences x mJ per inference; gCO2e = kWh x grid intensity"
    )

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def energy_ledger(
    training_kwh: float,
    mj_per_inference: float,
    inferences_by_period: Sequence[tuple[str, int]],
    *,
    grid_g_per_kwh: float,
    grid_source: str,
) -> EnergyLedger:
    """1 kWh = 3.6e9 mJ. Periods are taken in the order given (oldest first)."""
    if training_kwh < 0 or mj_per_inference < 0 or grid_g_per_kwh < 0:
        raise ValueError("energies and grid intensity must be non-negative")
    points, total = [], 0
    kwh = training_kwh
    for period, count in inferences_by_period:
        total += int(count)
        kwh = training_kwh + total * mj_per_inference / 3.6e9
        points.append(EnergyPoint(period, int(count), total, kwh, kwh * grid_g_per_kwh))
    return EnergyLedger(
        training_kwh,
        mj_per_inference,
        grid_g_per_kwh,
        grid_source,
        tuple(points),
        kwh,
        kwh * grid_g_per_kwh,
    )
