"""Study designs and the analyses each supports.

* **fully crossed** (factorial): every reader reads every case in every modality. Supports OR
  with jackknife, DeLong or bootstrap covariance, and DBM.
* **cases nested within modality**: each case is read under one modality only (different case
  sets per modality), every reader reading all of them.
* **cases nested within readers**: each case is read by one reader only (a split-plot whose
  groups have one reader each).
* **split-plot**: readers form groups; each group reads its own case set (in every modality).
* **partially paired**: any other incomplete pattern (not every reader reads every case).

Each design also carries MRMCaov's name for it (``get_design()`` in its ``R/utils.R``):
fully crossed is its "factorial"; split-plot with several readers per group and partially
paired are its "factorial (partially paired)"; the nested designs keep their names.

The incomplete designs are analysed by OR with jackknife covariance: each reader-modality FOM
uses the cases it was read on, and the covariance between two FOMs comes from the cases they
share (none: zero). This is the approach of Obuchowski (1995, Acad Radiol 2:S22) for unpaired
and split-plot data and of Hillis (2014, Stat Med 33:330). DBM needs a complete pseudovalue
array, DeLong's estimator is undefined without a common case set (MRMCaov refuses it too) and
the bootstrap here resamples a common case set, so they are refused with a message naming the supported analyses. Every reader must read every modality.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .data import Reads

__all__ = ["Design", "classify_design"]

ALL_ANALYSES = ("or/jackknife", "or/delong", "or/bootstrap", "dbm/jackknife")
INCOMPLETE_ANALYSES = ("or/jackknife",)


@dataclass(frozen=True)
class Design:
    """The design found in the reads and the analyses (``method/cov``) it supports."""

    kind: str
    description: str
    n_reader_groups: int
    supported: tuple[str, ...]
    mrmcaov_design: str = "factorial"

    @property
    def is_incomplete(self) -> bool:
        return self.kind != "fully_crossed"

    def supports(self, method: str, cov: str) -> bool:
        return f"{method}/{cov}" in self.supported

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["supported"] = list(self.supported)
        return d


def classify_design(reads: Reads) -> Design:
    """Classify the design of validated reads (see module docstring)."""
    mask: np.ndarray = reads.read_mask  # (t, r, c)
    t, r, _ = mask.shape
    if mask.all():
        return Design(
            "fully_crossed",
            "fully crossed: every reader read every case in every modality",
            1,
            ALL_ANALYSES,
        )
    by_modality: np.ndarray = np.asarray(mask.any(axis=1))  # (t, c)
    full_within = all((mask[i] == by_modality[i][None, :]).all() for i in range(t))
    if full_within and (by_modality.sum(axis=0) <= 1).all():
        return Design(
            "cases_nested_in_modality",
            "cases nested within modality: different case "
            "sets per modality, every reader reading all cases of each modality",
            1,
            INCOMPLETE_ANALYSES,
            "cases nested within modality",
        )
    if (np.asarray(mask.any(axis=0)).sum(axis=0) <= 1).all():
        return Design(
            "cases_nested_in_reader",
            f"cases nested within readers: each case read by "
            f"one reader only ({r} reader groups of one)",
            r,
            INCOMPLETE_ANALYSES,
            "cases nested within reader",
        )
    by_reader: np.ndarray = np.asarray(mask.any(axis=0))  # (r, c)
    same_over_modality = (mask == by_reader[None, :, :]).all()
    if same_over_modality:
        patterns: dict[bytes, list[int]] = {}
        for j in range(r):
            patterns.setdefault(by_reader[j].tobytes(), []).append(j)
        groups = [by_reader[g[0]] for g in patterns.values()]
        disjoint = np.sum(groups, axis=0).max() <= 1
        if disjoint and len(groups) > 1:
            return Design(
                "split_plot",
                f"split-plot: {len(groups)} reader groups, each reading "
                "its own case set in every modality",
                len(groups),
                INCOMPLETE_ANALYSES,
                "factorial (partially paired)",
            )
    return Design(
        "partially_paired",
        "partially paired: not every reader read every case in every modality",
        1,
        INCOMPLETE_ANALYSES,
        "factorial (partially paired)",
    )
