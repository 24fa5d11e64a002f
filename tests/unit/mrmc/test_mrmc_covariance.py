from __future__ import annotations

import numpy as np
import pytest

from medtandem.mrmc import analyze, prepare_reads, simulate_study
from medtandem.mrmc.covariance import estimate_covariance, leave_one_out
from medtandem.mrmc.errors import MrmcDesignError
from medtandem.mrmc.fom import FomSpec, auc


def brute_delong(pos, neg):
    """DeLong et al. (1988) structural components by direct O(mn) comparison."""
    psi = lambda x, y: (x[:, :, None] > y[:, None, :]) + 0.5 * (x[:, :, None] == y[:, None, :])  # noqa: E731
    p = psi(pos, neg)
    v10 = p.mean(axis=2)
    v01 = p.mean(axis=1)
    return np.cov(v10) / pos.shape[1] + np.cov(v01) / neg.shape[1]


def test_fast_delong_equals_direct_delong(vandyke_path):
    reads = prepare_reads(vandyke_path)
    flat = reads.ratings.reshape(10, -1)
    d = reads.truth == 1
    fast = estimate_covariance(reads, FomSpec(), "delong")
    assert fast.cov == pytest.approx(brute_delong(flat[:, d], flat[:, ~d]), abs=1e-15)


def test_jackknife_equals_explicit_leave_one_case_out(vandyke_path):
    reads = prepare_reads(vandyke_path)
    flat = reads.ratings.reshape(10, -1)
    c = flat.shape[1]
    loo = np.empty((10, c))
    for k in range(c):
        keep = np.arange(c) != k
        f, tr = flat[:, keep], reads.truth[keep] == 1
        loo[:, k] = auc(f[:, tr], f[:, ~tr])
    dev = loo - loo.mean(axis=1, keepdims=True)
    want = (c - 1) / c * dev @ dev.T
    assert estimate_covariance(reads, FomSpec(), "jackknife").cov == pytest.approx(want, abs=1e-15)


def test_delong_and_jackknife_agree_on_large_case_samples():
    df = simulate_study(3, 1500, 1500, mu=(1.0, 1.3), seed=11)
    reads = prepare_reads(df)
    j = estimate_covariance(reads, FomSpec(), "jackknife").cov
    d = estimate_covariance(reads, FomSpec(), "delong").cov
    assert np.abs(j - d).max() / np.abs(d).max() < 2e-3


def test_bootstrap_is_reproducible_and_close_to_delong(vandyke_path):
    a = analyze(vandyke_path, cov="bootstrap", n_boot=400, seed=7)
    b = analyze(vandyke_path, cov="bootstrap", n_boot=400, seed=7)
    d = analyze(vandyke_path, cov="delong")
    assert a.rrrc.test.statistic == b.rrrc.test.statistic
    assert a.components.var_error == pytest.approx(d.components.var_error, rel=0.2)
    assert a.to_dict()["n_boot"] == 400


def test_leave_one_out_mean_equals_auc(vandyke_path):
    theta, loo = leave_one_out(prepare_reads(vandyke_path), FomSpec())
    assert loo.mean(axis=2) == pytest.approx(theta, abs=1e-12)


def test_delong_refuses_other_figures_of_merit(vandyke_path):
    with pytest.raises(MrmcDesignError, match="AUC only"):
        analyze(vandyke_path, cov="delong", fom="sensitivity", threshold=3)


def test_other_figures_of_merit_run_with_jackknife(vandyke_path):
    r = analyze(vandyke_path, fom="sensitivity", threshold=3)
    assert 0 < r.mean_auc["1"] <= 1 and r.fom.name == "sensitivity"
    p = analyze(vandyke_path, fom="pauc", max_fpr=0.2)
    assert 0 < p.mean_auc["2"] <= 0.2
