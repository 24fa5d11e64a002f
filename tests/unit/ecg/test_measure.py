"""Specification of medtandem.ecg.measure on synthetic ECGs with known intervals, and on real records."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from tests.factories import FS, synthetic

from medtandem.ecg import EcgRecord, read_record
from medtandem.ecg.measure import MeasurementError, measure
from medtandem.ecg.record import STANDARD_LEADS

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "ptbxl-first500"


def test_heart_rate_is_read_from_the_rr_interval():
    m = measure(synthetic(rr_ms=800))
    assert m.heart_rate_bpm == pytest.approx(75.0, abs=1.0)
    assert m.rr_mean_ms == pytest.approx(800.0, abs=5)


def test_pr_interval_matches_the_synthetic_timing():
    assert measure(synthetic(pr_ms=200)).pr_ms == pytest.approx(200, abs=16)


def test_qrs_duration_matches_the_synthetic_complex():
    assert measure(synthetic(qrs_ms=100)).qrs_ms == pytest.approx(100, abs=16)
    assert measure(synthetic(qrs_ms=140)).qrs_ms == pytest.approx(140, abs=16)


def test_qt_is_read_by_the_tangent_method_slightly_early():
    m = measure(synthetic(qt_ms=400))
    assert m.qt_ms is not None
    assert 370 <= m.qt_ms <= 410


def test_qtc_follows_bazett_and_fridericia():
    m = measure(synthetic(rr_ms=750, qt_ms=360))
    rr_s = m.rr_mean_ms / 1000
    assert m.qtc_bazett_ms == pytest.approx(m.qt_ms / math.sqrt(rr_s))
    assert m.qtc_fridericia_ms == pytest.approx(m.qt_ms / rr_s ** (1 / 3))


@pytest.mark.parametrize("axis", [-30, 0, 60, 100])
def test_frontal_axis_follows_the_projected_vector(axis):
    assert measure(synthetic(axis_deg=axis)).qrs_axis_deg == pytest.approx(axis, abs=10)


def test_st_elevation_is_read_at_j_plus_60_ms():
    m = measure(synthetic(st_mv={"V2": 0.2, "II": -0.1}))
    assert m.st60_mv["V2"] == pytest.approx(0.2, abs=0.05)
    assert m.st60_mv["II"] == pytest.approx(-0.1, abs=0.05)
    assert abs(m.st60_mv["V5"]) < 0.05


def test_voltages_follow_sokolow_lyon_and_cornell():
    m = measure(synthetic())
    assert m.sokolow_lyon_mv == pytest.approx(m.s_mv["V1"] + max(m.r_mv["V5"], m.r_mv["V6"]))
    assert m.cornell_mv == pytest.approx(m.r_mv["aVL"] + m.s_mv["V3"])


def test_irregular_rhythm_without_p_waves_has_high_rr_variability_and_no_pr():
    m = measure(synthetic(p_wave=False, rr_jitter_ms=250))
    assert m.pr_ms is None
    assert m.rr_irregularity > 0.1
    assert measure(synthetic()).rr_irregularity < 0.02


def test_measurements_do_not_depend_on_the_sampling_rate():
    rec = synthetic()
    a, b = measure(rec), measure(rec.resampled(250))
    assert a.qrs_ms == pytest.approx(b.qrs_ms, abs=8)
    assert a.heart_rate_bpm == pytest.approx(b.heart_rate_bpm, abs=1)


def test_to_dict_is_json_with_units_in_the_names():
    d = measure(synthetic()).to_dict()
    json.dumps(d)
    assert {
        "heart_rate_bpm",
        "pr_ms",
        "qrs_ms",
        "qt_ms",
        "qtc_bazett_ms",
        "qrs_axis_deg",
        "st60_mv",
    } <= set(d)
    assert set(d["st60_mv"]) == set(STANDARD_LEADS)


def test_too_short_or_flat_records_raise_a_clear_error():
    short = EcgRecord(np.zeros((500, 12), np.float32), FS, STANDARD_LEADS, "short")
    with pytest.raises(MeasurementError, match="at least 3 s"):
        measure(short)
    flat = EcgRecord(np.zeros((5000, 12), np.float32), FS, STANDARD_LEADS, "flat")
    with pytest.raises(MeasurementError, match="QRS"):
        measure(flat)


@pytest.mark.skipif(not DATA.is_dir(), reason="PTB-XL subset not available")
@pytest.mark.parametrize("ecg_id", [1, 2, 3, 8])
def test_real_sinus_records_have_physiological_values(ecg_id):
    m = measure(read_record(DATA / f"records500/00000/{ecg_id:05d}_hr"))
    assert 40 <= m.heart_rate_bpm <= 110
    assert m.pr_ms is not None and 100 <= m.pr_ms <= 260
    assert 60 <= m.qrs_ms <= 120
    assert m.qt_ms is not None and 320 <= m.qt_ms <= 460
