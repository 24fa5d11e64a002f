"""Writing a WFDB record: what :func:`read_record` reads back is the record, sample for sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from medtandem.ecg.record import STANDARD_LEADS, EcgRecord
from medtandem.ecg.wfdb import read_record, write_record


def test_a_written_record_reads_back_identical(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    counts = rng.integers(-3000, 3000, size=(5000, 12))
    record = EcgRecord((counts / 1000.0).astype(np.float32), 500.0, STANDARD_LEADS, "x")
    header, data = write_record(record, "D-abc123")
    (tmp_path / "D-abc123.hea").write_text(header)
    (tmp_path / "D-abc123.dat").write_bytes(data)
    back = read_record(tmp_path / "D-abc123")  # verifies the checksums written
    assert back.leads == STANDARD_LEADS
    assert back.fs == 500.0
    assert len(data) == 5000 * 12 * 2
    np.testing.assert_array_equal(np.rint(back.signal * 1000).astype(int), counts)


@pytest.mark.parametrize("name", ["../x", "a b", "", "x.hea", "a/b"])
def test_a_record_name_that_is_not_plain_is_refused(name: str) -> None:
    record = EcgRecord(np.zeros((10, 1), dtype=np.float32), 100.0, ("I",))
    with pytest.raises(ValueError, match="record name"):
        write_record(record, name)


def test_a_signal_beyond_int16_at_the_gain_is_refused() -> None:
    record = EcgRecord(np.full((10, 1), 40.0, dtype=np.float32), 100.0, ("I",))
    with pytest.raises(ValueError, match="int16"):
        write_record(record, "big")
