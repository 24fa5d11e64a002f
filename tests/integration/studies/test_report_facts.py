"""Issue 17: the study report claims only what the stored reads show.

Oracles: hand-worked tables (counted on paper from the reads each test builds, written out in the
comments), not the code under test.
"""

from __future__ import annotations

import pandas as pd
import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from medtandem.apps.cases.models import AIPrediction, CaseSignal
from medtandem.apps.reading.models import Read, ReadingSession
from medtandem.apps.studies import report, selectors, services
from medtandem.apps.studies.analysis import human_ai_agreement, learning_curve, user_exposure
from medtandem.apps.studies.models import Participant

#: The export's columns before issue 17, in their order: all kept.
OLD_COLUMNS = [
    "reader",
    "case",
    "modality",
    "truth",
    "rating",
    "decision",
    "asserted",
    "ai_probability",
    "ai_decision",
    "time_ms",
    "period",
    "session_seed",
    "arm",
    "block",
    "profession",
    "practice_status",
    "years_experience",
    "experience_band",
    "prior_ecg_training",
    "submitted_at",
    "source",
    "study_id",
    "endpoint",
    "threshold",
    "design",
    "study_seed",
    "ai_model",
    "ai_version",
    "simulated",
    "seen_truth_before",
    "rating_flag",
]


def _study(case_set, investigator, **kw):
    defaults = {
        "title": "MI avec et sans IA",
        "question": "L'IA améliore-t-elle la détection de l'IDM ?",
        "case_set": case_set,
        "created_by": investigator,
        "seed": 2024,
        "washout_days": 0,
        "intended_use": "Aide à la lecture de l'ECG par des internes.",
    }
    return services.create_study(**(defaults | kw))


def _rate(case, condition):
    return 80 if case.mi else 20


@pytest.fixture
def world(case_set, cases, investigator, make_reader, read):
    """3 platform readers (crossed, complete: 12 cases x 2 conditions = 24 reads each), R002
    withdrawn, R003 shown AI version 2.0, one flagged read of R001, one read of R003 on a case seen
    with its truth before, and 2 imported readers (X1, X2: 24 reads each). 10 of the 12 cases have
    a 12-lead tracing stored."""
    for c in cases:
        AIPrediction.objects.create(
            case=c,
            model_name="test-ecg-model",
            model_version="2.0",
            probabilities={"MI": 0.9 if c.mi else 0.1},
        )
    for c in cases[:10]:
        CaseSignal.objects.create(
            case=c, fs=500, leads=[f"L{k}" for k in range(12)], n_samples=5000, data=b""
        )
    study = _study(case_set, investigator)
    for k in range(3):
        p = services.join_study(make_reader(), study.invitation_code, consent=True)
        for _period in (1, 2):
            session = services.advance(p).reading_session
            if k == 2 and session.mode == "aided":
                ReadingSession.objects.filter(pk=session.pk).update(ai_model_version="2.0")
                session.refresh_from_db()
            read(session, rate=_rate)
    r1, r2, r3 = Participant.objects.filter(study=study).order_by("join_index")
    Read.objects.filter(pk=Read.objects.filter(learner=r1.user).first().pk).update(
        rating_flag="legacy_disagree"
    )
    Read.objects.filter(pk=Read.objects.filter(learner=r3.user).first().pk).update(
        seen_truth_before=True
    )
    services.withdraw(r2, "plus le temps")
    imported = "reader,case,modality,truth,rating\n" + "".join(
        f"X{r},{c.external_id},{m},{int(c.mi)},{70 if c.mi else 30}\n"
        for r in (1, 2)
        for c in cases
        for m in ("unaided", "aided")
    )
    services.import_reads(study, imported, source="other-tool")
    return study


