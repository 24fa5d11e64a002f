from __future__ import annotations

import json

import numpy as np
import pytest

from medtandem.mrmc import MrmcDesignError, MrmcInputError, analyze, simulate_study


@pytest.fixture(scope="module")
def split_plot():
    return simulate_study(6, 30, 30, mu=(1.5, 1.5), reader_groups=2, seed=5)


def test_fully_crossed_supports_every_analysis(vandyke):
    design = analyze(vandyke).design
    assert design.kind == "fully_crossed"
    assert design.supports("dbm", "jackknife") and design.supports("or", "delong")


def test_split_plot_is_recognised_and_analysed_with_jackknife(split_plot):
    r = analyze(split_plot)
    assert r.design.kind == "split_plot" and r.design.n_reader_groups == 2
    assert r.design.supported == ("or/jackknife",)
    assert np.isfinite(r.rrrc.test.statistic) and 0 <= r.rrrc.test.p <= 1
    json.dumps(r.to_dict())


@pytest.mark.parametrize("jackknife", ["study_cases", "own_cases"])
def test_split_plot_covariance_is_zero_between_reader_groups(split_plot, jackknife):
    flat = analyze(split_plot, jackknife=jackknife).covariance.cov
    cov = flat.reshape(2, 6, 2, 6)
    assert np.abs(cov[:, :3, :, 3:]).max() < 1e-18 and np.abs(cov[:, 3:, :, :3]).max() < 1e-18
    assert np.all(np.diag(flat) > 0)


def test_split_plot_own_cases_covariance_equals_crossed_jackknife_of_the_group(split_plot):
    whole = analyze(split_plot, jackknife="own_cases").covariance.cov.reshape(2, 6, 2, 6)
    group = split_plot[split_plot["reader"].isin(["1", "2", "3"])]
    alone = analyze(group).covariance.cov.reshape(2, 3, 2, 3)
    assert whole[:, :3, :, :3] == pytest.approx(alone, rel=1e-12)


@pytest.mark.parametrize(
    "method,cov", [("dbm", "jackknife"), ("or", "delong"), ("or", "bootstrap")]
)
def test_split_plot_refuses_unsupported_analyses_naming_the_supported_ones(split_plot, method, cov):
    with pytest.raises(MrmcDesignError, match="supported here: or/jackknife"):
        analyze(split_plot, method=method, cov=cov)


def test_cases_nested_within_modality_have_no_cross_modality_covariance(vandyke):
    first = vandyke["case"].astype(int) % 2 == 0
    df = vandyke[(first & (vandyke["modality"] == "1")) | (~first & (vandyke["modality"] == "2"))]
    r = analyze(df)
    assert r.design.kind == "cases_nested_in_modality"
    assert r.components.cov1 == 0 and r.components.cov3 == 0
    assert r.components.cov2 > 0


def test_partially_paired_reads_are_analysed(vandyke):
    rng = np.random.default_rng(1)
    df = vandyke[rng.random(len(vandyke)) > 0.1]
    r = analyze(df)
    assert r.design.kind == "partially_paired"
    full = analyze(vandyke)
    assert r.rrrc.differences[0].estimate == pytest.approx(
        full.rrrc.differences[0].estimate, abs=0.02
    )
    assert r.n_reads == len(df)


def test_reader_who_never_read_a_modality_is_refused(vandyke):
    df = vandyke[~((vandyke["reader"] == "3") & (vandyke["modality"] == "2"))]
    with pytest.raises(MrmcInputError, match="reader 3 in modality 2"):
        analyze(df)
