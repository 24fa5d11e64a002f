"""Reading and validating MRMC reads: one row per (reader, case, modality).

Input is a table with columns ``reader, case, modality, truth, rating`` (truth 1 diseased,
0 not diseased). Labels of readers, cases and modalities are kept exactly as found (as
strings) and ordered by first appearance. Validation happens here, once; the analysis code
trusts a :class:`Reads` object.

pandas is imported only to read a CSV into a DataFrame (:func:`read_csv`) or when a DataFrame
is given: a CSV path is read with the :mod:`csv` module and validated with numpy, so that the
command line does not pay pandas' import (about half a second).
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import MrmcInputError

if TYPE_CHECKING:
    import pandas as pd

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
    """Read a reads CSV into a DataFrame, keeping reader, case and modality labels as strings."""
    import pandas as pd

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


def _csv_columns(path: str | PathLike[str]) -> tuple[dict[str, np.ndarray], list[str]]:
    """The columns of a reads CSV as arrays of strings (rows numbered from 0, as pandas does)."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            text = fh.read()
        if '"' in text:
            rows = list(csv.reader(text.splitlines()))
        else:  # no quoting: plain splitting, twice as fast as the csv module
            rows = [line.split(",") for line in text.splitlines()]
        while rows and rows[-1] in ([], [""]):
            rows.pop()
    except FileNotFoundError as exc:
        raise MrmcInputError(f"reads file not found: {path}") from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise MrmcInputError(f"cannot read {path} as CSV: {exc}") from exc
    if not rows:
        raise MrmcInputError(f"cannot read {path} as CSV: the file is empty")
    header = [h.strip() for h in rows[0]]
    body = rows[1:]
    width = len(header)
    if any(len(row) != width for row in body):
        bad = [i for i, row in enumerate(body) if len(row) != width]
        raise MrmcInputError(
            f"cannot read {path} as CSV: row(s) {_examples(bad)} do not have {width} fields"
        )
    columns = list(zip(*body, strict=True)) if body else [() for _ in header]
    cols = {
        name: np.array(columns[k], dtype=str)
        for k, name in enumerate(header)
        if name in REQUIRED_COLUMNS
    }
    return cols, header


def _frame_columns(df: pd.DataFrame) -> tuple[dict[str, np.ndarray], list[str], np.ndarray]:
    """Columns of a DataFrame as arrays; labels as strings ("" where missing); its row index."""
    cols: dict[str, np.ndarray] = {}
    for name in REQUIRED_COLUMNS:
        if name not in df.columns:
            continue
        s = df[name]
        if name in ("reader", "case", "modality"):
            cols[name] = np.where(s.isna().to_numpy(), "", s.astype(str).to_numpy(dtype=str))
        else:
            cols[name] = s.to_numpy(dtype=object)
    return cols, [str(c) for c in df.columns], df.index.to_numpy()


def _to_float(values: np.ndarray) -> np.ndarray:
    """Numbers (or numeric strings) to float; anything else to NaN."""
    try:
        return np.fromiter(map(float, values.tolist()), dtype=float, count=len(values))
    except (TypeError, ValueError):
        out = np.empty(len(values))
        for i, v in enumerate(values):
            try:
                out[i] = float(v)
            except (TypeError, ValueError):
                out[i] = np.nan
        return out


def _factorize(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and unique labels in order of first appearance."""
    uniq, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    return rank[inverse.ravel()], uniq[order]


def _unique_in_order(values: np.ndarray) -> list[Any]:
    seen: dict[str, Any] = {}
    for v in values:
        seen.setdefault(str(v), v)
    return list(seen)


def prepare_reads(reads: pd.DataFrame | str | PathLike[str]) -> Reads:
    """Validate a reads table (or CSV path) and arrange it as a :class:`Reads` array.

    Raises:
        MrmcInputError: with a message naming the problem (missing columns, truth not 0/1,
            inconsistent truth of a case, a modality or reader-modality without both truth
            classes, duplicate reads, non-numeric or missing ratings, fewer than two
            modalities or readers).
    """
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(reads, pandas.DataFrame):
        cols, found, index = _frame_columns(reads)
    elif isinstance(reads, str | PathLike):
        cols, found = _csv_columns(reads)
        index = np.arange(len(next(iter(cols.values()))) if cols else 0)
    else:
        raise MrmcInputError(
            f"reads must be a pandas DataFrame or the path of a CSV file; got "
            f"{type(reads).__name__}"
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in cols]
    if missing:
        raise MrmcInputError(
            f"missing column(s): {', '.join(missing)}; expected columns "
            f"{', '.join(REQUIRED_COLUMNS)} (found: {', '.join(found)})"
        )
    if len(index) == 0:
        raise MrmcInputError("the reads table is empty")

    for col in ("reader", "case", "modality"):
        bad = np.char.strip(cols[col]) == ""
        if bad.any():
            raise MrmcInputError(f"column '{col}' is empty in row(s) {_examples(index[bad])}")

    truth_num = _to_float(cols["truth"])
    bad_truth = ~np.isin(truth_num, [0, 1])
    if bad_truth.any():
        vals = cols["truth"][bad_truth]
        raise MrmcInputError(
            "truth must be 0 (not diseased) or 1 (diseased); found "
            f"{_examples(_unique_in_order(vals))} in row(s) {_examples(index[bad_truth])}"
        )
    rating = _to_float(cols["rating"])
    bad_rating = ~np.isfinite(rating)
    if bad_rating.any():
        vals = cols["rating"][bad_rating]
        raise MrmcInputError(
            "rating must be a finite number; found "
            f"{_examples(_unique_in_order(vals))} in row(s) {_examples(index[bad_rating])}"
        )

    case_codes, cases = _factorize(cols["case"])
    reader_codes, readers = _factorize(cols["reader"])
    mod_codes, modalities = _factorize(cols["modality"])
    t, r, n = len(modalities), len(readers), len(cases)
    truth_arr = truth_num.astype(np.int8)
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
    flat_ratings[flat] = rating
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
