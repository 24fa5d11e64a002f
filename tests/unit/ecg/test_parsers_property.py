"""Property tests of the parsers of outside files (WFDB headers and signals, the PTB-XL CSVs): whatever
the bytes, the outcome is a record or :class:`EcgReadError`, never another exception."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medtandem.ecg.ptbxl import DATABASE_COLUMNS, STATEMENT_COLUMNS, read_database, read_statements
from medtandem.ecg.record import EcgReadError
from medtandem.ecg.wfdb import parse_header, read_record

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_token = st.one_of(
    st.sampled_from(
        [
            "r",
            "12",
            "1",
            "0",
            "-1",
            "500",
            "500/1",
            "nan",
            "inf",
            "1e309",
            "5000",
            "r.dat",
            "16",
            "212",
            "80",
            "24",
            "32",
            "61",
            "8",
            "200(0)/mV",
            "1000.0(0)/uV",
            "0(0)/mV",
            "x(y)/z",
            "16x2",
            "16:3",
            "16+24",
            "0",
            "-32768",
            "I",
            "II",
            "V1",
            "#",
            "# Age: 63",
            "../x.dat",
            "/etc/passwd",
            "~",
        ]
    ),
    st.text(alphabet=st.characters(codec="latin-1"), max_size=8),
)
_line = st.lists(_token, min_size=0, max_size=9).map(" ".join)
_header = st.lists(_line, min_size=0, max_size=14).map("\n".join)


@SETTINGS
@given(text=_header)
def test_parse_header_returns_a_header_or_ecg_read_error(text: str) -> None:
    try:
        header = parse_header(text, "h.hea")
    except EcgReadError:
        return
    assert header.n_signals == len(header.signals) >= 1 and header.fs > 0


@SETTINGS
@given(
    fmt=st.sampled_from([16, 212, 80, 24, 32]),
    n_signals=st.integers(1, 3),
    n_samples=st.integers(0, 40),
    raw=st.binary(max_size=300),
    checksum=st.booleans(),
    declared=st.booleans(),
)
def test_read_record_returns_a_record_or_ecg_read_error(
    fmt: int, n_signals: int, n_samples: int, raw: bytes, checksum: bool, declared: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "r"
        (base.with_suffix(".dat")).write_bytes(raw)
        lines = [f"r {n_signals} 500" + (f" {n_samples}" if declared else "")]
        for i in range(n_signals):
            lines.append(
                f"r.dat {fmt} 200(0)/mV 16 0 0 {12345 if checksum else ''} 0 sig{i}".rstrip()
            )
        (base.with_suffix(".hea")).write_text("\n".join(lines) + "\n")
        try:
            record = read_record(base)
        except EcgReadError:
            return
        assert record.signal.shape[1] == n_signals
        assert np.all(np.isfinite(record.signal))


_cell = st.one_of(
    st.sampled_from(
        [
            "",
            "1",
            "1.0",
            "nan",
            "inf",
            "-1",
            "x",
            "{'NORM': 100.0}",
            "{'MI': 'x'}",
            "[1]",
            "{",
            "{'A': 1j}",
            "((((((((((",
            "0",
            "records500/00000/00001_hr",
            "../etc/x",
            "/abs",
            "NORM",
            "MI",
            "é",
        ]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=10),
)


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@SETTINGS
@given(
    rows=st.lists(st.lists(_cell, min_size=0, max_size=len(DATABASE_COLUMNS) + 1), max_size=4),
    drop=st.sampled_from([None, *DATABASE_COLUMNS]),
    statement_rows=st.lists(
        st.lists(_cell, min_size=0, max_size=len(STATEMENT_COLUMNS) + 1), max_size=3
    ),
    raw_prefix=st.sampled_from([b"", b"\xff\xfe", b"\x00", b"\xef\xbb\xbf"]),
)
def test_read_database_returns_entries_or_ecg_read_error(
    rows: list[list[str]], drop: str | None, statement_rows: list[list[str]], raw_prefix: bytes
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        columns = [c for c in DATABASE_COLUMNS if c != drop]
        (root / "ptbxl_database.csv").write_bytes(raw_prefix + _csv(columns, rows).encode())
        (root / "scp_statements.csv").write_text(_csv(["code", *STATEMENT_COLUMNS], statement_rows))
        try:
            database = read_database(root)
        except EcgReadError:
            return
        assert len(database.entries) <= len(rows)


@SETTINGS
@given(
    rows=st.lists(st.lists(_cell, min_size=0, max_size=len(STATEMENT_COLUMNS) + 2), max_size=4),
    raw=st.sampled_from([b"", b"\xff\xfe\xfa", b"code,description\n\x00"]),
)
def test_read_statements_returns_statements_or_ecg_read_error(
    rows: list[list[str]], raw: bytes
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scp_statements.csv"
        path.write_bytes(raw + _csv(["code", *STATEMENT_COLUMNS], rows).encode())
        try:
            statements = read_statements(path)
        except EcgReadError:
            return
        assert all(isinstance(code, str) for code in statements)
