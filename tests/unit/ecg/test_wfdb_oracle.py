"""The product's WFDB reader against the `wfdb` package (PhysioNet's own Python reader) as an oracle,
on every signal format PhysioNet's 12-lead datasets use: 16 (PTB-XL), 212 (MIT-BIH style), 24 and 32
(high-resolution exports) and `.mat` (PhysioNet/CinC Challenge 2020-2021). The test files are
written by `wfdb.wrsamp` (and `wfdb_to_mat`), not by our code."""

from __future__ import annotations

import os

import numpy as np
import pytest

from medtandem.ecg import read_record
from medtandem.ecg.record import STANDARD_LEADS

wfdb = pytest.importorskip("wfdb")

FS = 500
N = 5000  # 10 s


def _physical(gain: float) -> np.ndarray:
    """A 12-lead signal (mV) with fine detail, exactly representable at ``gain`` counts per mV."""
    rng = np.random.default_rng(7)
    t = np.arange(N) / FS
    x = np.stack(
        [
            0.8 * np.sin(2 * np.pi * (1.1 + 0.1 * k) * t) + 0.05 * rng.normal(size=N)
            for k in range(12)
        ],
        1,
    )
    return np.round(x * gain) / gain


def _write(tmp_path, name: str, fmt: str, gain: float, units: str = "mV") -> str:
    scale = 1000.0 if units == "uV" else 1.0
    sig = _physical(gain) * scale
    digital = np.round(sig * gain / scale).astype(np.int64)  # counts per mV -> per header unit
    adc_gain = gain / scale
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        wfdb.wrsamp(
            name,
            fs=FS,
            units=[units] * 12,
            sig_name=list(STANDARD_LEADS),
            d_signal=digital,
            fmt=[fmt] * 12,
            adc_gain=[adc_gain] * 12,
            baseline=[0] * 12,
        )
    finally:
        os.chdir(cwd)
    return str(tmp_path / name)


@pytest.mark.parametrize(
    ("fmt", "gain"), [("16", 1000.0), ("212", 200.0), ("24", 10000.0), ("32", 100000.0)]
)
def test_reader_matches_wfdb_on_every_format(tmp_path, fmt, gain):
    path = _write(tmp_path, f"rec{fmt}", fmt, gain)
    ours = read_record(path)
    oracle = wfdb.rdrecord(path)
    assert ours.fs == oracle.fs
    assert list(ours.leads) == list(STANDARD_LEADS)
    np.testing.assert_allclose(ours.signal, oracle.p_signal, atol=1.5 / gain, rtol=1e-6)


def test_gain_and_microvolt_units_come_from_the_header(tmp_path):
    path = _write(tmp_path, "recuv", "16", 1000.0, units="uV")
    oracle = wfdb.rdrecord(path)
    assert oracle.units[0] == "uV"
    ours = read_record(path)
    np.testing.assert_allclose(
        ours.signal, oracle.p_signal / 1000.0, atol=2e-3, rtol=1e-6
    )  # µV -> mV


@pytest.mark.parametrize(("gain", "units"), [(1000.0, "mV"), (200.0, "mV"), (1000.0, "uV")])
def test_reader_matches_wfdb_on_a_mat_record(tmp_path, gain, units):
    """The .mat signal is raw counts: gain and units must come from its header, as for .dat."""
    from wfdb.io.convert.matlab import wfdb_to_mat

    path = _write(tmp_path, "recm", "16", gain, units=units)
    to_mv = 1000.0 if units == "uV" else 1.0
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        wfdb_to_mat("recm")  # writes recmm.mat and recmm.hea (the Challenge layout)
    finally:
        os.chdir(cwd)
    assert (tmp_path / "recmm.mat").is_file()
    ours = read_record(tmp_path / "recmm")
    oracle = wfdb.rdrecord(str(tmp_path / "recmm"))
    assert oracle.units[0] == units
    np.testing.assert_allclose(ours.signal, oracle.p_signal / to_mv, atol=1.5 / gain, rtol=1e-6)
    np.testing.assert_allclose(ours.signal, wfdb.rdrecord(path).p_signal / to_mv, atol=1.5 / gain)
    np.testing.assert_allclose(ours.signal, _physical(gain), atol=1.5 / gain)
