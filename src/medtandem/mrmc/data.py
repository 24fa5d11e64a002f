"""Reading and validating MRMC reads: one row per (reader, case, modality).

Input is a table with columns ``reader, case, modality, truth, rating`` (truth 1 diseased,
0 not diseased). Labels of readers, cases and modalities are kept exactly as found (as
strings) and ordered by first appearance. Validation happens here, once; the analysis code
trusts a :class:`Reads` object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from .errors import MrmcInputError

__all__ = ["REQUIRED_COLUMNS", "Reads", "prepare_reads", "read_csv"]

#: Columns every reads table must have.
REQUIRED_COLUMNS = ("reader", "case", "modality", "truth", "rating")


def _examples(values: Any, limit: int = 5) -> str:
    items = [str(v) for v in list(values)[:limit]]
    more = len(values) - limit if len(values) > limit else 0
    return ", ".join(items) + (f" (and {more} more)" if more else "")


@dataclass(frozen=True, eq=False)
class Reads:
    """Validated reads arranged as an array.

    Attributes:
        modalities: modality labels, in order of first appearance.
        readers: reader labels, in order of first appearance.
        cases: case labels, in order of first appearance.
        truth: per case, 1 diseased / 0 not diseased (shape ``(n_cases,)``).
        ratings: shape ``(n_modalities, n_readers, n_cases)``; NaN where a reader did not read
            a case under a modality (incomplete designs).
    """

    modalities: tuple[str, ...]
    readers: tuple[str, ...]
    cases: tuple[str, ...]
    truth: np.ndarray = field(repr=False)
    ratings: np.ndarray = field(repr=False)

    @property
    def n_reads(self) -> int:
        return int(np.count_nonzero(~np.isnan(self.ratings)))

    @property
    def read_mask(self) -> np.ndarray:
        """Boolean array, same shape as ``ratings``: True where a read exists."""
        return ~np.isnan(self.ratings)

    @property
    def is_fully_crossed(self) -> bool:
        return bool(self.read_mask.all())

    @property
    def n_diseased(self) -> int:
        return int(self.truth.sum())

    @property
    def n_nondiseased(self) -> int:
        return int(self.truth.size - self.truth.sum())


def read_csv(path: str | PathLike[str]) -> pd.DataFrame:
    """Read a reads CSV, keeping reader, case and modality labels as strings."""
    try:
        return pd.read_csv(
            path,
            dtype={"reader": str, "case": str, "modality": str},
            keep_default_na=False,
            na_values=[""],
        )
    except FileNotFoundError as exc:
        raise MrmcInputError(f"reads file not found: {path}") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise MrmcInputError(f"cannot read {path} as CSV: {exc}") from exc


def prepare_reads(reads: pd.DataFrame | str | PathLike[str]) -> Reads:
    """Validate a reads table (or CSV path) and arrange it as a :class:`Reads` array.

    Raises:
        MrmcInputError: with a message naming the problem (missing columns, truth not 0/1,
            inconsistent truth of a case, a modality or reader-modality without both truth
            classes, duplicate reads, non-numeric or missing ratings, fewer than two
            modalities or readers).
    """
    if not isinstance(reads, pd.DataFrame):
        reads = read_csv(reads)
    missing = [c for c in REQUIRED_COLUMNS if c not in reads.columns]
    if missing:
        raise MrmcInputError(
            f"missing column(s): {', '.join(missing)}; expected columns "
            f"{', '.join(REQUIRED_COLUMNS)} (found: {', '.join(map(str, reads.columns))})"
        )
    if len(reads) == 0:
        raise MrmcInputError("the reads table is empty")

    labels: dict[str, pd.Series] = {}
    for col in ("reader", "case", "modality"):
        s = reads[col]
        bad = s.isna() | (s.astype(str).str.strip() == "")
        if bad.any():
            raise MrmcInputError(f"column '{col}' is empty in row(s) {_examples(s.index[bad])}")
        labels[col] = s.astype(str)

    truth_num = pd.to_numeric(reads["truth"], errors="coerce")
    bad_truth = ~truth_num.isin([0, 1])
    if bad_truth.any():
        vals = reads["truth"][bad_truth]
        raise MrmcInputError(
            "truth must be 0 (not diseased) or 1 (diseased); found "
            f"{_examples(pd.unique(vals.astype(str)))} in row(s) {_examples(vals.index)}"
        )
    rating = pd.to_numeric(reads["rating"], errors="coerce")
    bad_rating = rating.isna() | ~np.isfinite(rating.to_numpy(dtype=float, na_value=np.nan))
    if bad_rating.any():
        vals = reads["rating"][bad_rating]
        raise MrmcInputError(
            "rating must be a finite number; found "
            f"{_examples(pd.unique(vals.astype(str)))} in row(s) {_examples(vals.index)}"
        )

    case_codes, cases = pd.factorize(labels["case"], sort=False)
    reader_codes, readers = pd.factorize(labels["reader"], sort=False)
    mod_codes, modalities = pd.factorize(labels["modality"], sort=False)
    t, r, n = len(modalities), len(readers), len(cases)
    truth_arr = truth_num.to_numpy(dtype=np.int8)

    # one truth per case
    tmin = np.full(n, 2, dtype=np.int8)
    tmax = np.full(n, -1, dtype=np.int8)
    np.minimum.at(tmin, case_codes, truth_arr)
    np.maximum.at(tmax, case_codes, truth_arr)
    inconsistent = np.flatnonzero(tmin != tmax)
    if inconsistent.size:
        raise MrmcInputError(
            "a case must have the same truth in every row; case(s) "
            f"{_examples([cases[i] for i in inconsistent])} have both truth 0 and 1"
        )
    case_truth = tmin.astype(np.int8)

    flat = (mod_codes.astype(np.int64) * r + reader_codes) * n + case_codes
    uniq, counts = np.unique(flat, return_counts=True)
    if uniq.size != flat.size:
        dup = uniq[counts > 1]
        desc = []
        for code in dup[:5]:
            m_, rest = divmod(int(code), r * n)
            j_, k_ = divmod(rest, n)
            desc.append(f"reader {readers[j_]!s}, case {cases[k_]!s}, modality {modalities[m_]!s}")
        raise MrmcInputError(
            f"duplicate reads ({dup.size} reader-case-modality combination(s) appear more than "
            f"once): {'; '.join(desc)}"
        )

    flat_ratings = np.full(t * r * n, np.nan)
    flat_ratings[flat] = rating.to_numpy(dtype=float)
    ratings: np.ndarray = flat_ratings.reshape(t, r, n)

    if t < 2:
        raise MrmcInputError(
            f"at least two modalities are needed to compare them; found only {modalities[0]!s}"
        )
    if r < 2:
        raise MrmcInputError(
            f"at least two readers are needed for a multi-reader analysis; found only {readers[0]!s}"
        )
    mask = ~np.isnan(ratings)
    for i in range(t):
        read_any = mask[i].any(axis=0)
        classes = set(np.unique(case_truth[read_any]).tolist())
        if classes != {0, 1}:
            only = "diseased (truth 1)" if classes == {1} else "non-diseased (truth 0)"
            raise MrmcInputError(
                f"modality {modalities[i]!s}: all its cases are {only}; ROC analysis needs "
                "both diseased and non-diseased cases"
            )
    pos = mask & (case_truth == 1)
    neg = mask & (case_truth == 0)
    lacking = np.argwhere((pos.sum(axis=2) == 0) | (neg.sum(axis=2) == 0))
    if lacking.size:
        desc = [f"reader {readers[j]!s} in modality {modalities[i]!s}" for i, j in lacking[:5]]
        raise MrmcInputError(
            "every reader must read at least one diseased and one non-diseased case in every "
            f"modality (readers nested within modalities are not supported); not so for: "
            f"{'; '.join(desc)}"
        )
    return Reads(
        modalities=tuple(str(x) for x in modalities),
        readers=tuple(str(x) for x in readers),
        cases=tuple(str(x) for x in cases),
        truth=case_truth,
        ratings=ratings,
    )
