"""One rating per finding, reads' provenance (seen with truth before), and their immutability."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from medtandem.apps.reading import rating
from medtandem.apps.reading.models import Read
from medtandem.apps.reading.selectors import unaided_superclass_accuracy
from medtandem.apps.reading.services import (
    ReadValidationError,
    SessionLockedError,
    commit_read,
    lock_sessions,
    parse_answer,
    start_session,
)

from .conftest import answer

pytestmark = pytest.mark.django_db


def _submit(client, session, data, position=0):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("reading:submit", args=[session.pk, position]), data, HTTP_ACCEPT="application/json"
    )


def test_the_read_form_presets_no_rating(learner_client, practice):
    page = learner_client.get(reverse("reading:case", args=[practice.pk, 0])).content.decode()
    for code in ("norm", "mi", "sttc", "cd", "hyp"):
        assert f'name="rating_{code}"' in page
    assert " checked>" not in page.split('id="read-form"')[1].split("Rythme")[0]
    assert 'type="range"' not in page  # no slider with a value of its own


def test_a_read_without_every_rating_is_refused_and_names_the_missing_ones(
    learner_client, practice
):
    data = answer("unaided", str(uuid.uuid4()))
    del data["rating_mi"], data["rating_hyp"]
    response = _submit(learner_client, practice, data)
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"rating_mi", "rating_hyp"}
    assert not Read.objects.exists()


@pytest.mark.parametrize(
    ("value", "called"), [(0, False), (49, False), (50, True), (75, True), (100, True)]
)
def test_the_call_is_derived_from_the_rating(learner_client, practice, value, called):
    data = answer("unaided", str(uuid.uuid4()))
    data["rating_mi"] = str(value)
    assert _submit(learner_client, practice, data).status_code == 201
    read = Read.objects.get()
    assert (read.rating_mi, read.mi) == (value, called)
    assert read.mi == rating.call(value)


def test_an_exact_value_takes_precedence_over_the_quick_level(learner_client, practice):
    data = answer("unaided", str(uuid.uuid4()))
    data["rating_mi"], data["rating_mi_exact"] = "75", "62"
    assert _submit(learner_client, practice, data).status_code == 201
    assert Read.objects.get().rating_mi == 62


@pytest.mark.parametrize("bad", ["inf", "-inf", "nan", "1e400", "-5", str(10**12), "soon"])
def test_a_non_finite_or_absurd_time_on_task_is_a_400(learner_client, practice, bad):
    data = answer("unaided", str(uuid.uuid4()))
    data["client_time_ms"] = bad
    response = _submit(learner_client, practice, data)
    assert response.status_code == 400 and "client_time_ms" in response.json()["fields"]
    assert not Read.objects.exists()


def test_parse_answer_refuses_a_body_that_is_not_an_object():
    with pytest.raises(ReadValidationError):
        parse_answer(["rating_mi", 50])


def test_feedback_shows_the_rating_and_the_derived_call(learner_client, practice):
    case = practice.case_set.ordered_cases()[0]
    data = answer("unaided", str(uuid.uuid4()), ("MI",), conf=80)
    _submit(learner_client, practice, data)
    _submit(learner_client, practice, answer("aided", str(uuid.uuid4()), ("MI",), conf=80))
    page = learner_client.get(reverse("reading:case", args=[practice.pk, 0])).content.decode()
    assert '<span title="Probablement présent">' in page and "présent <small>80</small>" in page
    mi_row = page.split('<abbr title="Infarctus du myocarde">MI</abbr>')[1].split("</tr>")[0]
    first_cell = mi_row.split("<td", 1)[1]
    # Called present at 80: right when the truth has MI, wrong otherwise.
    assert ('class="ok"><span title="Probablement présent">✓ présent' in first_cell) == case.mi
    assert ('class="bad"><span title="Probablement présent">✗ présent' in first_cell) == (
        not case.mi
    )
    assert "présent à partir de 50" in page


def test_the_ai_step_shows_the_models_call_at_its_operating_point(learner_client, practice):
    _submit(learner_client, practice, answer("unaided", str(uuid.uuid4())))
    page = learner_client.get(reverse("reading:case", args=[practice.pk, 0])).content.decode()
    table = page.split('id="ai-table"')[1].split("</table>")[0]
    assert table.count("seuil ") == 6  # five superclasses and AFIB, each with its threshold
    assert "présent" in table or "absent" in table


def test_a_locked_session_refuses_reads_in_the_page_and_in_json(learner_client, practice):
    from django.utils import timezone

    lock_sessions([practice], at=timezone.now())
    response = _submit(learner_client, practice, answer("unaided", str(uuid.uuid4())))
    assert response.status_code == 409 and response.json()["error"] == "locked"
    assert "verrouillée" in response.json()["detail"]
    page = learner_client.get(reverse("reading:case", args=[practice.pk, 0])).content.decode()
    assert 'id="session-locked"' in page
    html = learner_client.post(
        reverse("reading:submit", args=[practice.pk, 0]),
        answer("unaided", str(uuid.uuid4())),
        follow=True,
    ).content.decode()
    assert "verrouillée" in html
    assert not Read.objects.exists()
    practice.refresh_from_db()
    with pytest.raises(SessionLockedError):
        commit_read(
            practice,
            practice.case_set.ordered_cases()[0],
            "unaided",
            parse_answer(answer("unaided", "x")),
            uuid.uuid4(),
        )


def test_a_case_seen_with_its_truth_is_marked_and_left_out_of_the_gate_score(learner, case_set):
    cases = list(case_set.ordered_cases())
    practice = start_session(learner, case_set, "practice", title="Pratique")
    first = cases[0]
    right = {
        s: (90 if getattr(first, s.lower()) else 10) for s in ("NORM", "MI", "STTC", "CD", "HYP")
    }
    for condition in ("unaided", "aided"):
        commit_read(
            practice,
            first,
            condition,
            parse_answer(
                {**{f"rating_{k.lower()}": v for k, v in right.items()}, "rhythm": first.rhythm}
            ),
            uuid.uuid4(),
        )
    gate = start_session(learner, case_set, "unaided", title="Évaluation")
    read, _ = commit_read(
        gate,
        first,
        "unaided",
        parse_answer(
            {**{f"rating_{k.lower()}": v for k, v in right.items()}, "rhythm": first.rhythm}
        ),
        uuid.uuid4(),
    )
    assert read.seen_truth_before
    # The one right answer was a remembered one: it does not count, so the gate has nothing to score yet.
    assert unaided_superclass_accuracy(gate) is None
    wrong = {
        f"rating_{s.lower()}": (10 if getattr(cases[1], s.lower()) else 90)
        for s in ("NORM", "MI", "STTC", "CD", "HYP")
    }
    second, _ = commit_read(
        gate, cases[1], "unaided", parse_answer({**wrong, "rhythm": "sinus"}), uuid.uuid4()
    )
    assert not second.seen_truth_before
    assert unaided_superclass_accuracy(gate) == 0


def test_a_read_of_a_case_seen_without_feedback_is_not_marked(learner, case_set):
    blinded = start_session(learner, case_set, "unaided", show_feedback=False, title="Étude")
    case = case_set.ordered_cases()[0]
    data = {**{f"rating_{s}": 50 for s in ("norm", "mi", "sttc", "cd", "hyp")}, "rhythm": "sinus"}
    commit_read(blinded, case, "unaided", parse_answer(data), uuid.uuid4())
    later = start_session(learner, case_set, "unaided", title="Plus tard")
    read, _ = commit_read(later, case, "unaided", parse_answer(data), uuid.uuid4())
    assert not read.seen_truth_before


def test_legacy_flag_rule():
    calls = {"NORM": True, "MI": False}
    assert rating.legacy_flag(calls, {"NORM": 80, "MI": 20}) == ""
    assert rating.legacy_flag(calls, {"NORM": 30, "MI": 20}) == rating.FLAG_INCONSISTENT
    assert (
        rating.legacy_flag({"NORM": False, "MI": False}, {"NORM": 50, "MI": 50})
        == rating.FLAG_PRESET
    )


def test_a_refused_suggestion_says_why_and_shows_no_probability(learner_client, practice):
    from medtandem.apps.cases.services import store_prediction

    case = practice.case_set.ordered_cases()[0]
    store_prediction(
        case,
        practice.ai_model_name,
        practice.ai_model_version,
        {},
        {
            "refused": True,
            "quality": {
                "ok": False,
                "messages": {"fr": ["bruit important sur V1"], "en": ["heavy noise on V1"]},
            },
            "statement": {"fr": "Rythme sinusal 74/min.", "en": "Sinus rhythm 74/min."},
        },
    )
    _submit(learner_client, practice, answer("unaided", str(uuid.uuid4())))
    page = learner_client.get(reverse("reading:case", args=[practice.pk, 0])).content.decode()
    assert 'id="ai-refused"' in page and "bruit important sur V1" in page
    assert 'id="ai-table"' not in page
    assert "Rythme sinusal 74/min." in page
