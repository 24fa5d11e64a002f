"""Agreement of :mod:`medtandem.ecg.measure` with the measurements PTB-XL itself provides.

PTB-XL's ``ptbxl_database.csv`` holds no numeric intervals (no heart rate, PR, QRS or QT: those are
in the separate PTB-XL+ feature tables, which the 500-record folder does not include). It does hold
two things a measurement program can be checked against:

* the rhythm statements among ``scp_codes`` (``SR``, ``STACH``, ``SBRAD``, ``SARRH``, ``AFIB``, ``AFLT``):
  compared with :func:`medtandem.ecg.measure.rhythm_of`;
* ``heart_axis`` (``MID`` normal, ``ALAD`` abnormal left, ``RAD``/``ARAD`` right; ``LAD``, ``AXL``, ``AXR``,
  ``SAXIS`` without a stated range):
  compared with the frontal QRS axis, as the distribution of our axis in each PTB-XL class and the
  share of records whose axis falls in the conventional range of that class (normal -30..+90 degrees,
  left below -30, right above +90; Kligfield et al., Circulation 115:1306, 2007).
* the interval statements whose definition is a measured threshold (first-degree AV block: PR > 200
  ms; complete left or right bundle-branch block: QRS >= 120 ms; long QT: QTc > 450 ms; the
  AHA/ACCF/HRS recommendations, Surawicz et al., Circulation 119:e235, 2009, and Rautaharju et al.,
  Circulation 119:e241, 2009): our measurement in the records that carry the statement, the share
  that meets the threshold, and the share of the other records that meets it too. PTB-XL gives the
  statement, not the number, so this is the only interval agreement its database allows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from medtandem.ecg.measure import MeasurementError, measure, rhythm_of
from medtandem.ecg.ptbxl import PtbxlEntry, iter_signals, read_database

_PTBXL_RHYTHMS = ("AFIB", "AFLT", "STACH", "SBRAD", "SARRH", "SR")
#: PTB-XL axis classes with a conventional range; LAD, AXL, AXR and SAXIS have none stated in PTB-XL's
#: documentation, so only their distribution is reported.
_AXIS_CLASS = {"MID": "normal", "ALAD": "left", "RAD": "right", "ARAD": "right"}


def _ptbxl_rhythm(entry: PtbxlEntry) -> str:
    for code in _PTBXL_RHYTHMS:
        if code in entry.scp_codes:
            return "AFIB/AFLT" if code in ("AFIB", "AFLT") else code
    return "other"


#: PTB-XL statement -> (our measurement, comparison, threshold in ms): the statement's definition.
INTERVAL_CRITERIA: dict[str, tuple[str, str, float]] = {
    "1AVB": ("pr_ms", ">", 200.0),
    "CLBBB": ("qrs_ms", ">=", 120.0),
    "CRBBB": ("qrs_ms", ">=", 120.0),
    "LNGQT": ("qtc_bazett_ms", ">", 450.0),
}


def _meets(value: float | None, op: str, threshold: float) -> bool:
    return value is not None and (value > threshold if op == ">" else value >= threshold)


def _axis_class(deg: float) -> str:
    return "left" if deg < -30 else ("right" if deg > 90 else "normal")


@dataclass(frozen=True)
class Agreement:
    n_records: int
    n_measured: int
    rhythm_confusion: dict[str, dict[str, int]]
    af_sensitivity: float | None
    af_specificity: float | None
    sinus_rate_agreement: dict[str, float | None]
    axis_by_ptbxl_class: dict[str, dict[str, float | int | None]]
    intervals: str
    interval_statements: dict[str, dict[str, Any]]
    method: str = (
        "rhythm_of vs PTB-XL rhythm statements; frontal QRS axis vs PTB-XL heart_axis; "
        "records at 500 Hz"
    )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def measurement_agreement(root: str | Path, limit: int | None = None) -> Agreement:
    """Measure every record of a PTB-XL folder (500 Hz) and compare with PTB-XL's own statements."""
    db = read_database(root, limit=limit)
    confusion: dict[str, Counter[str]] = {}
    axes: dict[str, list[float]] = {}
    pairs: list[tuple[str, str]] = []
    # per statement: (our value, has the statement) for every measured record
    interval_rows: dict[str, list[tuple[float | None, bool]]] = {k: [] for k in INTERVAL_CRITERIA}
    n = measured = 0
    for entry, record in iter_signals(db, 500):
        n += 1
        try:
            m = measure(record)
        except MeasurementError:
            continue
        measured += 1
        ours, theirs = rhythm_of(m), _ptbxl_rhythm(entry)
        confusion.setdefault(theirs, Counter())[ours] += 1
        pairs.append((theirs, ours))
        axis = (entry.extra.get("heart_axis") or "").strip()
        if axis:
            axes.setdefault(axis, []).append(m.qrs_axis_deg)
        flat = m.flat()
        for code, (name, _, _) in INTERVAL_CRITERIA.items():
            value = flat[name]
            interval_rows[code].append(
                (None if value is None else float(value), code in entry.scp_codes)
            )
    af = [o == "probable_af" for t, o in pairs if t == "AFIB/AFLT"]
    not_af = [o != "probable_af" for t, o in pairs if t != "AFIB/AFLT"]

    def share(code: str, ours: str) -> float | None:
        hits = [o == ours for t, o in pairs if t == code]
        return float(np.mean(hits)) if hits else None

    axis_table: dict[str, dict[str, float | int | None]] = {}
    for code, values in sorted(axes.items()):
        v = np.asarray(values)
        expected = _AXIS_CLASS.get(code)
        axis_table[code] = {
            "n": len(v),
            "median_deg": float(np.median(v)),
            "q1_deg": float(np.percentile(v, 25)),
            "q3_deg": float(np.percentile(v, 75)),
            "share_in_expected_range": (
                float(np.mean([_axis_class(a) == expected for a in v])) if expected else None
            ),
        }
    intervals_table: dict[str, dict[str, Any]] = {}
    for code, (name, op, threshold) in INTERVAL_CRITERIA.items():
        rows = interval_rows[code]
        with_it = [v for v, has in rows if has]
        measured_with = np.asarray([v for v in with_it if v is not None])
        others = [v for v, has in rows if not has]
        intervals_table[code] = {
            "measurement": name,
            "criterion": f"{name} {op} {threshold:g}",
            "n": len(with_it),
            "n_measured": len(measured_with),
            "median": float(np.median(measured_with)) if len(measured_with) else None,
            "q1": float(np.percentile(measured_with, 25)) if len(measured_with) else None,
            "q3": float(np.percentile(measured_with, 75)) if len(measured_with) else None,
            "share_meeting": float(np.mean([_meets(v, op, threshold) for v in with_it]))
            if with_it
            else None,
            "share_of_others_meeting": float(np.mean([_meets(v, op, threshold) for v in others]))
            if others
            else None,
            "n_others": len(others),
        }
    return Agreement(
        n_records=n,
        n_measured=measured,
        rhythm_confusion={k: dict(c) for k, c in sorted(confusion.items())},
        af_sensitivity=float(np.mean(af)) if af else None,
        af_specificity=float(np.mean(not_af)) if not_af else None,
        sinus_rate_agreement={
            "SR -> sinus": share("SR", "sinus"),
            "STACH -> sinus_tachycardia": share("STACH", "sinus_tachycardia"),
            "SBRAD -> sinus_bradycardia": share("SBRAD", "sinus_bradycardia"),
        },
        axis_by_ptbxl_class=axis_table,
        intervals="PTB-XL's database holds no numeric heart rate, PR, QRS or QT (they are in PTB-XL+, "
        "not in this folder); its interval statements (1AVB, CLBBB, CRBBB, LNGQT) are compared with "
        "the thresholds that define them",
        interval_statements=intervals_table,
    )
