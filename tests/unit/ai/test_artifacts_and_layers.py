"""The bottom layer (one strict JSON reader/writer/cleaner) and the import structure of medtandem.ai."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import numpy as np
import pytest

from medtandem import jsonsafe
from medtandem.ai import artifacts
from medtandem.ai.families import FAMILIES, get_family
from medtandem.ai.tabular import MeasurementClassifier

AI = Path(artifacts.__file__).parent


def test_nan_and_infinity_become_null_and_the_file_is_strict_json(tmp_path):
    data = {
        "a": float("nan"),
        "b": [float("inf"), -np.inf, np.float32(1.23456)],
        "c": (np.int64(3), True),
    }
    artifacts.write_json(tmp_path / "x.json", data)
    text = (tmp_path / "x.json").read_text()
    parsed = json.loads(
        text, parse_constant=lambda c: pytest.fail(f"non-standard constant {c} in {text}")
    )
    assert parsed == {"a": None, "b": [None, None, 1.2346], "c": [3, True]}


def test_weights_keep_full_precision_and_infinite_split_thresholds_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    X[rng.random(X.shape) < 0.2] = np.nan  # missing values make sklearn use +inf thresholds
    Y = (np.nan_to_num(X[:, :2]) > 0).astype(int)
    clf = MeasurementClassifier(n_trees=20).fit(X, Y, seed=0)
    clf.save(tmp_path / "model.json")
    json.loads((tmp_path / "model.json").read_text(), parse_constant=lambda c: pytest.fail(c))
    again = MeasurementClassifier.load(tmp_path / "model.json")
    np.testing.assert_allclose(again.predict_proba(X), clf.predict_proba(X), atol=1e-12)


def test_read_json_of_a_missing_file_is_empty_and_of_a_list_is_an_error(tmp_path):
    assert artifacts.read_json(tmp_path / "none.json") == {}
    (tmp_path / "l.json").write_text("[1]")
    with pytest.raises(ValueError, match="JSON object"):
        artifacts.read_json(tmp_path / "l.json")


def _function_level_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith(
                    "medtandem.ai"
                ):
                    found.append(f"{path.name}:{inner.lineno} {inner.module}")
    return found


def test_ai_modules_import_each_other_at_the_top_only():
    # Allowed exceptions, each with its reason in a comment beside it: PyTorch (the [train] extra)
    # behind the cnn family, and the training modules behind the CLI's train/evaluate commands.
    allowed = {"families.py": {"medtandem.ai.cnn"}, "cli.py": {"medtandem.ai.train"}}
    offending = [
        f
        for p in sorted(AI.glob("*.py"))
        for f in _function_level_imports(p)
        if f.split()[-1] not in allowed.get(p.name, set())
    ]
    assert offending == []


def _medtandem_imports(path: Path) -> set[str]:
    """Every MedTandem name a module imports, as ``module.name``."""
    tree = ast.parse(path.read_text())
    found = {
        f"{n.module}.{a.name}"
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom)
        for a in n.names
    }
    found |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    return {m for m in found if m.startswith("medtandem")}


def test_the_bottom_layer_imports_only_the_projects_json_cleaner():
    # The project's one JSON cleaner (medtandem.jsonsafe) is a leaf: it imports nothing from
    # MedTandem, so the bottom layer of ai stays below every other module.
    assert _medtandem_imports(Path(artifacts.__file__)) == {"medtandem.jsonsafe"}
    assert _medtandem_imports(Path(jsonsafe.__file__)) == set()


def test_the_one_json_cleaner_nulls_nan_and_both_infinities_and_unpacks_numpy():
    data = {
        1: np.array([[1.5, np.inf], [np.nan, -np.inf]]),
        "zero_d": np.array(2.0),
        "t": (np.float64(-np.inf), np.int32(7), np.bool_(True)),
    }
    out = jsonsafe.clean(data)
    assert out == {"1": [[1.5, None], [None, None]], "zero_d": 2.0, "t": [None, 7, True]}
    json.dumps(out, allow_nan=False)  # strict JSON: raises on any NaN/inf left
    assert jsonsafe.clean(1.23456, digits=2) == 1.23


def test_every_family_has_features_a_classifier_weights_and_card_text_in_two_languages():
    for name, fam in FAMILIES.items():
        assert fam.name == name and fam.weights_file in {"model.json", "model.onnx"}
        assert set(fam.text) == {"en", "fr"} and all(fam.text[k]["description"] for k in fam.text)
        assert fam.default_options(400)
    with pytest.raises(ValueError, match="family must be one of"):
        get_family("svm")


@pytest.mark.parametrize("family", ["measurements", "measurements-lr"])
def test_one_fit_signature_behind_the_classifier_protocol(family):
    fam = get_family(family)
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(80, 6)), (rng.random((80, 2)) < 0.4).astype(int)
    clf = fam.make_classifier(
        {**fam.default_options(80), **({"n_trees": 5} if family == "measurements" else {})}
    )
    a = clf.fit(X, Y, seed=3).predict_proba(X)
    b = (
        fam.make_classifier(
            {**fam.default_options(80), **({"n_trees": 5} if family == "measurements" else {})}
        )
        .fit(X, Y, seed=3)
        .predict_proba(X)
    )
    np.testing.assert_array_equal(a, b)
    assert clf.predict(X).shape == Y.shape and clf.n_parameters > 0
    assert not math.isnan(float(a.sum()))
