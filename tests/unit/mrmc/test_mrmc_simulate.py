from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from medtandem.mrmc import MrmcInputError, analyze, simulate_study


def test_simulated_study_has_one_row_per_read():
    df = simulate_study(4, 20, 30, mu=(1.0, 1.0, 1.0), seed=1)
    assert len(df) == 4 * 50 * 3
    assert list(df.columns) == ["reader", "case", "modality", "truth", "rating"]
    assert df.groupby("case")["truth"].nunique().max() == 1


def test_mean_auc_follows_the_separation():
    """Average-reader AUC is about Phi(mu / sqrt(2 (var_r + var_tr + 1)))."""
    r = analyze(simulate_study(10, 400, 400, mu=(1.0, 2.0), seed=2))
    sd = np.sqrt(2 * (0.011 + 0.011 + 1.1))
    assert r.mean_auc["1"] == pytest.approx(stats.norm.cdf(1.0 / sd), abs=0.03)
    assert r.mean_auc["2"] == pytest.approx(stats.norm.cdf(2.0 / sd), abs=0.03)


def test_simulation_is_reproducible_with_a_seed():
    a = simulate_study(3, 10, 10, seed=4)
    b = simulate_study(3, 10, 10, seed=4)
    assert a.equals(b)


def test_bad_group_count_is_refused():
    with pytest.raises(MrmcInputError, match="reader_groups"):
        simulate_study(2, 10, 10, reader_groups=3)
