"""Reliance by arm (condition order) in a crossed or split-plot study. Pure, no Django.

In a crossed study a reader who read a case aided first reads it unaided *second*: that unaided read
is no longer the reader's own opinion before the AI, so a "switch" between the two reads measures
memory of the AI's suggestion, not reliance on it. The switch-based measures (over-reliance = 1 - RSR,
under-reliance = 1 - RAIR, RAIR, RSR; Schemmer et al. 2023) are therefore computed only in the arm
whose unaided read came first; in the other arm they are *not applicable* (None), while accuracy
unaided and aided and their paired difference (Newcombe method 10) keep their meaning and are given.

An *arm* is the order of the two reads of a (reader, item) pair: ``unaided_first`` or
``aided_first`` (by period, then by commit time, as the study's export gives them). Within an arm the
pooled proportions carry Wilson intervals (items treated as independent) and the reader-level means a
t interval (readers as the unit), as in :mod:`medtandem.reliance.analysis`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import pandas as pd

from medtandem.reliance.estimates import Estimate, format_table, mean_estimate
from medtandem.reliance.measures import reliance_measures
from medtandem.reliance.metrics import Proportion

#: The two arms, in the order they are reported.
UNAIDED_FIRST = "unaided_first"
AIDED_FIRST = "aided_first"
ARMS = (UNAIDED_FIRST, AIDED_FIRST)

#: The measures that need the unaided read first.
SWITCH_MEASURES = ("over_reliance", "under_reliance", "rair", "rsr")


@dataclass(frozen=True)
class ArmReliance:
    """Reliance measures of one arm; the switch measures are None where the unaided read came second."""

    arm: str
    n_readers: int
    n_items: int
    accuracy_unaided: Proportion
    accuracy_aided: Proportion
    benefit: Estimate  # aided - unaided, paired, Newcombe method 10
    mean_benefit: Estimate  # readers as the unit, t interval
    over_reliance: Proportion | None
    under_reliance: Proportion | None
    rair: Proportion | None
    rsr: Proportion | None
    method: str = (
        "pairs grouped by the order of their two reads; switch measures only where the unaided "
        "read came first; Wilson and Newcombe method 10 intervals, reader-level t interval"
    )

    @property
    def switch_applicable(self) -> bool:
        return self.arm == UNAIDED_FIRST

    def to_dict(self) -> dict[str, object]:
        return asdict(self) | {"switch_applicable": self.switch_applicable}


def _summary_row(arm: ArmReliance) -> tuple[object, ...]:
    def value(p: Proportion | None) -> object:
        return "n/a" if p is None else p.value

    return (
        arm.arm,
        arm.n_readers,
        arm.n_items,
        arm.accuracy_unaided.value,
        arm.accuracy_aided.value,
        arm.benefit.value,
        value(arm.over_reliance),
        value(arm.under_reliance),
    )


def summary(arms: Sequence[ArmReliance]) -> str:
    """A readable table of :func:`reliance_by_arm`'s result."""
    return "Reliance by arm\n" + format_table(
        ["arm", "readers", "items", "acc unaided", "acc aided", "benefit", "over", "under"],
        [_summary_row(a) for a in arms],
    )


def reliance_by_arm(
    frame: pd.DataFrame, *, confidence_level: float = 0.95
) -> tuple[ArmReliance, ...]:
    """Per-arm reliance from paired reads.

    Args:
        frame: one row per reader and item with ``reader, case, truth, unaided, aided, ai``
            (booleans) and ``unaided_first`` (True where the unaided read of the pair came first).

    Returns: one :class:`ArmReliance` per arm that has pairs, ``unaided_first`` first.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    needed = ("reader", "case", "truth", "unaided", "aided", "ai", "unaided_first")
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks columns {missing}; expected {list(needed)}")
    out = []
    for arm in ARMS:
        sub = frame[frame["unaided_first"].astype(bool) == (arm == UNAIDED_FIRST)]
        if sub.empty:
            continue
        m = reliance_measures(
            sub["truth"].tolist(),
            sub["unaided"].tolist(),
            sub["aided"].tolist(),
            sub["ai"].tolist(),
            confidence_level=confidence_level,
        )
        per_reader = [
            reliance_measures(
                g["truth"].tolist(), g["unaided"].tolist(), g["aided"].tolist(), g["ai"].tolist()
            ).benefit.value
            for _, g in sub.groupby("reader", sort=True)
        ]
        switch = arm == UNAIDED_FIRST
        out.append(
            ArmReliance(
                arm=arm,
                n_readers=int(sub["reader"].nunique()),
                n_items=int(len(sub)),
                accuracy_unaided=m.unaided.accuracy,
                accuracy_aided=m.aided.accuracy,
                benefit=m.benefit,
                mean_benefit=mean_estimate(
                    [v for v in per_reader if v is not None],
                    confidence_level,
                    "mean of per-reader benefit within the arm, t interval",
                    bounds=(-1.0, 1.0),
                ),
                over_reliance=m.over_reliance if switch else None,
                under_reliance=m.under_reliance if switch else None,
                rair=m.rair if switch else None,
                rsr=m.rsr if switch else None,
            )
        )
    return tuple(out)
