"""Incomplete designs: the MRMCaov jackknife convention, rebuilt here, and MRMCaov's figures.

Reference values: MRMCaov 0.3.0 (github.com/brian-j-smith/MRMCaov, commit d79e49b), its R/*.R
files sourced under R 4.2.2 (Debian r-base-core 4.2.2, r-cran-tibble 3.1.8, r-cran-progress
1.2.2) by ``data/mrmcaov_reference.R``, on the Van Dyke data cut as in ``conftest.py``; the
figures below are copied from its printed output (12 significant digits).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from medtandem.mrmc import MrmcDesignError, analyze
from medtandem.mrmc.obuchowski_rockette import or_analysis
from medtandem.mrmc.report import render_html

REL = 1e-9

# (RRRC F, ddf, p, SE(diff); modality 1 SE, df; FRRC X2, p; per-reader FRRC SEs)
MRMCAOV = {
    "split_plot": dict(
        design="factorial (partially paired)",
        F=3.71442859176,
        ddf=6.10046521267,
        p=0.101430995344,
        se=0.0260674843695,
        mod_se=(0.0407559892269, 0.0205275364508),
        mod_df=(6.12507816204, 7.95685532517),
        X2=4.96878439558,
        p_frrc=0.0258087801061,
        reader_se=(
            0.0337269232798,
            0.0219661401721,
            0.0462027071705,
            0.0241324257715,
            0.0760040611117,
        ),
        var=0.001635826106724,
        cov1=0.000624456297030,
        cov2=0.000220670064140,
        cov3=0.000156029774756,
    ),
    "partially_paired": dict(
        design="factorial (partially paired)",
        F=3.64034228055,
        ddf=9.73754366327,
        p=0.0862816182816,
        se=0.020276521015,
        mod_se=(0.0303222720313, 0.0222996841554),
        mod_df=(14.2081122028, 12.7522343217),
        X2=4.29970573472,
        p_frrc=0.038118968141,
        reader_se=(
            0.0287225336789,
            0.0344720454798,
            0.0373954259023,
            0.0198137567364,
            0.0441056889911,
        ),
        var=0.000928150868976,
        cov1=0.000353188819345,
        cov2=0.000325180711421,
        cov3=0.000251365563494,
    ),
    "nested_in_readers": dict(
        design="cases nested within reader",
        F=4.74161524014,
        ddf=4.0,
        p=0.0950070077057,
        se=0.0342605360225,
        mod_se=(0.0501424522072, 0.0181767265755),
        mod_df=(4.0, 4.0),
        X2=4.57183705108,
        p_frrc=0.0325016941876,
        reader_se=(0.0490703814684, 0.1090681342677, 0.0628514160218, 0.0, 0.1103643007441),
        var=0.004583723064820,
        cov1=0.001540289102341,
        cov2=0.0,
        cov3=0.0,
    ),
}


@pytest.fixture(scope="module")
def designs(vandyke_split_plot, vandyke_partially_paired, vandyke_nested_in_readers):
    return {
        "split_plot": vandyke_split_plot,
        "partially_paired": vandyke_partially_paired,
        "nested_in_readers": vandyke_nested_in_readers,
    }


def brute_auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Mann-Whitney AUC by comparing every pair (ties 1/2)."""
    d = pos[:, None] - neg[None, :]
    return float(((d > 0) + 0.5 * (d == 0)).mean())


def mrmcaov_jackknife(df: pd.DataFrame) -> tuple[list[tuple[str, str]], np.ndarray]:
    """MRMCaov's jackknife (R/jackknife.R), rebuilt with loops: for every reader-modality and
    every case of the study, the AUC without that case (the full AUC when it did not read it);
    then (c-1)/c times the cross-products of the deviations from the mean over the c cases."""
    cases = list(dict.fromkeys(df["case"]))
    groups = [(m, r) for m in dict.fromkeys(df["modality"]) for r in dict.fromkeys(df["reader"])]
    c = len(cases)
    loo = np.empty((len(groups), c))
    for g, (m, r) in enumerate(groups):
        sub = df[(df["modality"] == m) & (df["reader"] == r)]
        for k, case in enumerate(cases):
            rest = sub[sub["case"] != case]
            loo[g, k] = brute_auc(
                rest.loc[rest["truth"] == 1, "rating"].to_numpy(float),
                rest.loc[rest["truth"] == 0, "rating"].to_numpy(float),
            )
    dev = loo - loo.mean(axis=1, keepdims=True)
    return groups, (c - 1) / c * dev @ dev.T