def test_facts_count_sources_ai_versions_per_read_feedback_leads_and_the_flow(world):
    facts = selectors.read_facts(world)
    # platform: R001 24 + R003 24 (R002 withdrawn); imported: 2 x 12 x 2.
    assert facts.reads_by_source == {"platform": 48, "imported": 48}
    assert facts.import_sources == ("other-tool",)
    # the AI each aided read showed: R001 version 1.0 on its 12, R003 version 2.0 on its 12.
    assert [(a.model, a.version, a.reads) for a in facts.ai_shown] == [
        ("test-ecg-model", "1.0", 12),
        ("test-ecg-model", "2.0", 12),
    ]
    assert facts.aided_without_ai == 0
    assert (facts.feedback_reads, facts.feedback_views, facts.feedback_shown) == (0, 0, False)
    assert facts.leads == {0: 2, 12: 10}
    assert facts.case_sources == {"PTB-XL": 12} and facts.case_licences == {"CC BY 4.0": 12}
    assert facts.orders_from_randomiser is True
    f = facts.flow
    assert (f.readers_enrolled, f.readers_platform, f.readers_imported) == (5, 3, 2)
    assert (f.readers_withdrawn, f.reads_withdrawn) == (1, 24)
    assert f.reads_recorded == 96
    assert f.reads_excluded == {"seen_truth_before": 1, "rating_flag": 1}
    assert (f.reads_analysed, f.readers_analysed, f.readers_no_usable_read) == (94, 4, 0)
    assert f.readers_incomplete == 0
    assert (f.cases_in_set, f.cases_read, f.cases_analysed) == (12, 12, 12)


def test_the_flow_agrees_with_the_analysis(world):
    analysis = report.analysis_for(world)
    flow = selectors.read_facts(world).flow
    assert (analysis.n_readers, analysis.n_cases, analysis.n_reads) == (
        flow.readers_analysed,
        flow.cases_analysed,
        flow.reads_analysed,
    )


def test_a_reader_who_has_not_finished_is_counted_as_incomplete(
    case_set, investigator, make_reader, read
):
    study = _study(case_set, investigator)
    p = services.join_study(make_reader(), study.invitation_code, consent=True)
    read(services.advance(p).reading_session, rate=_rate)  # period 1 only: 12 of 24 reads
    services.join_study(make_reader(), study.invitation_code, consent=True)  # no read yet
    f = selectors.read_facts(study).flow
    assert (f.readers_enrolled, f.readers_analysed, f.readers_incomplete) == (2, 1, 1)
    assert f.readers_no_usable_read == 1
    assert (f.reads_recorded, f.reads_analysed) == (12, 12)


def test_orders_not_from_the_randomiser_are_not_called_permuted_blocks(world):
    r1 = Participant.objects.get(study=world, pseudonym="R001")
    Participant.objects.filter(pk=r1.pk).update(
        arm=1 - r1.arm, condition_order=list(reversed(r1.condition_order))
    )
    facts = selectors.read_facts(world)
    assert facts.orders_from_randomiser is False
    text = report.randomisation_text(world, facts)
    assert "blocs permutés" not in text and "ne peut pas être affirmée" in text
    assert "Lectures importées (48) : ordre et allocation non enregistrés" in text


@pytest.mark.parametrize(
    ("design", "says", "never"),
    [
        ("crossed", "contrebalancé par randomisation en blocs permutés de taille 2", "fixe"),
        ("sequential", "Ordre des conditions fixe", "blocs permutés"),
        ("split_plot", "Allocation des lecteurs aux 2 blocs de cas", "fixe"),
    ],
)
def test_randomisation_text_per_design(case_set, investigator, make_reader, design, says, never):
    study = _study(case_set, investigator, design=design)
    for _ in range(2):
        services.join_study(make_reader(), study.invitation_code, consent=True)
    text = report.randomisation_text(study, selectors.read_facts(study))
    assert says in text and never not in text
    assert "importées" not in text


