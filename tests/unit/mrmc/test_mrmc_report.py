from __future__ import annotations

import json

import pytest

from medtandem.mrmc import analyze
from medtandem.mrmc.report import render_html


@pytest.fixture(scope="module")
def result(vandyke_path):
    return analyze(vandyke_path)


def test_report_has_one_roc_panel_per_reader_with_a_curve_per_modality(result):
    page = render_html(result)
    assert page.count("<svg") == 5
    assert page.count("<polyline") == 10


def test_report_has_tables_tests_and_conclusion(result):
    page = render_html(result)
    for text in ("RRRC", "FRRC", "RRFC", "Var(TxR)", "0.897037", "Conclusion"):
        assert text in page
    assert "not statistically significant at the 0.05 level" in page


def test_report_escapes_labels(vandyke):
    df = vandyke.copy()
    df["modality"] = df["modality"].map({"1": "<cine>", "2": "SE & MRI"})
    page = render_html(analyze(df))
    assert "<cine>" not in page and "&lt;cine&gt;" in page


def test_conclusion_states_estimate_ci_and_p(result):
    text = result.conclusion()
    assert "-0.044 (95% CI -0.088 to 0.000; p = 0.052)" in text
    assert "5 readers, 114 cases" in text


def test_to_dict_is_json_and_summary_is_text(result):
    doc = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert doc["design"]["kind"] == "fully_crossed"
    assert "Pairwise modality comparisons" in result.summary()
    assert "Global test" in result.rrrc.summary()