def own_cases_jackknife(df: pd.DataFrame) -> np.ndarray:
    """Each reader-modality jackknifed over the cases it read, factor sqrt((n_a-1)(n_b-1)/(n_a
    n_b)) on the shared cases; with loops."""
    cases = list(dict.fromkeys(df["case"]))
    groups = [(m, r) for m in dict.fromkeys(df["modality"]) for r in dict.fromkeys(df["reader"])]
    dev = np.zeros((len(groups), len(cases)))
    n = np.zeros(len(groups))
    for g, (m, r) in enumerate(groups):
        sub = df[(df["modality"] == m) & (df["reader"] == r)]
        read = [k for k, case in enumerate(cases) if case in set(sub["case"])]
        vals = []
        for k in read:
            rest = sub[sub["case"] != cases[k]]
            vals.append(
                brute_auc(
                    rest.loc[rest["truth"] == 1, "rating"].to_numpy(float),
                    rest.loc[rest["truth"] == 0, "rating"].to_numpy(float),
                )
            )
        dev[g, read] = np.array(vals) - np.mean(vals)
        n[g] = len(read)
    f = np.sqrt((n - 1) / n)
    return (f[:, None] * dev) @ (f[:, None] * dev).T


@pytest.mark.parametrize("name", ["split_plot", "partially_paired"])
def test_default_jackknife_is_mrmcaovs_rebuilt_independently(designs, name):
    df = designs[name]
    _, ref = mrmcaov_jackknife(df)
    result = analyze(df)
    assert result.conventions.jackknife == "study_cases"
    assert result.covariance.cov == pytest.approx(ref, rel=1e-10, abs=1e-16)


@pytest.mark.parametrize("name", ["split_plot", "partially_paired"])
def test_own_cases_option_is_the_per_fom_jackknife(designs, name):
    df = designs[name]
    result = analyze(df, jackknife="own_cases")
    assert result.conventions.jackknife == "own_cases"
    assert result.covariance.cov == pytest.approx(own_cases_jackknife(df), rel=1e-10, abs=1e-16)


def test_split_plot_conventions_differ_by_the_case_count_factor(vandyke_split_plot):
    """AUC: within a reader group the two differ by ((c-1)/c) / ((n-1)/n) exactly."""
    study = analyze(vandyke_split_plot).covariance.cov
    own = analyze(vandyke_split_plot, jackknife="own_cases").covariance.cov
    c, n = 114, 57
    assert study[0, 0] / own[0, 0] == pytest.approx(((c - 1) / c) / ((n - 1) / n), rel=1e-12)


@pytest.mark.parametrize("name", list(MRMCAOV))
def test_matches_mrmcaov_on_incomplete_designs(designs, name):
    ref = MRMCAOV[name]
    rrrc = analyze(designs[name])
    frrc = analyze(designs[name], frrc_truncate=False)
    assert rrrc.design.mrmcaov_design == ref["design"]
    c = rrrc.components
    for key, value in (("var", c.var_error), ("cov1", c.cov1), ("cov2", c.cov2), ("cov3", c.cov3)):
        assert value == pytest.approx(ref[key], rel=REL, abs=1e-15), key
    t, d = rrrc.rrrc.test, rrrc.rrrc.differences[0]
    assert (t.statistic, t.df2, t.p, d.se) == pytest.approx(
        (ref["F"], ref["ddf"], ref["p"], ref["se"]), rel=REL
    )
    assert [m.se for m in rrrc.rrrc.modalities] == pytest.approx(ref["mod_se"], rel=REL)
    assert [m.df for m in rrrc.rrrc.modalities] == pytest.approx(ref["mod_df"], rel=REL)
    ft = frrc.frrc.test
    assert (ft.statistic, ft.p) == pytest.approx((ref["X2"], ref["p_frrc"]), rel=REL)
    assert [x.se for x in frrc.frrc.reader_differences] == pytest.approx(
        ref["reader_se"], rel=REL, abs=1e-12
    )


def test_partial_auc_matches_mrmcaov(vandyke, vandyke_partially_paired):
    """MRMCaov empirical_auc(partial = "specificity", min = 0.8, max = 1) = FPF in [0, 0.2]."""
    full = analyze(vandyke, fom="pauc", max_fpr=0.2)
    assert full.auc["1"]["1"] == pytest.approx(0.161686169261, rel=REL)
    assert full.auc["2"]["4"] == pytest.approx(0.199355877617, rel=REL)
    assert (full.rrrc.test.statistic, full.rrrc.test.df2, full.rrrc.test.p) == pytest.approx(
        (5.05409747736, 11.6435487272, 0.0447820379074), rel=REL
    )
    pp = analyze(vandyke_partially_paired, fom="pauc", max_fpr=0.2)
    assert (pp.rrrc.test.statistic, pp.rrrc.test.df2, pp.rrrc.test.p) == pytest.approx(
        (3.12770711776, 7.17246523224, 0.119266834239), rel=REL
    )


