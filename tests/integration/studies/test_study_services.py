"""Study rules: creation, enrolment with consent, sessions and washout, withdrawal, lock, import/export."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from medtandem.apps.reading.models import ReadingSession
from medtandem.apps.studies import selectors, services
from medtandem.apps.studies.analysis import analyze_frame
from medtandem.apps.studies.models import Participant, Status
from medtandem.apps.studies.services import StudyError, StudyLockedError

pytestmark = pytest.mark.django_db


def _study(case_set, investigator, **kw):
    defaults = {
        "title": "MI avec et sans IA",
        "question": "L'IA améliore-t-elle la détection de l'IDM ?",
        "case_set": case_set,
        "created_by": investigator,
        "seed": 2024,
        "washout_days": 0,
    }
    return services.create_study(**(defaults | kw))


def test_a_study_records_its_seed_invitation_code_and_the_ai_of_the_cached_predictions(
    case_set, investigator
):
    study = _study(case_set, investigator)
    assert study.seed == 2024
    assert len(study.invitation_code) == 8
    assert (study.ai_model_name, study.ai_model_version) == ("test-ecg-model", "1.0")
    assert study.conditions == ["unaided", "aided"]


def test_joining_needs_consent_and_a_valid_code(case_set, investigator, make_reader):
    study = _study(case_set, investigator)
    reader = make_reader()
    with pytest.raises(StudyError, match="consentement"):
        services.join_study(reader, study.invitation_code, consent=False)
    with pytest.raises(StudyError, match="inconnu"):
        services.join_study(reader, "NOPE", consent=True)
    assert not Participant.objects.exists()


def test_joining_captures_the_profile_pseudonym_and_opens_a_hidden_feedback_randomised_session(
    case_set, investigator, make_reader
):
    study = _study(case_set, investigator)
    reader = make_reader(years=12)
    p = services.join_study(reader, study.invitation_code.lower(), consent=True)
    assert (p.pseudonym, p.years_experience, p.profession) == ("R001", 12, "medicine")
    assert p.consent_sha256 == services.consent_digest(study.consent_text)
    (session,) = p.sessions.all()
    reading = session.reading_session
    assert reading.show_feedback is False
    assert reading.mode == p.condition_order[0]
    assert reading.case_order == session.case_order
    assert sorted(reading.case_order) == sorted(case_set.cases.values_list("pk", flat=True))
    assert session.seed == services.reader_plan(study, 0).sessions[0].seed
    assert services.join_study(reader, study.invitation_code, consent=True) == p  # idempotent


def test_readers_are_counterbalanced_between_condition_orders(case_set, investigator, make_reader):
    study = _study(case_set, investigator)
    firsts = [
        services.join_study(make_reader(), study.invitation_code, consent=True).condition_order[0]
        for _ in range(6)
    ]
    assert sorted(firsts) == ["aided"] * 3 + ["unaided"] * 3


def test_the_second_period_opens_only_after_the_first_is_done_and_the_washout(
    case_set, investigator, make_reader, read
):
    study = _study(case_set, investigator, washout_days=14)
    p = services.join_study(make_reader(), study.invitation_code, consent=True)
    first = services.advance(p)
    assert first.period == 1
    read(first.reading_session)
    second = services.advance(p)
    assert second.period == 2
    done = first.reading_session.completed_at
    assert second.reading_session.available_from == done + timedelta(days=14)
    assert second.reading_session.mode != first.reading_session.mode
    assert services.advance(p) == second  # no third period


def test_sequential_design_is_one_hybrid_session(case_set, investigator, make_reader):
    study = _study(case_set, investigator, design="sequential")
    p = services.join_study(make_reader(), study.invitation_code, consent=True)
    assert [s.reading_session.mode for s in p.sessions.all()] == ["practice"]


def test_split_plot_readers_read_only_their_block(case_set, investigator, make_reader):
    study = _study(case_set, investigator, design="split_plot", n_blocks=2)
    assert study.blocks.count() == 2
    parts = [
        services.join_study(make_reader(), study.invitation_code, consent=True) for _ in range(4)
    ]
    assert sorted(p.block for p in parts) == [0, 0, 1, 1]
    for p in parts:
        block_cases = set(
            study.blocks.get(index=p.block).case_set.cases.values_list("pk", flat=True)
        )
        assert set(p.sessions.get().case_order) == block_cases


def _complete_study(case_set, investigator, make_reader, read, n_readers=3):
    study = _study(case_set, investigator)
    for k in range(n_readers):
        p = services.join_study(
            make_reader(years=[0, 5, 15][k % 3]), study.invitation_code, consent=True
        )
        read(
            services.advance(p).reading_session,
            rate=lambda case, cond, k=k: (
                (70 + 5 * k if case.mi else 40 - 5 * k)
                if cond == "unaided"
                else (85 if case.mi else 15)
            ),
        )
        read(
            services.advance(p).reading_session,
            rate=lambda case, cond, k=k: (
                (70 + 5 * k if case.mi else 40 - 5 * k)
                if cond == "unaided"
                else (85 if case.mi else 15)
            ),
        )
    return study


def test_progress_counts_reads_per_reader_and_session(case_set, investigator, make_reader, read):
    study = _complete_study(case_set, investigator, make_reader, read, n_readers=2)
    services.join_study(make_reader(), study.invitation_code, consent=True)
    rows = selectors.progress(study)
    assert [r.status for r in rows] == ["completed", "completed", "active"]
    assert [(s.done, s.expected) for s in rows[0].sessions] == [(12, 12), (12, 12)]
    assert rows[0].sessions[0].median_time_s == 30.0
    later = selectors.progress(study, now=timezone.now() + timedelta(days=31))
    assert later[2].status == "dropped_out"


def test_export_is_the_mrmc_layout_with_pseudonymised_readers(
    case_set, investigator, make_reader, read
):
    study = _complete_study(case_set, investigator, make_reader, read, n_readers=2)
    text = selectors.export_csv(study)
    header = text.splitlines()[0].split(",")
    assert header[:5] == ["reader", "case", "modality", "truth", "rating"]
    frame = selectors.frame_from_csv(text)
    assert set(frame["reader"]) == {"R001", "R002"}
    assert "reader0" not in text and "reader1" not in text
    assert len(frame) == 2 * 12 * 2
    # The AI of each read is the one it showed: aided reads only (issue 17).
    aided = frame["modality"] == "aided"
    assert set(frame.loc[aided, "ai_model"]) == {"test-ecg-model"}
    assert frame.loc[~aided, "ai_model"].isna().all()


def test_a_withdrawn_reader_leaves_the_analysis(case_set, investigator, make_reader, read):
    study = _complete_study(case_set, investigator, make_reader, read, n_readers=3)
    services.withdraw(Participant.objects.get(study=study, pseudonym="R002"), "plus le temps")
    frame = selectors.study_frame(study)
    assert set(frame["reader"]) == {"R001", "R003"}
    assert [r.status for r in selectors.progress(study)][1] == "withdrawn"


def test_live_analysis_gives_mrmc_operating_points_time_and_reliance(
    case_set, investigator, make_reader, read
):
    study = _complete_study(case_set, investigator, make_reader, read)
    a = analyze_frame(selectors.study_frame(study), endpoint="MI", threshold=50)
    assert (a.n_readers, a.n_cases, a.n_reads) == (3, 12, 72)
    assert a.mrmc is not None, a.mrmc_error
    assert set(a.mrmc["mean_auc"]) == {"unaided", "aided"}
    assert a.mrmc["mean_auc"]["aided"] == pytest.approx(1.0)
    assert {"statistic", "df1", "df2", "p"} <= set(a.mrmc["rrrc"])
    assert a.operating["aided"]["pooled"]["sensitivity"]["value"] == 1.0
    assert a.time_per_read["unaided"]["median_s"] == 30.0
    # Switch-based measures keep only readers whose unaided reads came first (crossed design).
    frame = selectors.study_frame(study)
    period = frame.groupby(["reader", "modality"])["period"].min().unstack()
    unaided_first = set(period.index[period["unaided"] < period["aided"]])
    assert 0 < len(unaided_first) < 3
    assert set(a.reliance.by_reader) == unaided_first
    assert a.reliance.clustered.n_readers == len(unaided_first)
    # By arm: the readers who read aided first form the other arm, without switch measures.
    arms = {arm.arm: arm for arm in a.arms}
    assert set(arms) == {"unaided_first", "aided_first"}
    assert arms["unaided_first"].n_readers == len(unaided_first)
    assert arms["aided_first"].n_readers == 3 - len(unaided_first)
    assert arms["aided_first"].over_reliance is None
    assert arms["unaided_first"].over_reliance == a.reliance.overall.over_reliance


def test_a_locked_study_is_immutable_and_reproducible_from_its_export(
    case_set, investigator, make_reader, read
):
    study = _complete_study(case_set, investigator, make_reader, read, n_readers=2)
    study = services.lock_study(study)
    assert study.status == Status.LOCKED and len(study.locked_reads_sha256) == 64
    again = analyze_frame(
        selectors.frame_from_csv(selectors.export_csv(study)), endpoint="MI", threshold=50
    )
    assert again.to_dict() == study.locked_analysis
    with pytest.raises(StudyLockedError):
        services.join_study(make_reader(), study.invitation_code, consent=True)
    with pytest.raises(StudyLockedError):
        services.withdraw(study.participants.first())
    with pytest.raises(StudyLockedError):
        services.import_reads(study, "reader,case,modality,truth,rating\n")
    with pytest.raises(StudyLockedError):
        services.lock_study(study)


def test_import_of_reads_from_another_tool_is_atomic_with_errors_by_line(
    case_set, investigator, cases
):
    study = _study(case_set, investigator)
    good = "reader,case,modality,truth,rating\n" + "".join(
        f"X{r},{c.external_id},{m},{int(c.mi)},{80 if c.mi else 20}\n"
        for r in (1, 2)
        for c in cases
        for m in ("unaided", "aided")
    )
    bad = good + "X3,ptbxl:99999,aided,1,50\nX3,ptbxl:00001,telepathy,0,abc\n"
    with pytest.raises(services.ReadImportError) as exc:
        services.import_reads(study, bad)
    errors = exc.value.errors
    assert any("ligne 50" in e and "ptbxl:99999" in e for e in errors)
    assert any("ligne 51" in e and "telepathy" in e for e in errors)
    assert any("ligne 51" in e and "truth=0 contredit" in e for e in errors)
    assert any("ligne 51" in e and "rating" in e for e in errors)
    assert not study.imported_reads.exists()
    with pytest.raises(services.ReadImportError, match="colonnes manquantes : rating"):
        services.import_reads(study, "reader,case,modality,truth\n")
    report = services.import_reads(study, good, source="other-tool")
    assert (report.created, report.readers) == (48, 2)
    frame = selectors.study_frame(study)
    assert set(frame["reader"]) == {"X1", "X2"}
    with pytest.raises(services.ReadImportError, match="en double"):
        services.import_reads(study, good)


def test_reading_sessions_of_a_study_are_not_shown_feedback(case_set, investigator, make_reader):
    study = _study(case_set, investigator)
    services.join_study(make_reader(), study.invitation_code, consent=True)
    assert not ReadingSession.objects.filter(show_feedback=True).exists()
