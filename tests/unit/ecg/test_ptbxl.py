"""PTB-XL metadata: labels derived as in the benchmark, and clear errors for broken CSVs."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from medtandem.ecg.bundle import decode_signal, encode_signal
from medtandem.ecg.ptbxl import derive_rhythm, iter_signals, read_database
from medtandem.ecg.record import EcgReadError

BANK = Path(__file__).resolve().parents[3] / "src" / "medtandem" / "data" / "ptbxl500"


def test_embedded_bank_has_500_records_with_the_published_label_counts() -> None:
    db = read_database(BANK)
    assert len(db.entries) == 500
    counts = {
        s: sum(s in e.superclasses for e in db.entries) for s in ("NORM", "STTC", "CD", "MI", "HYP")
    }
    # Counts stated in the subset's README (shared/data/ptbxl-first500/README.md).
    assert counts == {"NORM": 297, "STTC": 96, "CD": 78, "MI": 73, "HYP": 40}
    assert sum(not e.superclasses for e in db.entries) == 12
    first = db.entries[0]
    assert (first.ecg_id, first.age, first.sex, first.strat_fold) == (1, 56, "F", 3)
    assert first.superclasses == ("NORM",) and first.rhythm == "sinus"


def test_rhythm_groups() -> None:
    assert derive_rhythm({"AFIB": 100.0, "SR": 0.0}) == "afib_flutter"
    assert derive_rhythm({"SBRAD": 0.0}) == "sinus"
    assert derive_rhythm({"PACE": 0.0}) == "other"


def test_archive_signals_are_read_at_500_and_100_hz() -> None:
    db = read_database(BANK, limit=2)
    (entry, rec500), _ = list(iter_signals(db, 500))
    (_, rec100), _ = list(iter_signals(db, 100))
    assert rec500.signal.shape == (5000, 12) and rec100.signal.shape == (1000, 12)
    assert entry.ecg_id == 1


def _copy_bank_with(tmp_path: Path, transform) -> Path:  # type: ignore[no-untyped-def]
    for name in ("scp_statements.csv", "signals500.npz.xz"):
        (tmp_path / name).symlink_to(BANK / name)
    with (BANK / "ptbxl_database.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    fields, rows = transform(list(rows[0].keys()), rows[:5])
    with (tmp_path / "ptbxl_database.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return tmp_path


def test_missing_columns_are_named(tmp_path: Path) -> None:
    root = _copy_bank_with(tmp_path, lambda f, r: ([c for c in f if c != "scp_codes"], r))
    with pytest.raises(EcgReadError, match=r"missing columns \['scp_codes'\]"):
        read_database(root)


def test_malformed_row_names_its_line(tmp_path: Path) -> None:
    def spoil(fields, rows):  # type: ignore[no-untyped-def]
        rows[2]["scp_codes"] = "{'NORM': 100.0"
        return fields, rows

    root = _copy_bank_with(tmp_path, spoil)
    with pytest.raises(EcgReadError, match="line 4"):
        read_database(root)


def test_signal_blob_round_trip_is_lossless_at_one_microvolt() -> None:
    rng = np.random.default_rng(3)
    signal = (rng.integers(-3000, 3000, size=(5000, 12)) / 1000).astype(np.float32)
    blob = encode_signal(signal)
    assert len(blob) < signal.nbytes / 2
    np.testing.assert_allclose(decode_signal(blob), signal, atol=1e-6)
