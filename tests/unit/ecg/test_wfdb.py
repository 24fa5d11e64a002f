"""Reading WFDB records: real PTB-XL files, every supported format, and every way a file can be broken."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from tests.factories import write_record

from medtandem.ecg import EcgReadError, read_record
from medtandem.ecg.record import STANDARD_LEADS, EcgRecord
from medtandem.ecg.wfdb import parse_header

BANK = Path(__file__).resolve().parents[3] / "src" / "medtandem" / "data" / "ptbxl500"


@pytest.fixture
def digital() -> np.ndarray:
    rng = np.random.default_rng(7)
    return rng.integers(-1500, 1500, size=(1000, 12)).astype(np.int32)


@pytest.mark.parametrize("fmt,scale", [(16, 1), (32, 1), (212, 1), (80, 0)])
def test_each_format_round_trips_to_millivolts(
    tmp_path: Path, digital: np.ndarray, fmt: int, scale: int
) -> None:
    values = digital if scale else np.clip(digital // 20, -128, 127)
    if fmt == 212:
        values = np.clip(values, -2048, 2047)
    path = write_record(tmp_path, "rec", values, fmt=fmt)
    record = read_record(path)
    assert record.signal.shape == (1000, 12)
    np.testing.assert_allclose(record.signal, values / 1000.0, atol=1e-6)
    assert record.fs == 500 and record.leads == STANDARD_LEADS
    assert record.meta["Age"] == "63"


def test_path_with_or_without_hea_extension(tmp_path: Path, digital: np.ndarray) -> None:
    path = write_record(tmp_path, "rec", digital)
    np.testing.assert_array_equal(read_record(path).signal, read_record(str(path) + ".hea").signal)


def test_lead_names_are_matched_case_insensitively(tmp_path: Path, digital: np.ndarray) -> None:
    upper = tuple(lead.upper() for lead in STANDARD_LEADS)
    record = read_record(write_record(tmp_path, "rec", digital, leads=upper))
    assert record.leads == STANDARD_LEADS
    np.testing.assert_array_equal(record.lead("avr"), record.lead("aVR"))


def test_corrupt_signal_fails_its_checksum_and_names_the_file(
    tmp_path: Path, digital: np.ndarray
) -> None:
    path = write_record(tmp_path, "rec", digital)
    raw = bytearray((tmp_path / "rec.dat").read_bytes())
    raw[100] ^= 0xFF
    (tmp_path / "rec.dat").write_bytes(bytes(raw))
    with pytest.raises(EcgReadError, match=r"rec\.dat: checksum mismatch"):
        read_record(path)


def test_truncated_signal_file_is_reported(tmp_path: Path, digital: np.ndarray) -> None:
    path = write_record(tmp_path, "rec", digital)
    (tmp_path / "rec.dat").write_bytes((tmp_path / "rec.dat").read_bytes()[:2400])
    with pytest.raises(EcgReadError, match="truncated"):
        read_record(path)


def test_missing_header_and_missing_signal_file(tmp_path: Path, digital: np.ndarray) -> None:
    with pytest.raises(EcgReadError, match="header file not found"):
        read_record(tmp_path / "nothing")
    path = write_record(tmp_path, "rec", digital)
    (tmp_path / "rec.dat").unlink()
    with pytest.raises(EcgReadError, match="signal file not found"):
        read_record(path)


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "empty header"),
        ("rec twelve 500 5000\n", "malformed record line"),
        ("rec 2 500 10\nrec.dat 16 1000(0)/mV\n", "declares 2 signals"),
        ("rec 1 500 10\nrec.dat 999 1000(0)/mV 16 0 0 0 0 I\n", "format 999 is not supported"),
        ("rec 1 500 10\nrec.dat 16 abc/mV 16 0 0 0 0 I\n", "malformed signal line"),
    ],
)
def test_malformed_headers_raise_clear_errors(text: str, message: str) -> None:
    with pytest.raises(EcgReadError, match=message):
        parse_header(text, "x.hea")


def test_matlab_signal_files_are_read(tmp_path: Path, digital: np.ndarray) -> None:
    from scipy.io import savemat

    savemat(tmp_path / "A0001.mat", {"val": digital.T.astype(np.int16)})
    lines = ["A0001 12 500 1000"] + [
        f"A0001.mat 16+24 1000/mV 16 0 0 {int(digital[:, i].sum()) % 65536} 0 {lead}"
        for i, lead in enumerate(STANDARD_LEADS)
    ]
    (tmp_path / "A0001.hea").write_text("\n".join(lines))
    np.testing.assert_allclose(read_record(tmp_path / "A0001").signal, digital / 1000.0, atol=1e-6)


def test_resampling_keeps_duration_and_standard_order() -> None:
    t = np.arange(5000) / 500
    sine = np.sin(2 * np.pi * 1.0 * t).astype(np.float32)
    record = EcgRecord(np.tile(sine[:, None], (1, 12)), 500.0, STANDARD_LEADS[::-1])
    low = record.resampled(100).standard_12()
    assert low.n_samples == 1000 and low.fs == 100 and low.leads == STANDARD_LEADS
    np.testing.assert_allclose(
        low.signal[100:900, 0], np.sin(2 * np.pi * np.arange(100, 900) / 100), atol=0.02
    )


def test_standard_12_names_missing_leads() -> None:
    record = EcgRecord(np.zeros((10, 2), np.float32), 100.0, ("I", "II"), "short")
    with pytest.raises(EcgReadError, match="lacks leads"):
        record.standard_12()


def test_real_ptbxl_file_matches_the_embedded_bank(tmp_path: Path) -> None:
    """The compact bank is lossless: its first record equals a WFDB file written from the same counts."""
    from medtandem.ecg.bundle import read_archive

    counts = read_archive(str(BANK / "signals500.npz.xz"))["00001_hr"]
    assert counts.shape == (5000, 12)
    record = read_record(write_record(tmp_path, "00001_hr", counts.astype(np.int32)))
    np.testing.assert_array_equal(np.rint(record.signal * 1000).astype(np.int16), counts)
    shutil.rmtree(tmp_path)
