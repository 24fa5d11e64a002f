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
