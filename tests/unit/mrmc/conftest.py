from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def vandyke_path() -> Path:
    return DATA / "vandyke.csv"


@pytest.fixture(scope="session")
def vandyke(vandyke_path: Path) -> pd.DataFrame:
    return pd.read_csv(vandyke_path, dtype={"reader": str, "case": str, "modality": str})


# Incomplete designs cut from the Van Dyke data, for the MRMCaov cross-checks
# (data/mrmcaov_reference.R read CSVs written from these rules).
def _ints(v: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    return v["case"].astype(int), v["reader"].astype(int), v["modality"].astype(int)


@pytest.fixture(scope="session")
def vandyke_split_plot(vandyke: pd.DataFrame) -> pd.DataFrame:
    """Readers 1-2 read the odd-numbered cases, readers 3-5 the even-numbered ones."""
    c, r, _ = _ints(vandyke)
    return vandyke[((r <= 2) & (c % 2 == 1)) | ((r >= 3) & (c % 2 == 0))]


@pytest.fixture(scope="session")
def vandyke_partially_paired(vandyke: pd.DataFrame) -> pd.DataFrame:
    """The reads with (3 case + 5 reader + modality) % 7 == 0 dropped (978 of 1,140 kept)."""
    c, r, m = _ints(vandyke)
    return vandyke[(3 * c + 5 * r + m) % 7 != 0]


@pytest.fixture(scope="session")
def vandyke_nested_in_readers(vandyke: pd.DataFrame) -> pd.DataFrame:
    """Reader j reads the cases with case % 5 == j - 1 (each case read by one reader)."""
    c, r, _ = _ints(vandyke)
    return vandyke[(c % 5) == (r - 1)]
