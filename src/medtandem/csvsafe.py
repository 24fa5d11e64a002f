"""CSV written for spreadsheets: no cell can start a formula (CSV / formula injection).

Pure Python (no Django): every CSV MedTandem hands out goes through :func:`write_csv` (or
:func:`frame_to_csv` for a pandas frame), so a learner name such as ``=HYPERLINK("http://x","clic")``
imported through an enrolment CSV comes out as text, not as a formula, when an instructor opens the
export in Excel, LibreOffice or Google Sheets.

Rule (OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection): a *text*
cell whose first character is ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed
with a single quote ``'`` (spreadsheets show it as text and hide the quote in most cases); the
whole cell is then quoted by the :mod:`csv` writer as usual.

Decision for numbers: a real number (``int``, ``float``, ``Decimal``, numpy numbers; not ``bool``)
is written as a number, unquoted and unprefixed, so ``-0.5`` stays ``-0.5`` and the export keeps
its numeric columns. Only *strings* are neutralised, including strings that happen to look like
numbers (``"-0.5"`` given as text becomes ``'-0.5``): the type, not the look, decides, because a
string cell is where foreign input arrives. ``None`` and NaN are written as empty cells; an infinite
float is text (``inf``, ``'-inf``).
"""

from __future__ import annotations

import csv
import io
import math
import numbers
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

#: Characters that make a spreadsheet treat a cell as a formula (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_number(value: object) -> bool:
    """A real numeric value (never a string, never a bool)."""
    return isinstance(value, numbers.Number | Decimal) and not isinstance(value, bool)


def neutralise(value: object) -> object:
    """One cell made safe: numbers unchanged, text starting with a trigger prefixed with ``'``."""
    if value is None:
        return ""
    if is_number(value):
        if isinstance(value, float | Decimal) and math.isnan(value):
            return ""
        if isinstance(value, float | Decimal) and math.isinf(value):
            return neutralise(
                str(value)
            )  # no spreadsheet number: "-inf" would be read as a formula
        return value
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def write_csv(rows: Iterable[Sequence[Any]], header: Sequence[str] | None = None) -> str:
    """The rows (and header) as CSV text, every cell neutralised; ``\\n`` line endings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header is not None:
        writer.writerow([_one_line_break(neutralise(h)) for h in header])
    for row in rows:
        writer.writerow([_one_line_break(neutralise(cell)) for cell in row])
    return buffer.getvalue()


def _one_line_break(cell: object) -> object:
    """A line break inside a text cell written as ``\\n``. The writer quotes a cell only for the
    characters of its line terminator (``\\n`` here): a carriage return was written unquoted and
    split the row (found by the property test)."""
    if isinstance(cell, str) and "\r" in cell:
        return cell.replace("\r\n", "\n").replace("\r", "\n")
    return cell


class SafeWriter:
    """A :func:`csv.writer` whose every cell goes through :func:`neutralise` (same ``writerow`` /
    ``writerows`` API), for code that streams rows into a file or an ``HttpResponse``."""

    def __init__(self, file: Any, **options: Any) -> None:
        self._writer = csv.writer(file, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_writer(file: Any, **options: Any) -> SafeWriter:
    """Drop-in for ``csv.writer(file)``: ``writer = safe_writer(response)``."""
    return SafeWriter(file, **options)


def frame_to_csv(frame: Any) -> str:
    """A pandas DataFrame as CSV (no index), through :func:`write_csv`: numeric columns stay numbers."""
    records = frame.itertuples(index=False, name=None)
    return write_csv(([_plain(v) for v in row] for row in records), [str(c) for c in frame.columns])


def _plain(value: object) -> object:
    """numpy scalars to Python ones (``numpy.bool_`` is not a number for us, nor for spreadsheets)."""
    item = getattr(value, "item", None)
    if item is not None and type(value).__module__ == "numpy":
        value = item()
    if isinstance(value, bool):
        return str(value)
    return value


def unsafe_cells(text: str) -> list[tuple[int, int, str]]:
    """Cells of a CSV text that a spreadsheet would run as a formula: ``(line, column, cell)``.

    A cell that parses as a number (``-0.5``, ``+3``) is not reported: spreadsheets read it as
    that number. Used by the tests of every export (``assert_csv_safe``).
    """
    found = []
    for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        for column, cell in enumerate(row):
            if cell.startswith(FORMULA_TRIGGERS) and not _numeric_text(cell):
                found.append((line, column, cell))
    return found


def _numeric_text(cell: str) -> bool:
    try:
        number = float(cell)
    except ValueError:
        return False
    return math.isfinite(number) and cell.strip() == cell
