"""Assertions shared by the security tests (importable as ``from tests.security import ...``)."""

from __future__ import annotations

from medtandem.csvsafe import unsafe_cells


def assert_csv_safe(text: str | bytes) -> None:
    """No cell of this CSV would run as a formula in a spreadsheet (OWASP CSV injection)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    bad = unsafe_cells(text)
    assert not bad, f"cells a spreadsheet would run as formulas (line, column, cell): {bad}"
