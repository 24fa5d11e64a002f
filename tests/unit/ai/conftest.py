from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "ptbxl-first500"
BANK = Path(__file__).resolve().parents[3] / "src/medtandem/data/ptbxl500"


@pytest.fixture(scope="session")
def ptbxl_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared PTB-XL subset when it is beside the checkout, else real records written as WFDB."""
    if SHARED.is_dir():
        return SHARED
    from tests.factories import make_ptbxl_folder

    return make_ptbxl_folder(tmp_path_factory.mktemp("ptbxl"), n=60, rates=(100, 500))


@pytest.fixture(scope="session")
def record_path(ptbxl_dir: Path) -> Path:
    return ptbxl_dir / "records500/00000/00008_hr"
