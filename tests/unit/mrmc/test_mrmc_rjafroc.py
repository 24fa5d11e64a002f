"""DBM and power on the Van Dyke data against the values RJafroc stores in its test suite.

RJafroc (github.com/dpc10ster/RJafroc), ``tests/testthat/goodValues361/``: dataset02 is the Van
Dyke data (trt0/trt1 = modalities 1/2, rdr0..rdr4 = readers 1..5). The .rds files were read
with ``readRDS`` under R 4.2.2 and their numbers copied here:

* ``MeanSquares/dataset02Wilcoxon-DBM.rds``: DBM mean squares (Wilcoxon = empirical AUC);
* ``UtilVarComponents/DbmDataset02.rds``: per-modality (IndividualTrt) and per-reader
  (IndividualRdr) mean squares: DF, MS(R)/MS(T), MS(C), MS(RC)/MS(TC);
* ``SsPower/dataset02-RRRC.rds``: ``SsPowerGivenJK(dataset02, FOM = "Wilcoxon", method = "OR",
  effectSize = -0.043800322, J = 10, K = 165)``.

The RRRC, FRRC (global and per reader) and RRFC statistics are computed here from RJafroc's
mean squares with the formulas of Hillis (2008) — an oracle that does not use our ANOVA.
"""

from __future__ import annotations

import pytest
from scipy import stats

from medtandem.mrmc import analyze, power

RJ_MS = dict(
    ms_t=0.546763440609,
    ms_r=0.437326798758,
    ms_c=0.396869884239,
    ms_tr=0.0628174908788,
    ms_tc=0.0998480842327,
    ms_rc=0.0645010603796,
    ms_trc=0.0399716031905,
)
# IndividualRdr: per reader (MS(T), MS(C), MS(TC)), df (1, 113, 113)
RJ_READER = [
    (0.045265544898, 0.1222497995405, 0.0370995278147),
    (0.1234489330751, 0.2127482380307, 0.0394318080452),
    (0.0182111601204, 0.1365339081417, 0.0555203976654),
    (0.0392705391802, 0.0172893687055, 0.0170423536242),
    (0.571837226851, 0.166052811339, 0.110640409845),
]
# IndividualTrt: per modality (MS(R), MS(C), MS(RC)), df (4, 113, 452)
RJ_MODALITY = [
    (0.3514196675146, 0.3362942982005, 0.0604360706458),
    (0.1487246221226, 0.1604236702711, 0.0440365929243),
]
C, R, T = 114, 5, 2
REL = 1e-9


@pytest.fixture(scope="module")
def dbm(vandyke_path):
    return analyze(vandyke_path, method="dbm")


def test_dbm_mean_squares_match_rjafroc(dbm):
    for key, value in RJ_MS.items():
        assert getattr(dbm.dbm_components, key) == pytest.approx(value, rel=REL), key


def test_dbm_rrrc_from_rjafroc_mean_squares(dbm):
    den = RJ_MS["ms_tr"] + max(RJ_MS["ms_tc"] - RJ_MS["ms_trc"], 0)
    f = RJ_MS["ms_t"] / den
    ddf = den**2 / (RJ_MS["ms_tr"] ** 2 / ((T - 1) * (R - 1)))
    t = dbm.rrrc.test
    assert (t.statistic, t.df2, t.p) == pytest.approx((f, ddf, stats.f.sf(f, 1, ddf)), rel=REL)
    assert t.statistic == pytest.approx(4.456319, abs=5e-7)  # = OR, as published
    for (ms_r, ms_c, ms_rc), m in zip(RJ_MODALITY, dbm.rrrc.modalities, strict=True):
        tot = ms_r + max(ms_c - ms_rc, 0)
        assert m.se == pytest.approx((tot / (R * C)) ** 0.5, rel=REL)
        assert m.df == pytest.approx(tot**2 / (ms_r**2 / (R - 1)), rel=REL)


def test_dbm_frrc_global_and_per_reader_from_rjafroc_mean_squares(dbm):
    df2 = (T - 1) * (C - 1)
    f = RJ_MS["ms_t"] / RJ_MS["ms_tc"]
    t = dbm.frrc.test
    assert (t.statistic, t.df2, t.p) == pytest.approx((f, df2, stats.f.sf(f, 1, df2)), rel=REL)
    assert dbm.frrc.differences[0].se == pytest.approx(
        (2 * RJ_MS["ms_tc"] / (R * C)) ** 0.5, rel=REL
    )
    for (ms_t, _, ms_tc), d in zip(RJ_READER, dbm.frrc.reader_differences, strict=True):
        # reader j: F_j = MS(T)_j / MS(TC)_j on (1, c - 1), i.e. t^2 for the difference
        assert d.statistic**2 == pytest.approx(ms_t / ms_tc, rel=REL)
        assert d.se == pytest.approx((2 * ms_tc / C) ** 0.5, rel=REL)
        assert d.p == pytest.approx(stats.f.sf(ms_t / ms_tc, 1, C - 1), rel=1e-7)


def test_dbm_rrfc_from_rjafroc_mean_squares(dbm):
    f = RJ_MS["ms_t"] / RJ_MS["ms_tr"]
    t = dbm.rrfc.test
    assert (t.statistic, t.df2, t.p) == pytest.approx((f, 4, stats.f.sf(f, 1, 4)), rel=REL)
    assert t.statistic == pytest.approx(8.704, abs=5e-4)  # as published (OR-DBM MRMC)
    for (ms_r, _, _), m in zip(RJ_MODALITY, dbm.rrfc.modalities, strict=True):
        assert m.se == pytest.approx((ms_r / (R * C)) ** 0.5, rel=REL)


def test_power_matches_rjafroc_sspowergivenjk(vandyke_path):
    res = power(analyze(vandyke_path), -0.043800322, 10, 165)
    assert res.power == pytest.approx(0.805419947002, rel=1e-8)
    assert res.noncentrality == pytest.approx(8.20959703275, rel=1e-9)
    assert res.ddf == pytest.approx(62.707279715, rel=1e-9)