def test_imported_reads_alone_get_no_randomisation_claim(case_set, investigator, cases):
    study = _study(case_set, investigator)
    services.import_reads(
        study,
        "reader,case,modality,truth,rating\n"
        + "".join(f"X1,{c.external_id},unaided,{int(c.mi)},50\n" for c in cases),
    )
    facts = selectors.read_facts(study)
    assert facts.orders_from_randomiser is None
    text = report.randomisation_text(study, facts)
    assert (
        text == "Lectures importées (12) : ordre et allocation non enregistrés par la plateforme."
    )
    assert facts.ai_shown == () and report.ai_shown_text(facts) == ""
    assert report.feedback_text(facts) == ""  # nothing the platform could know


def test_feedback_shown_is_read_from_each_read(case_set, investigator, make_reader, read):
    """A sequential (hybrid) session that showed the truth: each case's aided read revealed it
    (12 reads); the unaided reads before it did not."""
    study = _study(case_set, investigator, design="sequential")
    p = services.join_study(make_reader(), study.invitation_code, consent=True)
    session = services.advance(p).reading_session
    ReadingSession.objects.filter(pk=session.pk).update(show_feedback=True)
    session.refresh_from_db()
    read(session, rate=_rate)
    frame = selectors.study_frame(study)
    assert frame.groupby("modality")["feedback_shown"].sum().to_dict() == {
        "aided": 12,
        "unaided": 0,
    }
    facts = selectors.read_facts(study)
    assert (facts.feedback_reads, facts.feedback_shown) == (12, True)
    assert "La vérité a été montrée aux lecteurs pendant l'étude après 12 lectures" in (
        report.feedback_text(facts)
    )


def test_export_keeps_its_columns_and_adds_per_read_ai_and_feedback(world):
    text = selectors.export_csv(world)
    header = text.splitlines()[0].split(",")
    assert header == [*OLD_COLUMNS, "feedback_shown"]
    frame = selectors.frame_from_csv(text)
    platform = frame[frame["source"] == "medtandem"]
    aided = platform[platform["modality"] == "aided"]
    by_reader = aided.groupby("reader")["ai_version"].agg(lambda v: sorted(set(v))).to_dict()
    assert by_reader == {"R001": ["1.0"], "R003": ["2.0"]}
    assert platform.loc[platform["modality"] == "unaided", "ai_model"].isna().all()
    assert set(platform["feedback_shown"]) == {0}
    imported = frame[frame["source"] == "import:other-tool"]
    assert imported["ai_model"].isna().all() and imported["feedback_shown"].isna().all()


def test_every_checklist_answer_is_marked_and_none_is_a_hard_coded_claim(world):
    items = report.checklist(world, report.analysis_for(world), selectors.read_facts(world))
    assert {i.guideline for i in items} == {"DECIDE-AI", "CONSORT-AI", "CLAIM"}
    assert {i.source for i in items} == {"platform", "authors"}
    by_topic = {(i.guideline, i.topic): i for i in items}
    intended = by_topic[("DECIDE-AI", "Usage prévu de l'IA")]
    assert (intended.source, intended.value) == (
        "authors",
        "Aide à la lecture de l'ECG par des internes.",
    )
    assert by_topic[("DECIDE-AI", "Familiarisation des utilisateurs avec l'IA")].filled is False
    # Numbered only where checked against the published checklist (report.py's docstring).
    numbered = {i.topic: i.number for i in items if i.guideline == "DECIDE-AI" and i.number}
    assert numbered == {
        "Usage prévu de l'IA": "2",
        "Protocole, enregistrement et avis éthique": "III",
        "Recrutement des utilisateurs et effectif prévu": "3b",
        "Familiarisation des utilisateurs avec l'IA": "3c",
        "Système d'IA et sa version": "4a",
    }
    assert not any(i.number for i in items if i.guideline != "DECIDE-AI")
    version = by_topic[("DECIDE-AI", "Système d'IA et sa version")]
    assert version.source == "platform"
    assert "test-ecg-model 1.0 (12 lectures avec IA)" in version.value
    assert "test-ecg-model 2.0 (12 lectures avec IA)" in version.value
    for topic in (
        "Exposition des utilisateurs à l'IA",
        "Accord humain–IA",
        "Courbes d'apprentissage",
    ):
        assert by_topic[("DECIDE-AI", topic)].source == "platform"
        assert by_topic[("DECIDE-AI", topic)].filled
    inputs = by_topic[("CONSORT-AI", "Données d'entrée")].value
    assert "2 cas sans tracé enregistré, 10 ECG à 12 dérivations" in inputs
    assert "PTB-XL (12)" in inputs
    text = " ".join(i.value for i in items)
    assert "cardiologues" not in text
    assert "aucun retour sur la vérité" not in text
    assert "Aucune vérité n'a été montrée aux lecteurs pendant l'étude" in text
    # the platform fills only what it knows: every authors' item is either entered or flagged
    assert all(i.filled for i in items if i.source == "platform")


