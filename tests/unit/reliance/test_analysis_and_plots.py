"""Grouping by reader and stratum (the charts are tested with the chart layer, tests/unit/charts)."""

from __future__ import annotations

import pandas as pd
import pytest

from medtandem.reliance import analyze_reliance, experience_band


def _frame():
    rows = []
    # reader A (novice) gains from the AI on both cases; reader B (expert) is right throughout.
    for case, truth in (("c1", True), ("c2", False)):
        rows.append(
            {
                "reader": "A",
                "case": case,
                "truth": truth,
                "unaided": not truth,
                "aided": truth,
                "ai": truth,
                "stratum": experience_band(0),
            }
        )
        rows.append(
            {
                "reader": "B",
                "case": case,
                "truth": truth,
                "unaided": truth,
                "aided": truth,
                "ai": truth,
                "stratum": experience_band(12),
            }
        )
    return pd.DataFrame(rows)


def test_measures_per_reader_per_stratum_and_overall():
    r = analyze_reliance(_frame())
    assert r.by_reader["A"].benefit.value == 1.0
    assert r.by_reader["B"].benefit.value == 0.0
    assert r.by_stratum["0-1"].benefit.value == 1.0
    assert r.stratum_of_reader == {"A": "0-1", "B": "10+"}
    assert r.overall.n == 4
    assert r.mean_benefit.value == pytest.approx(0.5)
    assert "mean benefit across readers" in r.summary()
    assert r.to_dict()["by_reader"]["A"]["benefit"]["value"] == 1.0


def test_experience_bands():
    assert [experience_band(y) for y in (None, 0, 1, 2, 9, 10, 30)] == [
        "unknown",
        "0-1",
        "0-1",
        "2-9",
        "2-9",
        "10+",
        "10+",
    ]


def test_one_row_per_reader_and_case_is_required():
    frame = pd.concat([_frame(), _frame().iloc[:1]])
    with pytest.raises(ValueError, match="appears twice"):
        analyze_reliance(frame)
    with pytest.raises(ValueError, match="lacks columns"):
        analyze_reliance(_frame().drop(columns="ai"))
