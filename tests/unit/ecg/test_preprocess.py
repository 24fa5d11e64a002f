"""Every input path gives the same physical signal: any sampling rate, any length >= 8 s, baseline
wander and 50 or 60 Hz mains removed. The reference is the same real PTB-XL record at 500 Hz, clean."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from medtandem.ecg import EcgRecord, read_record
from medtandem.ecg.measure import measure
from medtandem.ecg.preprocess import WORK_FS, condition

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "ptbxl-first500"
BANK = Path(__file__).resolve().parents[3] / "src/medtandem/data/ptbxl500"


@pytest.fixture(scope="module")
def record() -> EcgRecord:
    if (DATA / "records500/00000/00008_hr.hea").is_file():
        return read_record(DATA / "records500/00000/00008_hr")
    from medtandem.ecg.ptbxl import iter_signals, read_database

    return next(r for e, r in iter_signals(read_database(BANK, limit=8), 500) if e.ecg_id == 8)


def _rms(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(a, float) - np.asarray(b, float)) ** 2)))


def _with(record: EcgRecord, signal: np.ndarray) -> EcgRecord:
    return EcgRecord(signal.astype(np.float32), record.fs, record.leads, record.record_id)


@pytest.mark.parametrize("fs", [100, 250, 257, 360, 500, 1000])
def test_any_sampling_rate_gives_the_same_conditioned_signal(record, fs):
    ref = condition(record).signal
    got = condition(record.resampled(fs)).signal
    assert got.shape == ref.shape == (int(10 * WORK_FS), 12)
    # 100 Hz keeps content up to ~45 Hz only; the 0.67-40 Hz band is shared by all rates.
    assert _rms(got[50:-50], ref[50:-50]) < (0.03 if fs == 100 else 0.01)


@pytest.mark.parametrize("fs", [100, 250, 257, 360, 1000])
def test_any_sampling_rate_gives_the_same_measurements(record, fs):
    ref, got = measure(record), measure(record.resampled(fs))
    assert got.heart_rate_bpm == pytest.approx(ref.heart_rate_bpm, abs=1.0)
    assert got.qrs_ms == pytest.approx(ref.qrs_ms, abs=12)
    assert got.qrs_axis_deg == pytest.approx(ref.qrs_axis_deg, abs=8)
    assert got.qt_ms is not None and ref.qt_ms is not None
    assert got.qt_ms == pytest.approx(ref.qt_ms, abs=20)


@pytest.mark.parametrize("seconds", [8, 10, 30])
def test_any_length_from_8_s_is_read_on_its_first_10_s(record, seconds):
    reps = int(np.ceil(seconds / 10))
    long = np.tile(record.signal, (reps, 1))[: int(seconds * record.fs)]
    got = condition(_with(record, long))
    assert got.duration_s == pytest.approx(min(seconds, 10), abs=1e-6)
    if seconds >= 10:
        assert _rms(got.signal, condition(record).signal) < 1e-4
    m = measure(_with(record, long))
    assert m.heart_rate_bpm == pytest.approx(measure(record).heart_rate_bpm, abs=2)


def test_baseline_wander_is_removed(record):
    t = np.arange(record.n_samples)[:, None] / record.fs
    wander = 0.5 * np.sin(2 * np.pi * 0.3 * t) + 0.3 * t / 10  # respiration and drift (mV)
    got = condition(_with(record, record.signal + wander)).signal
    assert _rms(got, condition(record).signal) < 0.03
    assert measure(_with(record, record.signal + wander)).st60_mv["V2"] == pytest.approx(
        measure(record).st60_mv["V2"], abs=0.03
    )


@pytest.mark.parametrize("mains_hz", [50.0, 60.0])
def test_mains_interference_is_removed_at_50_and_60_hz(record, mains_hz):
    t = np.arange(record.n_samples)[:, None] / record.fs
    hum = 0.2 * np.sin(2 * np.pi * mains_hz * t + np.arange(12)[None, :])
    noisy = _with(record, record.signal + hum)
    assert _rms(noisy.signal, record.signal) > 0.1
    assert _rms(condition(noisy).signal[50:-50], condition(record).signal[50:-50]) < 0.01
    ref, got = measure(record), measure(noisy)
    assert got.qrs_ms == pytest.approx(ref.qrs_ms, abs=8)
    assert got.r_mv["V5"] == pytest.approx(ref.r_mv["V5"], abs=0.03)


def test_lead_names_in_any_case_and_order_give_the_same_signal(record):
    order = list(range(12))[::-1]
    shuffled = EcgRecord(
        record.signal[:, order], record.fs, tuple(record.leads[i].upper() for i in order), "x"
    )
    np.testing.assert_array_equal(condition(shuffled).signal, condition(record).signal)
