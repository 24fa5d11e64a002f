"""Van Dyke (1993) data: every published figure of shared/data/mrmc/README.md, to the digits published.

Sources: OR-DBM MRMC 2.5/2.51 output; MRMCaov 0.3.0; Smith, Hillis & Pesce, "MRMCaov: ..." (JSS).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from medtandem.mrmc import analyze


def assert_published(value: float, published: str) -> None:
    """``value`` rounds to ``published`` at the digits given (at least 6 significant when given)."""
    exponent = Decimal(published).as_tuple().exponent
    assert isinstance(exponent, int)
    half_ulp = 0.5 * 10.0**exponent
    assert abs(value - float(published)) <= half_ulp * (1 + 1e-9), (value, published)


@pytest.fixture(scope="module")
def jack(vandyke_path):
    return analyze(vandyke_path, cov="jackknife")


@pytest.fixture(scope="module")
def delong(vandyke_path):
    return analyze(vandyke_path, cov="delong")


def test_mean_auc_per_modality_and_difference(jack):
    assert_published(jack.mean_auc["1"], "0.89703704")
    assert_published(jack.mean_auc["2"], "0.94083736")
    assert_published(jack.rrrc.differences[0].estimate, "-0.04380032")
    assert jack.rrrc.differences[0].comparison == "1 - 2"


def test_rrrc_jackknife(jack):
    t, d = jack.rrrc.test, jack.rrrc.differences[0]
    assert_published(t.statistic, "4.456319")
    assert t.df1 == 1
    assert_published(t.df2, "15.25967")
    assert_published(t.p, "0.051666")
    assert_published(d.se, "0.02074862")
    assert_published(d.ci_lower, "-0.0879595")
    assert_published(d.ci_upper, "0.0003589")
    assert_published(d.p, "0.051666")


def test_rrrc_delong(delong):
    t, d = delong.rrrc.test, delong.rrrc.differences[0]
    assert_published(t.statistic, "4.484854")
    assert_published(t.df2, "15.06611")
    assert_published(t.p, "0.05123303")
    assert_published(d.se, "0.02068250")
    assert_published(d.ci_lower, "-0.0878672")
    assert_published(d.ci_upper, "0.0002666")


def test_frrc_jackknife(jack):
    t, d = jack.frrc.test, jack.frrc.differences[0]
    assert t.distribution == "chi2" and t.df1 == 1 and t.df2 is None
    assert_published(t.statistic, "5.475953")
    assert_published(t.p, "0.01927984")
    assert_published(d.se, "0.01871748")
    assert_published(d.ci_lower, "-0.08049")
    assert_published(d.ci_upper, "-0.00711")


def test_frrc_delong(delong):
    t, d = delong.frrc.test, delong.frrc.differences[0]
    assert_published(t.statistic, "5.545789")
    assert_published(t.p, "0.01852520")
    assert_published(d.se, "0.01859926")


@pytest.mark.parametrize("cov", ["jackknife", "delong"])
def test_rrfc_does_not_depend_on_covariance(vandyke_path, cov):
    result = analyze(vandyke_path, cov=cov)
    t, d = result.rrfc.test, result.rrfc.differences[0]
    assert_published(t.statistic, "8.704")
    assert (t.df1, t.df2) == (1, 4)
    assert_published(t.p, "0.04195875")
    assert_published(d.se, "0.01484629")
    assert_published(d.ci_lower, "-0.08502")
    assert_published(d.ci_upper, "-0.00258")


def test_or_components_jackknife(jack):
    c = jack.components
    assert_published(c.var_r, "0.00153500")
    assert_published(c.var_tr, "0.00020040")
    assert_published(c.var_error, "0.00080229")
    assert_published(c.cov1, "0.00034661")
    assert_published(c.cov2, "0.00034407")
    assert_published(c.cov3, "0.00023903")


def test_single_modality_rrrc_intervals(jack):
    m1, m2 = jack.rrrc.modalities
    assert (m1.modality, m2.modality) == ("1", "2")
    assert_published(m1.se, "0.03317360")
    assert_published(m1.df, "12.74465")
    assert_published(m1.ci_lower, "0.82522")
    assert_published(m1.ci_upper, "0.96885")
    assert_published(m2.se, "0.02156637")
    assert_published(m2.df, "12.71019")
    assert_published(m2.ci_lower, "0.89414")
    assert_published(m2.ci_upper, "0.98754")


def test_dbm_rrrc_equals_published_or_jackknife(vandyke_path):
    """Hillis (2008): DBM on pseudovalues equals OR with jackknife covariance (RRRC, RRFC)."""
    dbm = analyze(vandyke_path, method="dbm")
    t, d = dbm.rrrc.test, dbm.rrrc.differences[0]
    assert_published(t.statistic, "4.456319")
    assert_published(t.df2, "15.25967")
    assert_published(t.p, "0.051666")
    assert_published(d.se, "0.02074862")
    assert_published(dbm.rrrc.modalities[0].se, "0.03317360")
    assert_published(dbm.rrrc.modalities[1].df, "12.71019")
    assert_published(dbm.rrfc.test.statistic, "8.704")
    assert_published(dbm.rrfc.differences[0].se, "0.01484629")


def test_dbm_frrc_is_f_test_on_case_df(vandyke_path):
    """DBM FRRC: F = MS(T)/MS(TC) on (t-1, (t-1)(c-1)) = (1, 113); OR-DBM MRMC gives F 5.48, p 0.021."""
    t = analyze(vandyke_path, method="dbm").frrc.test
    assert (t.df1, t.df2) == (1, 113)
    assert t.statistic == pytest.approx(5.475953, rel=1e-6)
    assert t.p == pytest.approx(0.021035, abs=5e-6)


def test_dbm_components_match_or_components(vandyke_path):
    dbm = analyze(vandyke_path, method="dbm")
    assert dbm.dbm_components is not None
    assert dbm.dbm_components.var_r == pytest.approx(dbm.components.var_r, rel=1e-9)
    assert dbm.dbm_components.var_tr == pytest.approx(dbm.components.var_tr, rel=1e-9)
