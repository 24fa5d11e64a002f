import numpy as np
import pytest

from medtandem.ecg import EcgReadError
from medtandem.ecg.ptbxl import iter_signals, read_database

from .conftest import BANK


def test_bank_and_wfdb_layouts_give_the_same_500_hz_signals(ptbxl_dir):
    wfdb = list(iter_signals(read_database(ptbxl_dir, limit=3), 500))
    bank = list(iter_signals(read_database(BANK, limit=3), 500))
    for (e1, r1), (e2, r2) in zip(wfdb, bank, strict=True):
        assert e1.ecg_id == e2.ecg_id
        assert r1.leads == r2.leads and r1.fs == r2.fs == 500
        np.testing.assert_allclose(r1.signal, r2.signal, atol=1e-6)


def test_bank_is_resampled_to_100_hz_when_asked():
    ((_, rec),) = list(iter_signals(read_database(BANK, limit=1), 100))
    assert rec.fs == 100 and rec.signal.shape == (1000, 12)


def test_an_unsupported_rate_is_refused():
    with pytest.raises(ValueError, match="100 or 500"):
        next(iter_signals(read_database(BANK, limit=1), 250))


def test_a_folder_without_signals_names_the_missing_record(tmp_path):
    for name in ("ptbxl_database.csv", "scp_statements.csv"):
        (tmp_path / name).write_bytes((BANK / name).read_bytes())
    with pytest.raises(EcgReadError, match="no WFDB record"):
        next(iter_signals(read_database(tmp_path, limit=1), 500))