def test_report_page_and_pdf_show_the_flow_diagram(client, investigator, world):
    client.force_login(investigator)
    html = client.get(reverse("studies:report", args=[world.pk])).content.decode()
    for expected in (
        'id="flow-enrolled">Lecteurs inclus : 5 (3 sur la plateforme, 2 importés)',
        'id="flow-withdrawn">Lecteurs retirés : 1 (24 lectures écartées)',
        "Lectures exclues : 1 (vérité du cas déjà vue), 1 (ancienne note incohérente)",
        'id="flow-analysed">Analysés — lecteurs : 4 (dont 0 sans toutes les lectures prévues) ; '
        "cas : 12 ; lectures : 94",
        'class="mark platform"',
        'class="mark authors"',
        'id="checklist-claim"',
    ):
        assert expected in html
    assert "12 dérivations" not in html.split('id="checklist')[0]  # only where the data say so
    pdf_html = render_to_string(
        "studies/report.html", report.report_context(world) | {"for_pdf": True}
    )
    assert 'id="flow-analysed"' in pdf_html
    with translation.override("en"):
        english = render_to_string("studies/report.html", report.report_context(world))
    assert "Readers enrolled: 5" in english and "Checklists" in english


# --- the human-factors figures on a hand-worked reads table -------------------------------------

#: Reader A: 6 reads in this order (10 s each); B: 3 usable reads (20 s each) and one flagged read
#: (left out); C: one imported read (no time, no order). Threshold 50; the AI's call: p >= 0.5.
_ROWS = [
    # reader, case, modality, truth, rating, ai_probability, time_ms, submitted_at, rating_flag
    ("A", "c1", "unaided", 1, 80, 0.9, 10_000, "2025-01-01T10:00:00+00:00", ""),
    ("A", "c1", "aided", 1, 80, 0.9, 10_000, "2025-01-01T10:01:00+00:00", ""),
    ("A", "c2", "unaided", 0, 70, 0.2, 10_000, "2025-01-01T10:02:00+00:00", ""),
    ("A", "c2", "aided", 0, 20, 0.2, 10_000, "2025-01-01T10:03:00+00:00", ""),
    ("A", "c3", "unaided", 1, 30, 0.8, 10_000, "2025-01-01T10:04:00+00:00", ""),
    ("A", "c3", "aided", 1, 40, 0.8, 10_000, "2025-01-01T10:05:00+00:00", ""),
    ("B", "c3", "unaided", 1, 90, 0.8, 20_000, "2025-01-01T09:00:00+00:00", "legacy"),
    ("B", "c1", "unaided", 1, 90, 0.9, 20_000, "2025-01-01T11:00:00+00:00", ""),
    ("B", "c1", "aided", 1, 10, 0.9, 20_000, "2025-01-01T11:01:00+00:00", ""),
    ("B", "c2", "unaided", 0, 10, 0.2, 20_000, "2025-01-01T11:02:00+00:00", ""),
    ("C", "c1", "unaided", 1, 60, 0.9, None, None, ""),
]


