"""Hostile input on the study pages: oversized or non-UTF-8 read imports are refused before parsing,
and exports never hand a spreadsheet a formula (``assert_csv_safe``)."""

from __future__ import annotations

import csv
import io
import time

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from tests.security import as_uploaded, assert_csv_safe

from medtandem.apps.studies import selectors, services

pytestmark = pytest.mark.django_db

FORMULA_NAMES = [
    '=HYPERLINK("http://evil.example","clic")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\tTAB",
    "\rCR",
]


@pytest.fixture
def inv_client(client, investigator):  # type: ignore[no-untyped-def]
    client.force_login(investigator)
    return client


@pytest.fixture
def study(case_set, investigator):  # type: ignore[no-untyped-def]
    return services.create_study(
        title="Étude",
        question="L'IA aide-t-elle ?",
        case_set=case_set,
        created_by=investigator,
        seed=1,
        washout_days=0,
    )


def _upload(content: bytes, name: str = "reads.csv") -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def _good_csv(cases, readers=("X1", "X2")) -> str:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["reader", "case", "modality", "truth", "rating"])
    writer.writerows(
        [r, c.external_id, m, int(c.mi), 80 if c.mi else 20]
        for r in readers
        for c in cases
        for m in ("unaided", "aided")
    )
    return out.getvalue()


def test_an_oversized_read_import_is_refused_quickly_and_imports_nothing(
    inv_client, study, cases, settings
):  # type: ignore[no-untyped-def]
    settings.MEDTANDEM_UPLOAD_LIMITS = {"study_reads": (64 * 1024, 50_000)}
    row = f"X1,{cases[0].external_id},aided,{int(cases[0].mi)},50\n"
    big = ("reader,case,modality,truth,rating\n" + row * (200 * 1024 // len(row))).encode()
    started = time.monotonic()
    response = inv_client.post(reverse("studies:import", args=[study.pk]), {"file": _upload(big)})
    assert response.status_code == 302
    assert time.monotonic() - started < 5
    assert not study.imported_reads.exists()


def test_a_read_import_with_too_many_rows_imports_nothing(inv_client, study, cases, settings):  # type: ignore[no-untyped-def]
    settings.MEDTANDEM_UPLOAD_LIMITS = {"study_reads": (5 * 1024 * 1024, 10)}
    response = inv_client.post(
        reverse("studies:import", args=[study.pk]), {"file": _upload(_good_csv(cases).encode())}
    )
    assert response.status_code == 302
    assert not study.imported_reads.exists()


def test_a_non_utf8_read_import_imports_nothing(inv_client, study, cases):  # type: ignore[no-untyped-def]
    content = _good_csv(cases).replace("X1", "Lecteur é").encode("latin-1")
    response = inv_client.post(
        reverse("studies:import", args=[study.pk]), {"file": _upload(content)}
    )
    assert response.status_code == 302
    assert not study.imported_reads.exists()


def test_the_refusal_names_the_size_limit(inv_client, study, cases, settings):  # type: ignore[no-untyped-def]
    settings.MEDTANDEM_UPLOAD_LIMITS = {"study_reads": (1024, 50_000)}
    response = inv_client.post(
        reverse("studies:import", args=[study.pk]),
        {"file": _upload(_good_csv(cases).encode())},
        follow=True,
    )
    assert "trop volumineux" in response.content.decode()


def test_the_study_reads_export_neutralises_formulas(inv_client, study, cases):  # type: ignore[no-untyped-def]
    services.import_reads(study, _good_csv(cases, readers=FORMULA_NAMES[:3]))
    response = inv_client.get(reverse("studies:export", args=[study.pk]))
    assert response.status_code == 200
    assert_csv_safe(response.content)


# --- the read import parser, on arbitrary text ------------------------------------------------------

_cells = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@hsettings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_import_reads_either_imports_everything_or_raises_its_typed_error(
    study, cases, data
) -> None:  # type: ignore[no-untyped-def]
    refs = [c.external_id for c in cases[:3]] + ["ptbxl:99999", ""]
    row = st.tuples(
        _cells,
        st.sampled_from(refs) | _cells,
        st.sampled_from(["unaided", "aided", "x"]),
        st.sampled_from(["0", "1", "2", ""]),
        st.sampled_from(["50", "-1", "nan", "inf", "1e400", "x"]),
    )
    header = data.draw(
        st.sampled_from(
            [
                "reader,case,modality,truth,rating",
                "reader,case,modality,truth",
                "case,reader,rating,truth,modality,extra",
                "",
            ]
        )
    )
    rows = data.draw(st.lists(row, max_size=6))
    text = (
        header
        + "\n"
        + "\n".join(",".join(f'"{v}"' if '"' not in v else v for v in r) for r in rows)
    )
    if data.draw(st.booleans()):
        text = data.draw(_cells) + text
    text = as_uploaded(
        text
    )  # as every upload reaches the service (medtandem.web.uploads.read_upload)
    before = study.imported_reads.count()
    try:
        report = services.import_reads(study, text)
    except services.ReadImportError:
        assert study.imported_reads.count() == before
    else:
        assert study.imported_reads.count() == before + report.created
    study.imported_reads.all().delete()


def test_import_reads_refuses_a_lone_carriage_return_with_its_typed_error(study) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.ReadImportError):
        services.import_reads(study, "\rreader,case,modality,truth,rating\nX1,a,aided,0,5\n")


def test_frame_to_csv_keeps_numbers_and_neutralises_text(study, cases) -> None:  # type: ignore[no-untyped-def]
    from medtandem.csvsafe import frame_to_csv

    services.import_reads(study, _good_csv(cases, readers=FORMULA_NAMES[:2]))
    text = frame_to_csv(selectors.study_frame(study))
    assert_csv_safe(text)
    assert "'=HYPERLINK" in text


@pytest.mark.postgres
def test_import_reads_refuses_a_nul_byte_with_its_typed_error(study, cases) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.ReadImportError):
        services.import_reads(study, _good_csv(cases[:1], readers=("X\x001",)))
