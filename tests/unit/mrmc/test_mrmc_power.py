from __future__ import annotations

import pytest
from scipy import stats

from medtandem.mrmc import MrmcInputError, analyze, power, sample_size


@pytest.fixture(scope="module")
def pilot(vandyke_path):
    return analyze(vandyke_path)


def test_power_at_the_pilot_size_uses_the_pilot_f_as_noncentrality(pilot):
    """With the pilot's own size and effect, lambda equals the observed F (Var(TR) > 0 here)."""
    d = abs(pilot.rrrc.differences[0].estimate)
    res = power(pilot, d, 5, pilot.n_cases)
    assert res.noncentrality == pytest.approx(pilot.rrrc.test.statistic, rel=1e-4)
    assert res.ddf == pytest.approx(pilot.rrrc.test.df2, rel=1e-4)
    crit = stats.f.ppf(0.95, 1, res.ddf)
    assert res.power == pytest.approx(stats.ncf.sf(crit, 1, res.ddf, res.noncentrality))


def test_power_grows_with_readers_and_cases(pilot):
    base = power(pilot, 0.05, 5, 100).power
    assert power(pilot, 0.05, 10, 100).power > base
    assert power(pilot, 0.05, 5, 300).power > base
    assert power(pilot, 0.0, 5, 100).power == pytest.approx(0.05)


def test_sample_size_is_the_fewest_cases_reaching_the_target(pilot):
    plan = sample_size(pilot, 0.05, 0.8, readers=[4, 6, 10])
    for r in (4, 6, 10):
        n = plan.cases_for(r)
        assert n is not None
        assert power(pilot, 0.05, r, n).power >= 0.8
        assert power(pilot, 0.05, r, n - 1).power < 0.8
    assert plan.cases_for(10) < plan.cases_for(4)


def test_too_few_readers_cannot_reach_the_target(pilot):
    plan = sample_size(pilot, 0.05, 0.8, readers=[2])
    assert plan.cases_for(2) is None
    assert "unreachable" in plan.summary()


def test_power_needs_the_pilot_case_count(pilot):
    with pytest.raises(MrmcInputError, match="pilot_cases"):
        power(pilot.components, 0.05, 5, 100)
    assert power(pilot.components, 0.05, 5, 100, pilot_cases=114).power == pytest.approx(
        power(pilot, 0.05, 5, 100).power
    )
