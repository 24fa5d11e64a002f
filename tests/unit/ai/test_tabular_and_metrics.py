import numpy as np
import pytest

from medtandem.ai.calibration import PlattCalibrator
from medtandem.ai.metrics import auc, ece, evaluate, subgroup_metrics
from medtandem.ai.tabular import MeasurementClassifier


@pytest.fixture(scope="module")
def toy():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    X[rng.random(X.shape) < 0.05] = np.nan
    logits = np.stack([np.nan_to_num(X[:, 0]) * 2, -np.nan_to_num(X[:, 1]) * 2], axis=1)
    Y = (rng.random(logits.shape) < 1 / (1 + np.exp(-logits))).astype(int)
    return X, Y


@pytest.mark.parametrize("method", ["boosting", "logistic"])
def test_classifier_learns_and_its_explanation_adds_up_to_the_log_odds(toy, method):
    X, Y = toy
    clf = MeasurementClassifier(method=method, n_trees=30).fit(X, Y)
    P = clf.predict_proba(X)
    assert auc(Y[:, 0], P[:, 0]) > 0.75
    bias, terms = clf.contributions(X[3])
    np.testing.assert_allclose(
        bias + terms.sum(axis=1), clf.decision_function(X[3:4])[0], atol=1e-9
    )
    assert np.argmax(np.abs(terms[0])) == 0  # the first output is driven by the first feature


@pytest.mark.parametrize("method", ["boosting", "logistic"])
def test_classifier_round_trips_through_json(toy, method):
    X, Y = toy
    clf = MeasurementClassifier(method=method, n_trees=20).fit(X, Y)
    again = MeasurementClassifier.from_dict(clf.to_dict())
    np.testing.assert_allclose(again.predict_proba(X), clf.predict_proba(X), atol=1e-8)


def test_bagged_boosting_is_the_mean_of_the_sklearn_models_and_stays_one_exact_forest(toy):
    """Oracle: scikit-learn's own models, one per seed, averaged in log-odds."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, Y = toy
    clf = MeasurementClassifier(n_trees=20, max_features=0.4, n_bags=3).fit(X, Y, seed=7)
    for k in range(Y.shape[1]):
        ref = np.mean(
            [
                HistGradientBoostingClassifier(
                    max_iter=20,
                    max_depth=3,
                    learning_rate=0.05,
                    max_features=0.4,
                    early_stopping=False,
                    random_state=7 + b,
                )
                .fit(X, Y[:, k])
                .decision_function(X)
                for b in range(3)
            ],
            axis=0,
        )
        np.testing.assert_allclose(clf.decision_function(X)[:, k], ref, atol=1e-9)
    assert len(clf.forests_[0].roots) == 60  # 3 bags x 20 trees in one forest
    bias, terms = clf.contributions(X[5])
    np.testing.assert_allclose(bias + terms.sum(axis=1), clf.decision_function(X[5:6])[0])
    again = MeasurementClassifier.from_dict(clf.to_dict())
    assert (again.n_bags, again.max_features) == (3, 0.4)
    np.testing.assert_allclose(again.decision_function(X), clf.decision_function(X), atol=1e-8)


def test_classifier_rejects_inputs_of_the_wrong_shape(toy):
    X, Y = toy
    clf = MeasurementClassifier(n_trees=5).fit(X, Y)
    with pytest.raises(ValueError, match="fitted on 5"):
        clf.predict_proba(X[:, :3])
    with pytest.raises(ValueError, match="method"):
        MeasurementClassifier(method="forest")


def test_auc_and_ece_on_known_cases():
    assert auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert auc(np.array([0, 1, 0, 1]), np.array([0.5, 0.5, 0.5, 0.5])) == 0.5
    y = np.array([0] * 50 + [1] * 50)
    assert ece(y, np.where(y == 1, 1.0, 0.0)) == 0.0
    assert ece(y, np.full(100, 0.9)) == pytest.approx(0.4)


def test_evaluate_reports_ci_around_the_estimate(toy):
    X, Y = toy
    P = MeasurementClassifier(method="logistic").fit(X, Y).predict_proba(X)
    ev = evaluate(Y, P, ("NORM", "MI"), n_boot=200)
    lo, hi = ev.macro_auc_ci
    assert lo <= ev.macro_auc <= hi
    assert 0 <= ev.ece <= 1 and ev.reliability
    assert "macro AUC" in ev.summary()


def test_subgroups_report_the_largest_gap_and_worst_group(toy):
    X, Y = toy
    P = MeasurementClassifier(method="logistic").fit(X, Y).predict_proba(X)
    sex = ["M", "F"] * 100
    out = subgroup_metrics(Y, P, ("NORM", "MI"), {"sex": sex})
    assert set(out["sex"]["by_group"]) == {"M", "F"}
    assert out["sex"]["largest_gap"]["macro_auc"] >= 0
    assert out["sex"]["worst_group"]["macro_auc"] in {"M", "F"}


def test_platt_calibration_fixes_overconfident_scores():
    rng = np.random.default_rng(1)
    p_true = rng.uniform(0.05, 0.95, 2000)
    y = (rng.random(2000) < p_true).astype(int)
    over = 1 / (1 + np.exp(-3 * np.log(p_true / (1 - p_true))))
    cal = PlattCalibrator.fit(over[:, None], y[:, None])
    assert ece(y, cal.transform(over[:, None])[:, 0]) < ece(y, over) / 2