def test_sensitivity_and_specificity_jackknife_over_their_class_as_mrmcaov(vandyke):
    """MRMCaov binary_sens / binary_spec on rating >= 4 (it jackknifes over one class)."""
    se = analyze(vandyke, fom="sensitivity", threshold=4)
    assert se.components.var_error == pytest.approx(0.003528619528620, rel=REL)
    assert (se.rrrc.test.statistic, se.rrrc.test.df2, se.rrrc.test.p) == pytest.approx(
        (1.0, 118.567901235, 0.319346976519), rel=REL
    )
    sp = analyze(vandyke, fom="specificity", threshold=4)
    assert sp.components.var_error == pytest.approx(5.47339288582e-04, rel=REL)
    assert (sp.rrrc.test.statistic, sp.rrrc.test.df2) == pytest.approx(
        (0.364428069, 4.07472030103), rel=REL
    )


def test_sensitivity_jackknife_variance_is_the_binomial_formula(vandyke):
    """Independent: the jackknife variance of a proportion over m cases is p(1-p)/(m-1)."""
    result = analyze(vandyke, fom="sensitivity", threshold=3)
    pos = vandyke[vandyke["truth"] == 1]
    m = pos["case"].nunique()
    for i, mod in enumerate(result.modalities):
        for j, rd in enumerate(result.readers):
            sub = pos[(pos["modality"] == mod) & (pos["reader"] == rd)]
            p = float((sub["rating"] >= 3).mean())
            a = i * len(result.readers) + j
            assert result.auc[mod][rd] == pytest.approx(p)
            assert result.covariance.cov[a, a] == pytest.approx(p * (1 - p) / (m - 1), abs=1e-15)


def test_frrc_truncation_is_an_option_and_named():
    """Cov2 < Cov3: the truncated denominator (OR-DBM MRMC) vs MRMCaov's, by hand."""
    theta = np.array([[0.80, 0.85, 0.83], [0.86, 0.88, 0.90]])
    t, r = theta.shape
    var, cov1, cov2, cov3 = 0.002, 0.0008, 0.0003, 0.0005
    same_t = np.eye(t)[:, None, :, None].astype(bool)
    same_r = np.eye(r)[None, :, None, :].astype(bool)
    cov = np.where(same_t & same_r, var, np.where(same_r, cov1, np.where(same_t, cov2, cov3)))
    cov = cov.reshape(t * r, t * r)
    ms_t = r * np.sum((theta.mean(axis=1) - theta.mean()) ** 2)
    labels = (("A", "B"), ("1", "2", "3"))
    trunc = or_analysis(theta, cov, *labels).frrc
    plain = or_analysis(theta, cov, *labels, frrc_truncate=False).frrc
    assert trunc.test.statistic == pytest.approx(ms_t / (var - cov1))
    assert plain.test.statistic == pytest.approx(ms_t / (var - cov1 + (r - 1) * (cov2 - cov3)))
    assert plain.test.statistic > trunc.test.statistic


def test_design_and_conventions_are_named_in_every_output(vandyke_partially_paired):
    result = analyze(vandyke_partially_paired, frrc_truncate=False)
    d = json.loads(json.dumps(result.to_dict()))
    assert d["design"]["kind"] == "partially_paired"
    assert d["design"]["mrmcaov_design"] == "factorial (partially paired)"
    assert d["conventions"]["jackknife"] == "study_cases"
    assert d["conventions"]["frrc_truncate"] is False
    assert "MRMCaov" in d["conventions"]["description"]
    text = result.summary()
    assert "Conventions: jackknife=study_cases" in text and "partially paired" in text
    assert "not truncated (MRMCaov)" in render_html(result)
    assert "MRMCaov's convention" in result.conclusion()


def test_fully_crossed_conventions_coincide(vandyke):
    a = analyze(vandyke)
    b = analyze(vandyke, jackknife="own_cases")
    assert a.covariance.cov == pytest.approx(b.covariance.cov, rel=1e-12)
    assert not a.conventions.jackknife_differs


@pytest.mark.parametrize("name", ["split_plot", "partially_paired", "nested_in_readers"])
def test_delong_is_refused_on_incomplete_designs_as_mrmcaov_does(designs, name):
    with pytest.raises(MrmcDesignError, match="DeLong|supported here: or/jackknife"):
        analyze(designs[name], cov="delong")


def test_delong_refusal_says_why(vandyke_partially_paired):
    from medtandem.mrmc.covariance import estimate_covariance
    from medtandem.mrmc.data import prepare_reads
    from medtandem.mrmc.fom import FomSpec

    with pytest.raises(MrmcDesignError, match="undefined on this design.*balanced design"):
        estimate_covariance(prepare_reads(vandyke_partially_paired), FomSpec(), "delong")
