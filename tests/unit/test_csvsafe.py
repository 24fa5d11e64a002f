"""CSV cells never start a spreadsheet formula; numbers stay numbers (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.security import assert_csv_safe

from medtandem.csvsafe import frame_to_csv, neutralise, safe_writer, unsafe_cells, write_csv


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil","x")',
        "=cmd|' /C calc'!A0",
        "+1",
        "-1+2",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "-0.5",
    ],
)
def test_text_starting_a_formula_is_prefixed(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("value", [-0.5, -3, Decimal("-1.25"), 0, np.float64(-2.5), np.int64(-7)])
def test_numbers_stay_numbers(value: object) -> None:
    assert neutralise(value) == value
    assert write_csv([[value]]).strip() == str(value)


def test_none_nan_infinities_and_bools() -> None:
    assert (
        write_csv([[None, float("nan"), True, float("inf"), float("-inf")]]) == ",,True,inf,'-inf\n"
    )


def test_the_safe_writer_is_a_drop_in_for_csv_writer() -> None:
    out = io.StringIO()
    writer = safe_writer(out)
    writer.writerow(["name", "score"])
    writer.writerows([["=1+1", -0.5], ["ok", 3]])
    assert out.getvalue().splitlines() == ["name,score", "'=1+1,-0.5", "ok,3"]


def test_frames_keep_numeric_columns() -> None:
    frame = pd.DataFrame(
        {"reader": ["=evil()", "R002"], "rating": [-0.5, 80.0], "truth": [True, False]}
    )
    text = frame_to_csv(frame)
    assert text.splitlines() == ["reader,rating,truth", "'=evil(),-0.5,True", "R002,80.0,False"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(st.text(max_size=12), st.integers(), st.floats(allow_nan=False), st.none()),
            max_size=5,
        ),
        max_size=5,
    )
)
def test_no_written_cell_ever_starts_a_formula(rows: list[list[object]]) -> None:
    text = write_csv(rows)
    assert_csv_safe(text)
    assert not unsafe_cells(text)


@pytest.mark.parametrize("cell", ["\r0", "a\rb", "x\r\ny"])
def test_a_carriage_return_inside_a_cell_keeps_the_row_whole(cell: str) -> None:
    # Found by the property test above: "\r0" was written unquoted and split its row.
    text = write_csv([[cell, "next"]])
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 and rows[0][1] == "next"
    assert rows[0][0].lstrip("'").replace("\n", "") == cell.replace("\r", "").replace("\n", "")
    assert not unsafe_cells(text)
