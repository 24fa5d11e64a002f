"""The FDA's AI-enabled device list and MAUDE reports: imported whole, idempotent, atomic, strict."""

from __future__ import annotations

import csv
import re
import shutil
import unicodedata
from pathlib import Path

import pytest

from medtandem.apps.observatory import services
from medtandem.apps.observatory.models import Application, ApplicationVersion, Incident, Source
from medtandem.cli import main

pytestmark = pytest.mark.django_db
SHARED = Path("/work/shared/data/fda-ai-devices")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_device_and_report_is_imported_with_its_source() -> None:
    devices, reports = _rows(services.FDA_DEVICES), _rows(services.FDA_MAUDE)
    report = services.import_fda()
    assert report.devices_created == len(devices) == 882
    assert report.reports_created == len(reports) == 943
    versions = ApplicationVersion.objects.filter(application__source=Source.FDA, published=True)
    assert set(versions.values_list("fda_submission", flat=True)) == {
        r["Submission Number"] for r in devices
    }
    # Same company and device name: one application with several versions (its history); names
    # that differ only in case, accents or punctuation are the same product.
    for company, device in {(r["Company"], r["Device"]) for r in devices}:
        same = {
            r["Submission Number"]
            for r in devices
            if (r["Company"], r["Device"]) == (company, device)
        }
        assert (
            ApplicationVersion.objects.filter(fda_submission__in=same)
            .values("application")
            .distinct()
            .count()
            == 1
        )

    def squashed(text: str) -> str:
        return re.sub(
            r"[^a-z0-9]",
            "",
            unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower(),
        )

    n_apps = Application.objects.filter(source=Source.FDA).count()
    assert (
        len({squashed(r["Company"] + r["Device"]) for r in devices})
        <= n_apps
        < len({(r["Company"], r["Device"]) for r in devices})
    )
    maude = Incident.objects.filter(origin=Incident.Origin.FDA_MAUDE)
    assert maude.count() == 943 and not maude.filter(unverified=False).exists()
    deaths = sum(r["event_type"] == "D" for r in reports)
    assert maude.filter(reported_seriousness="death").count() == deaths
    by_device = {r["idnumber"] for r in reports}
    assert set(maude.values_list("version__fda_submission", flat=True)) == by_device


def test_importing_again_changes_nothing() -> None:
    services.import_fda()
    counts = (ApplicationVersion.objects.count(), Incident.objects.count())
    again = services.import_fda()
    assert (again.devices_created, again.devices_updated, again.reports_created) == (0, 0, 0)
    assert (ApplicationVersion.objects.count(), Incident.objects.count()) == counts


def test_a_later_list_in_the_same_layout_adds_and_updates(tmp_path: Path) -> None:
    services.import_fda(maude=None)
    rows = _rows(services.FDA_DEVICES)
    rows[0]["Device"] = rows[0]["Device"]  # unchanged
    rows[1]["Primary Product Code"] = "ZZZ"
    rows.append({**rows[2], "Submission Number": "K249999", "Date of Final Decision": "12/01/2024"})
    later = tmp_path / "later.csv"
    with later.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = services.import_fda(later, None)
    assert (report.devices_created, report.devices_updated) == (1, 1)
    updated = ApplicationVersion.objects.get(fda_submission=rows[1]["Submission Number"])
    assert "ZZZ" in updated.sheet["unique_reference"] and updated.revisions.count() == 2
    new = ApplicationVersion.objects.get(fda_submission="K249999")
    assert (
        new.application
        == ApplicationVersion.objects.get(fda_submission=rows[2]["Submission Number"]).application
    )


def test_the_xlsx_list_gives_the_same_registry_as_the_csv() -> None:
    services.import_fda(SHARED / "fda_ai_devices_may2024.xlsx", None)
    from_xlsx = set(ApplicationVersion.objects.values_list("fda_submission", "name", "developer"))
    again = services.import_fda(services.FDA_DEVICES, None)
    assert again.devices_created == 0 and again.devices_updated == 0
    assert len(from_xlsx) == 882


def test_a_wrong_column_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    text = services.FDA_DEVICES.read_text(encoding="utf-8").replace("Panel (Lead)", "Panel", 1)
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(services.ImportFileError, match="missing \\['Panel \\(Lead\\)'\\]"):
        services.import_fda(bad, None)
    assert not ApplicationVersion.objects.exists()


def test_a_bad_date_in_the_last_maude_row_rolls_everything_back(tmp_path: Path) -> None:
    bad = tmp_path / "maude.csv"
    lines = services.FDA_MAUDE.read_text(encoding="utf-8").splitlines()
    lines[-1] = lines[-1].replace(lines[-1].split(",")[3], "31/31/2020", 1)
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(services.ImportFileError, match="line 944"):
        services.import_fda(services.FDA_DEVICES, bad)
    assert not ApplicationVersion.objects.exists() and not Incident.objects.exists()


def test_a_corrupt_workbook_is_refused(tmp_path: Path) -> None:
    corrupt = tmp_path / "list.xlsx"
    shutil.copy(SHARED / "fda_ai_devices_may2024.xlsx", corrupt)
    corrupt.write_bytes(corrupt.read_bytes()[:5000])
    with pytest.raises(services.ImportFileError, match="unreadable"):
        services.import_fda(corrupt, None)
    assert not ApplicationVersion.objects.exists()


def test_the_cli_imports_and_reports_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.csv"
    assert main(["observatory", "import-fda", str(missing)]) == 1
    assert "nothing was written" in capsys.readouterr().out
    assert main(["observatory", "import-fda"]) == 0
    assert "882 new" in capsys.readouterr().out
