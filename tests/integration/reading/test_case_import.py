"""Importing PTB-XL: complete, idempotent, and atomic when a file is broken."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.factories import make_ptbxl_folder

from medtandem.apps.cases.models import Case, CaseSignal, ScpStatement
from medtandem.apps.cases.selectors import record_of
from medtandem.apps.cases.services import CaseImportError, import_demo_bank, import_ptbxl
from medtandem.cli import main

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "ptbxl-first500"


def _wfdb_folder(tmp_path: Path, n: int = 4) -> Path:
    return make_ptbxl_folder(tmp_path / "ptbxl", n)


@pytest.mark.django_db
def test_demo_bank_import_creates_cases_with_truth_signal_and_statements() -> None:
    report = import_demo_bank(limit=5)
    assert (report.created, report.updated) == (5, 0)
    first = Case.objects.get(external_id="ptbxl:00001")
    assert (
        first.superclasses == ["NORM"]
        and first.rhythm == "sinus"
        and first.age == 56
        and first.sex == "F"
    )
    assert "sinusrhythmus" in first.report
    assert first.licence == "CC BY 4.0" and "Wagner" in first.attribution
    record = record_of(first)
    assert record.signal.shape == (5000, 12) and record.fs == 500
    assert ScpStatement.objects.get(code="AFIB").description == "atrial fibrillation"


@pytest.mark.django_db
def test_reimport_is_idempotent() -> None:
    import_demo_bank(limit=5)
    Case.objects.filter(external_id="ptbxl:00002").update(age=99)
    report = import_demo_bank(limit=5)
    assert (report.created, report.updated) == (0, 5)
    assert Case.objects.count() == 5 and CaseSignal.objects.count() == 5
    assert Case.objects.get(external_id="ptbxl:00002").age == 19


@pytest.mark.django_db
def test_wfdb_folder_import_at_100_hz(tmp_path: Path) -> None:
    root = _wfdb_folder(tmp_path)
    report = import_ptbxl(root, sampling_rate=100)
    assert report.created == 4
    assert record_of(Case.objects.get(external_id="ptbxl:00003")).signal.shape == (1000, 12)


@pytest.mark.django_db
def test_a_corrupt_record_aborts_the_whole_import(tmp_path: Path) -> None:
    root = _wfdb_folder(tmp_path)
    import_demo_bank(limit=1)
    Case.objects.filter(external_id="ptbxl:00001").update(age=77)
    dat = root / "records500" / "00000" / "00003_hr.dat"
    raw = bytearray(dat.read_bytes())
    raw[5000] ^= 0x5A
    dat.write_bytes(bytes(raw))
    with pytest.raises(CaseImportError, match=r"00003_hr\.dat: checksum mismatch"):
        import_ptbxl(root)
    # Records 1 and 2 were read before the corrupt one: neither they nor the update survived.
    assert list(Case.objects.values_list("external_id", "age")) == [("ptbxl:00001", 77)]


@pytest.mark.django_db
def test_a_missing_signal_file_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    root = _wfdb_folder(tmp_path)
    (root / "records500" / "00000" / "00004_hr.hea").unlink()
    (root / "records500" / "00000" / "00004_hr.dat").unlink()
    with pytest.raises(CaseImportError, match="00004_hr"):
        import_ptbxl(root)
    assert Case.objects.count() == 0


@pytest.mark.django_db
def test_cli_reports_a_csv_with_missing_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _wfdb_folder(tmp_path)
    text = (root / "ptbxl_database.csv").read_text().replace("strat_fold", "fold")
    (root / "ptbxl_database.csv").write_text(text)
    assert main(["import-ptbxl", str(root)]) == 2
    assert "missing columns ['strat_fold']" in capsys.readouterr().err
    assert Case.objects.count() == 0


@pytest.mark.django_db
def test_cli_imports_with_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _wfdb_folder(tmp_path)
    assert main(["import-ptbxl", str(root), "--limit", "2", "--sampling-rate", "500"]) == 0
    assert "Imported 2 ECGs at 500 Hz" in capsys.readouterr().out
    assert Case.objects.count() == 2


@pytest.mark.skipif(
    not SHARED.is_dir(), reason="the shared PTB-XL subset is not beside this checkout"
)
@pytest.mark.django_db
def test_the_real_ptbxl_folder_imports(tmp_path: Path) -> None:
    report = import_ptbxl(SHARED, sampling_rate=100, limit=20)
    assert report.created == 20
