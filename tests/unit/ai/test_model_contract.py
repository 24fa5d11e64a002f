"""The contract the web app relies on: load_model, predict_record, Suggestion, card, facts, report."""

import json
import subprocess
import sys

import numpy as np
import pytest

from medtandem.ai import LABELS, Suggestion, frugality_report, load_model
from medtandem.ai.cli import register  # noqa: F401  (imported by medtandem.cli)
from medtandem.ai.model import ModelLoadError, shipped_models
from medtandem.cli import main
from medtandem.ecg import EcgReadError, EcgRecord, read_record


@pytest.fixture(scope="module")
def record(record_path):
    return read_record(record_path)


def test_default_model_gives_a_suggestion_with_the_six_outputs(record):
    s = load_model().predict_record(record)
    assert isinstance(s, Suggestion)
    assert list(s.probabilities) == list(LABELS)
    assert all(0.0 <= p <= 1.0 for p in s.probabilities.values())
    json.dumps(s.to_dict())


@pytest.mark.parametrize("path", shipped_models(), ids=lambda p: p.name)
def test_every_shipped_model_explains_its_suggestion(path, record):
    model = load_model(path)
    e = model.predict_record(record).explanation
    if e["kind"] == "attribution":
        assert len(e["leads"]) == 12 and len(e["values"]) == 12
        assert all(len(row) == e["bins_per_lead"] for row in e["values"])
        assert max(max(row) for row in e["values"]) <= 1.0
    else:
        assert e["kind"] == "measurements"
        assert {"name", "label", "value", "unit", "contribution"} <= set(e["items"][0])
    assert model.card["basic_info"]["model_name"] == model.name
    assert model.facts["version"] == model.version


def test_lead_names_are_matched_case_insensitively_and_rate_does_not_matter(record):
    model = load_model()
    upper = EcgRecord(record.signal, record.fs, tuple(n.upper() for n in record.leads), "upper")
    assert model.predict_record(upper).probabilities == model.predict_record(record).probabilities
    assert list(model.predict_record(record.resampled(360)).probabilities) == list(LABELS)


def test_a_record_without_the_twelve_leads_is_refused(record):
    three = EcgRecord(record.signal[:, :3], record.fs, record.leads[:3], "three")
    with pytest.raises(EcgReadError, match="lacks leads"):
        load_model().predict_record(three)


def test_a_folder_that_is_not_a_model_is_named(tmp_path):
    with pytest.raises(ModelLoadError, match="meta.json"):
        load_model(tmp_path)


def test_predict_command_prints_one_json_line_per_record_and_fails_at_the_end(record_path, capsys):
    status = main(
        ["ai", "predict", str(record_path), "/nonexistent/rec", str(record_path) + ".hea", "--json"]
    )
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert status == 1 and len(lines) == 2
    assert set(lines[0]) == {"record", "model", "version", "probabilities"}
    assert "/nonexistent/rec" in err


def test_frugality_report_has_a_row_per_model_and_explains_the_default():
    report = frugality_report()
    assert {r["name"] for r in report["rows"]} == {p.name for p in shipped_models()}
    assert report["default"] == load_model().name
    assert report["why"] and report["published"]
    assert main(["ai", "report"]) == 0


def test_inference_does_not_import_torch(record_path):
    code = (
        "import sys, medtandem.ai as ai; from medtandem.ecg import read_record;"
        "from medtandem.ai.model import shipped_models;"
        f"[ai.load_model(p).predict_record(read_record({str(record_path)!r})) for p in shipped_models()];"
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_train_then_evaluate_a_tiny_measurement_model(tmp_path, capsys):
    from medtandem.ai.train import train_model

    from .conftest import BANK

    out = train_model(
        BANK,
        tmp_path / "m",
        family="measurements",
        limit=60,
        options={"n_trees": 10},
        log=lambda s: None,
    )
    model = load_model(out)
    assert model.predict_proba_records([_synthetic()]).shape == (1, len(LABELS))
    assert main(["ai", "evaluate", "--data", str(BANK), "--model", str(out), "--limit", "60"]) == 0
    printed = capsys.readouterr().out
    assert "held-out sites and devices" in printed and "robustness suite" in printed
    assert "mains_60hz" in printed and "frontend_0.5-40hz" in printed
    ev = json.loads((out / "evaluation.json").read_text())
    assert "cv10" in ev and "subgroups_cv10" in ev and "robustness" in ev
    assert set(ev["robustness"]["by_perturbation"]) >= {
        "mains_50hz",
        "gain_-20%",
        "fs_1000hz",
        "missing_V5",
    }
    card = json.loads((out / "card.json").read_text())
    for key in (
        "basic_info",
        "release_info",
        "uses_and_directions",
        "target_population",
        "warnings",
        "trust_ingredients",
        "key_metrics",
        "bias_mitigation",
        "maintenance",
        "environmental_impact",
        "ai_facts",
    ):
        assert key in card
    assert card["key_metrics"]["cv10_macro_auc"]["value"] == ev["cv10"]["macro_auc"]
    assert card["ai_facts"]["operating_point_rule"].startswith("Youden")
    assert card["translations"]["fr"]["ai_facts"]["operating_point_rule"].startswith("J de Youden")
    assert model.facts_in("fr")["intended_use"].startswith("Aide")
    assert "observatory" not in json.dumps(card)
    meta = json.loads((out / "meta.json").read_text())
    assert list(card["ai_facts"]["operating_point"].values()) == meta["thresholds"]


def _synthetic() -> EcgRecord:
    from tests.factories import synthetic

    return synthetic()


def test_training_is_deterministic_with_a_seed(tmp_path):
    from medtandem.ai.train import load_corpus, run_split

    from .conftest import BANK

    corpus = load_corpus(BANK, "measurements", limit=40)
    train, val = corpus.folds <= 8, corpus.folds >= 9
    a = run_split("measurements", corpus, train, val, val, options={"n_trees": 10})
    b = run_split("measurements", corpus, train, val, val, options={"n_trees": 10})
    np.testing.assert_array_equal(a.proba_test, b.proba_test)


def test_the_same_record_at_100_and_500_hz_gets_nearly_the_same_suggestion(record, record_path):
    """Issue 14: record 8 got p(NORM) 0.62 at 500 Hz and 0.42 at 100 Hz; the common conditioning
    makes both files the same physical signal."""
    low_path = record_path.parents[2] / "records100/00000/00008_lr"
    low = read_record(low_path) if low_path.with_suffix(".hea").is_file() else record.resampled(100)
    model = load_model()
    p500, p100 = model.predict_record(record).probabilities, model.predict_record(low).probabilities
    assert max(abs(p500[k] - p100[k]) for k in LABELS) < 0.1
