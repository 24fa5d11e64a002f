from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path("/work/shared/data/ptbxl-first500")
BANK = Path(__file__).resolve().parents[3] / "src/medtandem/data/ptbxl500"


@pytest.fixture(scope="session")
def ptbxl_dir() -> Path:
    if not DATA.is_dir():
        pytest.skip("PTB-XL subset not available")
    return DATA


@pytest.fixture(scope="session")
def record_path(ptbxl_dir: Path) -> Path:
    return ptbxl_dir / "records500/00000/00008_hr"
