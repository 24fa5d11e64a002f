"""Reliance measures per reader, per stratum (e.g. experience) and overall, from one table of paired reads.

The table has one row per reader and item (a case, or a (case, finding) pair) with columns
``reader, case, truth, unaided, aided, ai`` (booleans) and optionally ``unaided_confidence``,
``aided_confidence`` (0-100), ``ai_probability`` (0-1), a stratum column (``stratum`` by default)
and ``cluster`` (the case an item belongs to when items are (case, finding) pairs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from medtandem.reliance.clustered import ClusteredMeasures, clustered_measures
from medtandem.reliance.estimates import Estimate, format_table, mean_estimate
from medtandem.reliance.measures import RelianceMeasures, reliance_measures

REQUIRED_COLUMNS = ("reader", "case", "truth", "unaided", "aided", "ai")
SCORE_COLUMNS = ("unaided_confidence", "aided_confidence", "ai_probability")

#: Experience bands for stratified analysis (years of clinical practice).
EXPERIENCE_BANDS = ("0-1", "2-9", "10+")


def _stratum_order(name: str) -> tuple[int, str]:
    """Experience bands in their natural order, then any other stratum (e.g. ``unknown``) by name."""
    return (
        EXPERIENCE_BANDS.index(name) if name in EXPERIENCE_BANDS else len(EXPERIENCE_BANDS),
        name,
    )


def experience_band(years: int | None) -> str:
    """``0-1``, ``2-9`` or ``10+`` years of experience; ``unknown`` when not given."""
    if years is None or (isinstance(years, float) and pd.isna(years)):
        return "unknown"
    years = int(years)
    return "0-1" if years < 2 else "2-9" if years < 10 else "10+"


def _measures(df: pd.DataFrame, confidence_level: float) -> RelianceMeasures:
    scores = {
        c: (df[c].tolist() if c in df and not df[c].isna().any() else None) for c in SCORE_COLUMNS
    }
    return reliance_measures(
        df["truth"].tolist(),
        df["unaided"].tolist(),
        df["aided"].tolist(),
        df["ai"].tolist(),
        confidence_level=confidence_level,
        **scores,
    )


@dataclass(frozen=True)
class RelianceReport:
    """Reliance measures overall (items pooled), per reader, and per stratum."""

    overall: RelianceMeasures
    by_reader: Mapping[str, RelianceMeasures]
    by_stratum: Mapping[str, RelianceMeasures]
    stratum_of_reader: Mapping[str, str]
    mean_benefit: Estimate  # readers as the unit
    mean_over_reliance: Estimate
    mean_under_reliance: Estimate
    mean_rair: Estimate
    mean_rsr: Estimate
    clustered: ClusteredMeasures  # pooled reads, two-way (reader x case) cluster-robust intervals
    confidence_level: float = 0.95
    method: str = field(
        default=(
            "paired reads; per-reader measures, reader-level means with t intervals; pooled "
            "measures with two-way (reader x case) cluster-robust intervals"
        )
    )

    def to_dict(self) -> dict[str, object]:
        return {
            "overall": self.overall.to_dict(),
            "by_reader": {k: v.to_dict() for k, v in self.by_reader.items()},
            "by_stratum": {k: v.to_dict() for k, v in self.by_stratum.items()},
            "stratum_of_reader": dict(self.stratum_of_reader),
            "mean_benefit": self.mean_benefit.to_dict(),
            "mean_over_reliance": self.mean_over_reliance.to_dict(),
            "mean_under_reliance": self.mean_under_reliance.to_dict(),
            "mean_rair": self.mean_rair.to_dict(),
            "mean_rsr": self.mean_rsr.to_dict(),
            "clustered": self.clustered.to_dict(),
            "confidence_level": self.confidence_level,
            "method": self.method,
        }

    def summary(self) -> str:
        rows = []
        for reader, m in self.by_reader.items():
            rows.append(
                (
                    reader,
                    self.stratum_of_reader.get(reader, ""),
                    m.n,
                    m.unaided.accuracy.value,
                    m.aided.accuracy.value,
                    m.benefit.value,
                    m.over_reliance.value,
                    m.under_reliance.value,
                )
            )
        table = format_table(
            ["reader", "stratum", "n", "acc unaided", "acc aided", "benefit", "over", "under"], rows
        )
        return (
            f"Reliance, {len(self.by_reader)} readers\n{table}\n"
            f"mean benefit across readers: {self.mean_benefit}\n"
            f"mean over-reliance (switch to a wrong AI): {self.mean_over_reliance}; "
            f"mean under-reliance: {self.mean_under_reliance}\n"
            f"mean RAIR: {self.mean_rair}; mean RSR: {self.mean_rsr}\n" + self.clustered.summary()
        )


def analyze_reliance(
    frame: pd.DataFrame, *, stratum: str | None = "stratum", confidence_level: float = 0.95
) -> RelianceReport:
    """Per-reader, per-stratum and pooled reliance measures (see :func:`reliance_measures`)."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks columns {missing}; expected {list(REQUIRED_COLUMNS)}")
    if frame.empty:
        raise ValueError("frame holds no paired reads")
    dup = frame.duplicated(["reader", "case"])
    if dup.any():
        first = frame.loc[dup, ["reader", "case"]].iloc[0].tolist()
        raise ValueError(f"one row per reader and item is expected; {first} appears twice")
    df = frame.copy()
    df["reader"] = df["reader"].astype(str)
    has_stratum = stratum is not None and stratum in df.columns
    by_reader = {str(r): _measures(g, confidence_level) for r, g in df.groupby("reader", sort=True)}
    strata: dict[str, str] = {}
    by_stratum: dict[str, RelianceMeasures] = {}
    if has_stratum:
        df[stratum] = df[stratum].astype(str)
        strata = {str(r): str(g[stratum].iloc[0]) for r, g in df.groupby("reader", sort=True)}
        groups = {str(s): g for s, g in df.groupby(stratum, sort=True)}
        # Experience bands in their natural order (0-1, 2-9, 10+), not as strings sort them.
        by_stratum = {
            s: _measures(groups[s], confidence_level) for s in sorted(groups, key=_stratum_order)
        }
    readers = list(by_reader.values())

    def reader_mean(name: str) -> Estimate:
        values = [getattr(m, name).value for m in readers]
        return mean_estimate(
            [v for v in values if v is not None],
            confidence_level,
            f"mean of per-reader {name.replace('_', ' ')}, t interval (readers as the unit)",
            bounds=(0.0, 1.0),
        )

    return RelianceReport(
        overall=_measures(df, confidence_level),
        by_reader=by_reader,
        by_stratum=by_stratum,
        stratum_of_reader=strata,
        mean_benefit=mean_estimate(
            [m.benefit.value for m in readers if m.benefit.value is not None],
            confidence_level,
            "mean of per-reader benefit, t interval",
            bounds=(-1.0, 1.0),
        ),
        mean_over_reliance=reader_mean("over_reliance"),
        mean_under_reliance=reader_mean("under_reliance"),
        mean_rair=reader_mean("rair"),
        mean_rsr=reader_mean("rsr"),
        clustered=clustered_measures(df, confidence_level=confidence_level),
        confidence_level=confidence_level,
    )
