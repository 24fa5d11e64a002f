"""Quizzes: grading of each question kind, attempts, and GIFT / Moodle XML import and export."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from medtandem.apps.curriculum import quizformats, services
from medtandem.apps.curriculum.models import Completion, Question, Quiz
from medtandem.apps.curriculum.quizformats import QuizFormatError

from .curriculum_helpers import activity, right_answers

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def _read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


@pytest.fixture
def ecg_quiz(db: None) -> Quiz:
    quiz = Quiz.objects.create(title="Bases de l'ECG", pass_mark=70)
    services.import_questions(quiz, _read("ecg_bases.gift"), "gift")
    return quiz


def _q(quiz: Quiz, name: str) -> Question:
    return quiz.questions.get(name=name)


# --- GIFT import ------------------------------------------------------------------------------


def test_a_realistic_gift_file_imports_every_question_with_its_kind(ecg_quiz):
    kinds = list(ecg_quiz.questions.values_list("name", "kind"))
    assert kinds == [
        ("Q01 Fréquence", "numeric"),
        ("Q02 PR normal", "truefalse"),
        ("Q03 Dérivations inférieures", "multiple"),
        ("Q04 Onde de Pardee", "single"),
        ("Q05 Abréviation", "short"),
        ("Q06 Échappements", "truefalse"),
        ("Q07 Axe", "numeric"),
    ]


def test_gift_escapes_are_restored_in_the_question_text(ecg_quiz):
    assert _q(ecg_quiz, "Q06 Échappements").text == (
        "Dans un compte rendu, on écrit « QRS = 120 ms : élargi » et l'on note {BBD} entre accolades. "
        "Ces caractères s'échappent en GIFT."
    )


def test_gift_feedback_weights_and_general_feedback_are_kept(ecg_quiz):
    frequency = _q(ecg_quiz, "Q01 Fréquence")
    exact, close = frequency.answers.all()
    assert (exact.value, exact.tolerance, exact.fraction) == (75.0, 0.0, Decimal(1))
    assert (close.value, close.tolerance, close.fraction) == (75.0, 5.0, Decimal("0.5"))
    assert exact.feedback == "Exact : 300 / 4 = 75 battements/min."
    assert frequency.general_feedback.startswith("Règle des 300")
    leads = _q(ecg_quiz, "Q03 Dérivations inférieures").answers.all()
    assert [a.fraction for a in leads][-1] == Decimal(-1)


def test_a_gift_numeric_range_becomes_a_value_with_a_tolerance(ecg_quiz):
    axis = _q(ecg_quiz, "Q07 Axe").answers.get()
    assert (axis.value, axis.tolerance) == (-45.0, 45.0)


def test_gift_true_false_feedback_goes_to_the_right_and_the_wrong_answer(ecg_quiz):
    answers = {a.text: a for a in _q(ecg_quiz, "Q02 PR normal").answers.all()}
    assert answers["true"].fraction == 1
    assert answers["true"].feedback.startswith("Oui : au-delà de 200 ms")
    assert answers["false"].feedback == "Non, c'est bien 120 à 200 ms."


def test_gift_missing_word_questions_show_a_blank(ecg_quiz):
    assert "_____ — une urgence absolue." in _q(ecg_quiz, "Q04 Onde de Pardee").text


def test_a_gift_file_with_an_unsupported_question_names_it_and_imports_nothing(db):
    quiz = Quiz.objects.create(title="Vide")
    with pytest.raises(QuizFormatError) as caught:
        services.import_questions(quiz, _read("bad_matching.gift"), "gift")
    assert "Appariement ECG" in str(caught.value)
    assert "appariement" in str(caught.value)
    assert quiz.questions.count() == 0


@pytest.mark.parametrize(
    "source, message",
    [
        ("::Sans accolade:: Le RGPD existe.", "accolades"),
        ("::Pas de bonne réponse::Choisir {~a ~b}", "aucune réponse ne vaut 100 %"),
        ("::Nombre::Combien ? {#douze}", "nombre illisible"),
        ("::Essai::Racontez votre stage. {}", "essai"),
    ],
)
def test_gift_errors_name_the_question(source, message):
    with pytest.raises(QuizFormatError) as caught:
        quizformats.parse_gift(source)
    assert message in str(caught.value)
    assert "«" in str(caught.value)


# --- Moodle XML import ------------------------------------------------------------------------


def test_a_realistic_moodle_xml_file_imports_with_grades_feedback_and_plain_text(db):
    quiz = Quiz.objects.create(title="Évaluer une IA")
    services.import_questions(quiz, (DATA / "ia_evaluation_moodle.xml").read_bytes(), "moodle_xml")
    questions = list(quiz.questions.all())
    assert [(q.name, q.kind) for q in questions] == [
        ("Sensibilité", "single"),
        ("Biais d'une étude", "multiple"),
        ("AUC", "truefalse"),
        ("Valeur prédictive", "numeric"),
        ("Biais d'automatisation", "short"),
    ]
    sensitivity = questions[0]
    assert (
        sensitivity.text
        == "Sur 100 ECG avec infarctus, l'IA en signale 90. Quelle est sa sensibilité ?"
    )
    assert sensitivity.points == Decimal(2)
    assert sensitivity.general_feedback == "Sensibilité = vrais positifs / malades."
    assert sensitivity.answers.first().feedback == "Oui : 90 / 100."
    ppv = questions[3].answers.get()
    assert (ppv.value, ppv.tolerance) == (50.0, 1.0)


def test_a_moodle_xml_file_with_a_bad_question_names_it_and_imports_nothing(db):
    quiz = Quiz.objects.create(title="Vide")
    with pytest.raises(QuizFormatError) as caught:
        services.import_questions(quiz, _read("bad_no_right_answer.xml"), "moodle_xml")
    assert "Sans bonne réponse" in str(caught.value)
    assert quiz.questions.count() == 0


def test_moodle_xml_with_a_doctype_is_refused():
    with pytest.raises(QuizFormatError):
        quizformats.parse_moodle_xml(
            '<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "b">]><quiz/>'
        )


# --- export -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["gift", "moodle_xml"])
def test_export_then_import_gives_back_the_same_questions(ecg_quiz, fmt):
    exported = services.export_questions(ecg_quiz, fmt)
    copy = Quiz.objects.create(title="Copie")
    services.import_questions(copy, exported, fmt)

    def shape(quiz: Quiz) -> list[tuple]:
        return [
            (
                q.kind,
                q.text,
                q.general_feedback,
                [
                    (
                        a.text if q.kind != "numeric" else "",
                        a.fraction,
                        a.feedback,
                        a.value,
                        a.tolerance,
                    )
                    for a in q.answers.all()
                ],
            )
            for q in quiz.questions.all()
        ]

    assert shape(copy) == shape(ecg_quiz)


def test_the_gift_export_escapes_special_characters(ecg_quiz):
    exported = services.export_questions(ecg_quiz, "gift")
    assert r"QRS \= 120 ms \: élargi" in exported and r"\{BBD\}" in exported


# --- grading and attempts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, response, expected",
    [
        ("Q01 Fréquence", "75", Decimal(1)),
        ("Q01 Fréquence", "78,5", Decimal("0.5")),
        ("Q01 Fréquence", "90", Decimal(0)),
        ("Q05 Abréviation", "  bbg ", Decimal(1)),
        ("Q05 Abréviation", "Bloc de branche gauche", Decimal(1)),
        ("Q05 Abréviation", "BBD", Decimal(0)),
        ("Q07 Axe", "-30", Decimal(1)),
    ],
)
def test_numeric_and_short_answers_are_graded_with_tolerance_and_wildcards(
    ecg_quiz, name, response, expected
):
    assert services.grade_question(_q(ecg_quiz, name), response).fraction == expected


def test_multiple_choice_adds_weights_and_never_goes_below_zero(ecg_quiz):
    question = _q(ecg_quiz, "Q03 Dérivations inférieures")
    ids = {a.text: str(a.pk) for a in question.answers.all()}
    assert services.grade_question(question, [ids["DII"], ids["DIII"], ids["aVF"]]).fraction == 1
    assert services.grade_question(question, [ids["DII"], ids["V1"]]).fraction == 0


def test_feedback_of_the_chosen_answer_is_shown(ecg_quiz):
    question = _q(ecg_quiz, "Q04 Onde de Pardee")
    wrong = question.answers.get(text="une péricardite")
    result = services.grade_question(question, str(wrong.pk))
    assert result.feedback == ["La péricardite donne un sus-décalage diffus, concave, sans miroir."]


def test_passing_a_quiz_completes_its_activity(learner, programme):
    services.enrol(learner, programme)
    quiz_activity = activity(programme, "Quiz données")
    outcome = services.submit_quiz(learner, quiz_activity, right_answers(quiz_activity.quiz))
    assert outcome.attempt.passed and outcome.attempt.score == 100
    assert Completion.objects.filter(learner=learner, activity=quiz_activity, score=100).exists()


def test_a_failed_attempt_does_not_complete_and_attempts_are_limited(learner, programme):
    services.enrol(learner, programme)
    quiz_activity = activity(programme, "Quiz données")
    assert not services.submit_quiz(learner, quiz_activity, {}).attempt.passed
    services.submit_quiz(learner, quiz_activity, {})
    with pytest.raises(services.CurriculumRuleError, match="maximum"):
        services.submit_quiz(learner, quiz_activity, right_answers(quiz_activity.quiz))
    assert not Completion.objects.filter(activity=quiz_activity).exists()


def test_the_quiz_page_grades_a_submission_and_shows_feedback(client, learner, programme):
    services.enrol(learner, programme)
    quiz_activity = activity(programme, "Quiz données")
    client.force_login(learner)
    data = {f"q{k}": v for k, v in right_answers(quiz_activity.quiz).items()}
    page = client.post(
        reverse("curriculum:quiz_submit", args=[quiz_activity.pk]), data
    ).content.decode()
    assert "Quiz réussi" in page and "Oui, encore personnelles." in page


def test_an_instructor_imports_a_file_through_the_page_and_sees_the_error_otherwise(
    client, instructor
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    quiz = Quiz.objects.create(title="Import", owner_institution=instructor.institution)
    client.force_login(instructor)
    url = reverse("curriculum:quiz_import", args=[quiz.pk])
    bad = SimpleUploadedFile("q.gift", (DATA / "bad_matching.gift").read_bytes())
    response = client.post(url, {"format": "gift", "file": bad})
    assert response.status_code == 400 and "Appariement ECG" in response.content.decode()
    good = SimpleUploadedFile("q.xml", (DATA / "ia_evaluation_moodle.xml").read_bytes())
    assert client.post(url, {"format": "moodle_xml", "file": good}).status_code == 302
    assert quiz.questions.count() == 5
    export = client.get(reverse("curriculum:quiz_export", args=[quiz.pk]), {"format": "moodle_xml"})
    assert b'<question type="numerical">' in export.content


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("fr", "le fichier ne contient aucune question"), ("en", "the file holds no question")],
)
def test_import_errors_are_in_the_users_language(lang, expected) -> None:
    """Issue 13: GIFT and Moodle XML errors were built outside gettext (French in English pages)."""
    from django.utils import translation

    with translation.override(lang):
        with pytest.raises(QuizFormatError) as gift:
            quizformats.parse_gift("// a comment only\n")
        with pytest.raises(QuizFormatError) as xml:
            quizformats.parse_moodle_xml("<quiz></quiz>")
    assert str(gift.value) == expected and str(xml.value) == expected
