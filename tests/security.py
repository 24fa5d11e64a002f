"""Assertions shared by the security tests (importable as ``from tests.security import ...``)."""

from __future__ import annotations

import io

from hypothesis import assume

from medtandem.csvsafe import unsafe_cells


def assert_csv_safe(text: str | bytes) -> None:
    """No cell of this CSV would run as a formula in a spreadsheet (OWASP CSV injection)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    bad = unsafe_cells(text)
    assert not bad, f"cells a spreadsheet would run as formulas (line, column, cell): {bad}"


def as_uploaded(text: str) -> str:
    """``text`` as a service receives it from an upload (``medtandem.web.uploads.read_upload``: UTF-8,
    universal newlines, no NUL bytes). In a Hypothesis test, a text the upload would refuse is
    discarded (``assume``): the service never sees it."""
    from medtandem.web.uploads import UploadError, read_upload

    try:
        return read_upload(io.BytesIO(text.encode("utf-8", "surrogatepass")), max_bytes=10**7)
    except UploadError:
        assume(False)
        raise
