"""Public functions refuse empty and degenerate input with an MrmcInputError naming it."""

from __future__ import annotations

import numpy as np
import pytest

from medtandem.mrmc import MrmcInputError, analyze, power, sample_size
from medtandem.mrmc.dbm import dbm_analysis
from medtandem.mrmc.obuchowski_rockette import or_analysis, or_components


def test_one_reader_is_refused_by_or_components_not_a_zero_division():
    with pytest.raises(MrmcInputError, match="theta must be a .* at least 2"):
        or_components(np.array([[0.8], [0.9]]), np.eye(2))


@pytest.mark.parametrize("theta", [np.array([[0.8, 0.9]]), np.zeros((0, 0)), np.array(0.8)])
def test_degenerate_fom_tables_are_refused(theta):
    with pytest.raises(MrmcInputError, match="theta"):
        or_analysis(theta, np.eye(max(theta.size, 1)), ("1",), ("a", "b"))


def test_covariance_of_the_wrong_shape_is_refused():
    with pytest.raises(MrmcInputError, match="cov must be a finite \\(4, 4\\)"):
        or_analysis(np.full((2, 2), 0.8), np.eye(3), ("1", "2"), ("a", "b"))


def test_labels_must_match_the_table():
    with pytest.raises(MrmcInputError, match="readers must have 2 labels"):
        or_analysis(np.full((2, 2), 0.8), np.eye(4), ("1", "2"), ("a",))


def test_dbm_needs_two_cases():
    with pytest.raises(MrmcInputError, match="loo must have shape"):
        dbm_analysis(np.full((2, 2), 0.8), np.full((2, 2, 1), 0.8), ("1", "2"), ("a", "b"))


def test_a_reader_with_one_diseased_case_is_refused_for_the_jackknife(vandyke):
    first = vandyke.loc[vandyke["truth"] == 1, "case"].iloc[0]
    df = vandyke[(vandyke["reader"] != "1") | (vandyke["truth"] == 0) | (vandyke["case"] == first)]
    with pytest.raises(MrmcInputError, match="at least two diseased .* reader 1 in modality 1"):
        analyze(df)
    # the specificity does not need diseased cases to be jackknifed
    assert analyze(df, fom="specificity", threshold=3).n_reads == len(df)


@pytest.mark.parametrize("alpha", ["0.05", None, 0, 1.5, True])
def test_alpha_must_be_a_number_in_0_1(vandyke, alpha):
    with pytest.raises(MrmcInputError, match="alpha"):
        analyze(vandyke, alpha=alpha)


def test_reads_of_another_type_are_refused():
    with pytest.raises(MrmcInputError, match="reads must be a pandas DataFrame"):
        analyze([1, 2, 3])  # type: ignore[arg-type]


def test_empty_csv_is_refused(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(MrmcInputError, match="empty"):
        analyze(path)
    path.write_text("reader,case,modality,truth,rating\n")
    with pytest.raises(MrmcInputError, match="empty"):
        analyze(path)


@pytest.mark.parametrize(
    "kwargs,msg",
    [
        (dict(effect=float("nan"), n_readers=5, n_cases=100), "effect must be a finite"),
        (dict(effect=0.05, n_readers=1, n_cases=100), "at least 2 readers"),
        (dict(effect=0.05, n_readers=5, n_cases=2.5), "integers"),
    ],
)
def test_power_refuses_degenerate_plans(vandyke_path, kwargs, msg):
    with pytest.raises(MrmcInputError, match=msg):
        power(analyze(vandyke_path), **kwargs)


def test_sample_size_needs_readers(vandyke_path):
    with pytest.raises(MrmcInputError, match="readers must list"):
        sample_size(analyze(vandyke_path), 0.05, readers=[])


def test_partial_auc_equals_a_fine_grid_integral_of_the_empirical_roc(vandyke):
    """Independent oracle: TPF as a function of FPF from the sorted thresholds, integrated by
    np.interp on a grid of 400,001 points (error < 1e-9 for these 5-point ratings)."""
    from medtandem.mrmc.fom import partial_auc

    for _, sub in vandyke.groupby(["modality", "reader"]):
        pos = sub.loc[sub["truth"] == 1, "rating"].to_numpy(float)
        neg = sub.loc[sub["truth"] == 0, "rating"].to_numpy(float)
        cuts = np.r_[np.inf, np.sort(np.unique(np.r_[pos, neg]))[::-1]]
        fpf = np.array([(neg >= c).mean() for c in cuts])
        tpf = np.array([(pos >= c).mean() for c in cuts])
        for max_fpr in (0.1, 0.2, 0.5, 1.0):
            x = np.linspace(0, max_fpr, 400_001)
            y = np.interp(x, fpf, tpf)
            ref = float(np.sum((y[1:] + y[:-1]) / 2 * np.diff(x)))
            assert partial_auc(pos[None], neg[None], max_fpr)[0] == pytest.approx(ref, abs=1e-9)


def test_sensitivity_and_specificity_are_counted_fractions(vandyke):
    res_se = analyze(vandyke, fom="sensitivity", threshold=4)
    res_sp = analyze(vandyke, fom="specificity", threshold=4)
    for (m, r), sub in vandyke.groupby(["modality", "reader"]):
        pos = sub[sub["truth"] == 1]
        neg = sub[sub["truth"] == 0]
        assert res_se.auc[m][r] == sum(pos["rating"] >= 4) / len(pos)
        assert res_sp.auc[m][r] == sum(neg["rating"] < 4) / len(neg)
