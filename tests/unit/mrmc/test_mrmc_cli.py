from __future__ import annotations

import json

from medtandem.cli import main


def test_json_output_has_the_documented_keys(vandyke_path, capsys):
    assert main(["mrmc", str(vandyke_path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert abs(doc["mean_auc"]["1"] - 0.89703704) < 5e-9
    assert set(doc["auc"]) == {"1", "2"} and set(doc["auc"]["1"]) == {"1", "2", "3", "4", "5"}
    assert set(doc["components"]) >= {"var_r", "var_tr", "var_error", "cov1", "cov2", "cov3"}
    for key in ("rrrc", "frrc", "rrfc"):
        part = doc[key]
        assert {"statistic", "df1", "df2", "p", "differences"} <= set(part)
        diff = part["differences"][0]
        assert diff["comparison"] == "1 - 2"
        assert {"estimate", "se", "ci_lower", "ci_upper", "p"} <= set(diff)
    assert abs(doc["rrrc"]["statistic"] - 4.456319) < 5e-7
    assert doc["frrc"]["df2"] is None


def test_delong_and_dbm_options(vandyke_path, capsys):
    assert main(["mrmc", str(vandyke_path), "--cov", "delong", "--json"]) == 0
    assert abs(json.loads(capsys.readouterr().out)["rrrc"]["statistic"] - 4.484854) < 5e-7
    assert main(["mrmc", str(vandyke_path), "--method", "dbm", "--alpha", "0.1", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["method"] == "dbm" and doc["alpha"] == 0.1 and "dbm_components" in doc


def test_text_summary_by_default(vandyke_path, capsys):
    assert main(["mrmc", str(vandyke_path)]) == 0
    out = capsys.readouterr().out
    assert "Obuchowski-Rockette variance component" in out and "RRRC" in out


def test_bad_input_prints_the_problem_and_exits_2(tmp_path, vandyke, capsys):
    path = tmp_path / "bad.csv"
    vandyke.drop(columns=["rating"]).to_csv(path, index=False)
    assert main(["mrmc", str(path)]) == 2
    err = capsys.readouterr().err
    assert "missing column(s): rating" in err


def test_html_and_pdf_reports_are_written(vandyke_path, tmp_path, capsys):
    html = tmp_path / "report.html"
    assert main(["mrmc", str(vandyke_path), "--report", str(html)]) == 0
    assert "<svg" in html.read_text()
    pdf = tmp_path / "report.pdf"
    assert main(["mrmc", str(vandyke_path), "--report", str(pdf), "--json"]) == 0
    assert pdf.read_bytes()[:5] == b"%PDF-"
