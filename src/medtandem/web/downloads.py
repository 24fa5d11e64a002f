"""HTTP responses for files MedTandem hands out: CSV always through :mod:`medtandem.csvsafe`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse

from medtandem.csvsafe import write_csv


def csv_response(
    filename: str, rows: Iterable[Sequence[Any]], header: Sequence[str] | None = None
) -> HttpResponse:
    """An attachment ``filename`` holding ``rows`` as CSV, every text cell neutralised against formulas."""
    return csv_text_response(filename, write_csv(rows, header))


def csv_text_response(filename: str, text: str) -> HttpResponse:
    """An attachment holding CSV text already written by :func:`medtandem.csvsafe.write_csv`."""
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    safe_name = "".join(ch for ch in filename if ch.isalnum() or ch in "-_.") or "export.csv"
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
