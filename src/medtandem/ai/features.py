"""Measurement features for the interpretable model, built from :mod:`medtandem.ecg.measure`.

Angles enter as their cosine and sine (they wrap at ±180°); a missing P wave or end of T becomes a
0/1 indicator plus the training median for the value. Each feature keeps a name, a label and a unit
so that an explanation can show the learner the measurement and its value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from medtandem.ecg.measure import LABELS as MEASURE_LABELS
from medtandem.ecg.measure import UNITS, EcgMeasurements, MeasurementError, measure
from medtandem.ecg.preprocess import standard_leads
from medtandem.ecg.record import STANDARD_LEADS, EcgRecord

_GLOBAL = (
    "heart_rate_bpm",
    "rr_sdnn_ms",
    "rr_rmssd_ms",
    "rr_irregularity",
    "pr_ms",
    "p_amplitude_mv",
    "qrs_ms",
    "qt_ms",
    "qtc_bazett_ms",
    "qtc_fridericia_ms",
    "sokolow_lyon_mv",
    "cornell_mv",
    "limb_qrs_max_mv",
)
_ANGLES = ("qrs_axis_deg", "t_axis_deg")
_PER_LEAD = ("st60_mv", "q_mv", "r_mv", "s_mv", "t_mv")


@dataclass(frozen=True)
class FeatureInfo:
    name: str
    label: str
    unit: str
    source: str  # the EcgMeasurements value it shows (flat name)


def _infos() -> tuple[FeatureInfo, ...]:
    out = [FeatureInfo(n, MEASURE_LABELS[n], UNITS[n], n) for n in _GLOBAL]
    out.append(FeatureInfo("p_absent", "No P wave found", "", "pr_ms"))
    out.append(FeatureInfo("t_end_absent", "End of T not found", "", "qt_ms"))
    for n in _ANGLES:
        out.append(FeatureInfo(f"{n}_cos", f"{MEASURE_LABELS[n]} (cosine)", "", n))
        out.append(FeatureInfo(f"{n}_sin", f"{MEASURE_LABELS[n]} (sine)", "", n))
    for n in _PER_LEAD:
        for lead in STANDARD_LEADS:
            out.append(
                FeatureInfo(
                    f"{n}_{lead}", f"{MEASURE_LABELS[n]} in {lead}", UNITS[n], f"{n}_{lead}"
                )
            )
    return tuple(out)


FEATURES: tuple[FeatureInfo, ...] = _infos()
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)


def feature_vector(m: EcgMeasurements) -> NDArray[np.float64]:
    """The features of one ECG, in :data:`FEATURE_NAMES` order; NaN where not measurable."""
    flat = m.flat()
    values: list[float] = [np.nan if flat[n] is None else float(flat[n]) for n in _GLOBAL]  # type: ignore[arg-type]
    values.append(float(m.pr_ms is None))
    values.append(float(m.qt_ms is None))
    for n in _ANGLES:
        angle = flat[n]
        if angle is None:
            values += [np.nan, np.nan]
        else:
            values += [math.cos(math.radians(angle)), math.sin(math.radians(angle))]
    for n in _PER_LEAD:
        values += [float(flat[f"{n}_{lead}"]) for lead in STANDARD_LEADS]  # type: ignore[arg-type]
    return np.asarray(values, dtype=np.float64)


#: The record with standard lead names, twelve leads in order (kept here for existing callers).
canonical = standard_leads


def record_features(
    record: EcgRecord, conditioned: EcgRecord | None = None
) -> tuple[NDArray[np.float64], EcgMeasurements | None]:
    """Features of a record; when it cannot be measured, all NaN (the model then imputes medians).

    ``conditioned`` is ``medtandem.ecg.preprocess.condition(record)`` when the caller has it."""
    record = canonical(record)
    try:
        m = measure(record, conditioned)
    except MeasurementError:
        return np.full(len(FEATURE_NAMES), np.nan), None
    return feature_vector(m), m