def _frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        _ROWS,
        columns=[
            "reader",
            "case",
            "modality",
            "truth",
            "rating",
            "ai_probability",
            "time_ms",
            "submitted_at",
            "rating_flag",
        ],
    )
    frame["period"] = 1
    frame["experience_band"] = "2-9"
    return frame


def test_user_exposure_by_hand():
    e = user_exposure(_frame())
    # reads per reader A 6, B 3, C 1; aided A 3, B 1, C 0; minutes A 1, B 1 (C untimed);
    # times: six of 10 s and three of 20 s -> median 10 s.
    assert e.n_readers == 3
    assert (e.reads_per_reader.median, e.reads_per_reader.minimum) == (3.0, 1.0)
    assert e.reads_per_reader.maximum == 6.0
    assert e.aided_reads_per_reader.median == 1.0
    assert e.median_seconds_per_read == 10.0
    assert e.minutes_per_reader.median == pytest.approx(1.0)


def test_human_ai_agreement_by_hand():
    a = human_ai_agreement(_frame(), 50)
    # aided: A c1 agrees, c2 agrees, c3 (call 0, AI 1) does not; B c1 (call 0, AI 1) does not.
    assert (a.aided.k, a.aided.n) == (2, 4)
    # unaided: A c1 yes, c2 no, c3 no; B c1 yes, c2 yes; C c1 (60 -> 1, AI 1) yes.
    assert (a.unaided.k, a.unaided.n) == (4, 6)
    # pairs, unaided first: A c2 differed and took the AI; A c3 differed and kept its call;
    # A c1 agreed and stayed; B c1 agreed and left the AI. C has no pair (and no order).
    assert (a.switched_to_ai.k, a.switched_to_ai.n) == (1, 2)
    assert (a.switched_away.k, a.switched_away.n) == (1, 2)


def test_learning_curve_by_hand():
    first, second, last = learning_curve(_frame(), 50).thirds
    # A: places 0..5 -> thirds 0,0,1,1,2,2; unaided at 0 (right), 2 (wrong), 4 (wrong).
    # B (flagged read left out first): places 0..2 -> thirds 0,1,2; unaided at 0 (right), 2 (right).
    assert (first.k, first.n) == (2, 2)
    assert (second.k, second.n) == (0, 1)
    assert (last.k, last.n) == (1, 2)


def test_texts_of_the_human_factors_items():
    frame = _frame()
    assert "médiane 3" in report.exposure_text(user_exposure(frame))
    assert "50 % (2/4)" in report.agreement_text(human_ai_agreement(frame, 50))
    assert "premier 100 % (2/2), deuxième 0 % (0/1), dernier 50 % (1/2)" in report.learning_text(
        learning_curve(frame, 50)
    )


def test_a_locked_study_reports_from_its_locked_reads(world):
    study = services.lock_study(world)
    facts = selectors.read_facts(study)
    assert facts.reads_by_source == {"platform": 48, "imported": 48}
    assert [(a.version, a.reads) for a in facts.ai_shown] == [("1.0", 12), ("2.0", 12)]
    assert (facts.flow.reads_analysed, facts.flow.readers_analysed) == (94, 4)
    assert facts.feedback_shown is False


def test_a_study_locked_before_the_per_read_columns_claims_nothing_about_feedback(world):
    """A locked file without ``feedback_shown`` (locked before issue 17): not recorded, said so."""
    study = services.lock_study(world)
    frame = selectors.frame_from_csv(study.locked_reads_csv).drop(columns=["feedback_shown"])
    study.locked_reads_csv = frame.to_csv(index=False)
    facts = selectors.read_facts(study)
    assert facts.feedback_reads is None and facts.feedback_shown is None
    assert report.feedback_text(facts) == (
        "Affichage de la vérité pendant l'étude : non enregistré dans les lectures exportées."
    )
