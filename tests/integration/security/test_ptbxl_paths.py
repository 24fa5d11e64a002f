"""``import-ptbxl`` reads records only inside the dataset folder: ``..``, absolute paths and symbolic
links pointing out are refused, naming the CSV row, and nothing is imported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.factories import make_ptbxl_folder

from medtandem.apps.cases.models import Case
from medtandem.apps.cases.services import CaseImportError, import_ptbxl
from medtandem.cli import main
from medtandem.ecg.record import EcgReadError
from medtandem.ecg.wfdb import read_record

pytestmark = pytest.mark.django_db


def _folder_with_outside_record(tmp_path: Path) -> Path:
    root = make_ptbxl_folder(tmp_path / "ptbxl", 4)
    outside = tmp_path / "outside"
    outside.mkdir()
    for ext in (".hea", ".dat"):
        shutil.copy(root / "records500" / "00000" / f"00003_hr{ext}", outside / f"00003_hr{ext}")
    return root


def _rewrite(root: Path, old: str, new: str) -> None:
    csv = root / "ptbxl_database.csv"
    csv.write_text(csv.read_text().replace(old, new))


@pytest.mark.parametrize(
    "target",
    [
        "../outside/00003_hr",
        "records500/../../outside/00003_hr",
        "..\\outside\\00003_hr",
        "{tmp}/outside/00003_hr",
    ],
)
def test_a_record_path_leaving_the_folder_is_refused_and_nothing_imported(
    tmp_path: Path, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _folder_with_outside_record(tmp_path)
    _rewrite(root, "records500/00000/00003_hr", target.format(tmp=tmp_path))
    with pytest.raises(
        CaseImportError, match=r"line 4 \(ecg_id 3\).*filename_hr.*outside the dataset folder"
    ):
        import_ptbxl(root)
    assert main(["import-ptbxl", str(root)]) == 2
    err = capsys.readouterr().err
    assert "line 4" in err and "outside the dataset folder" in err and "Nothing was imported" in err
    assert Case.objects.count() == 0


def test_a_symbolic_link_pointing_out_is_refused(tmp_path: Path) -> None:
    root = _folder_with_outside_record(tmp_path)
    (root / "records500" / "evil").symlink_to(tmp_path / "outside", target_is_directory=True)
    _rewrite(root, "records500/00000/00003_hr", "records500/evil/00003_hr")
    with pytest.raises(CaseImportError, match=r"line 4 .*resolves outside the dataset folder"):
        import_ptbxl(root)
    assert Case.objects.count() == 0


def test_a_symlinked_header_file_pointing_out_is_refused(tmp_path: Path) -> None:
    root = _folder_with_outside_record(tmp_path)
    hea = root / "records500" / "00000" / "00003_hr.hea"
    hea.unlink()
    hea.symlink_to(tmp_path / "outside" / "00003_hr.hea")
    with pytest.raises(CaseImportError, match="resolves outside the dataset folder"):
        import_ptbxl(root)
    assert Case.objects.count() == 0


def test_a_header_naming_a_signal_file_elsewhere_is_refused(tmp_path: Path) -> None:
    root = make_ptbxl_folder(tmp_path / "ptbxl", 1)
    hea = root / "records500" / "00000" / "00001_hr.hea"
    hea.write_text(hea.read_text().replace("00001_hr.dat", "../../../outside.dat"))
    with pytest.raises(EcgReadError, match="must be a plain name"):
        read_record(hea)


def test_the_standard_layout_still_imports(tmp_path: Path) -> None:
    root = make_ptbxl_folder(tmp_path / "ptbxl", 2)
    assert import_ptbxl(root).created == 2
