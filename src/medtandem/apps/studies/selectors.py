"""Read-side queries: a study's reads as a data frame (the MRMC layout plus metadata), the export,
progress per reader and session, and the paired reads behind the reliance pages."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median
from typing import Any

import pandas as pd
from django.db.models import Case as Switch
from django.db.models import Count, IntegerField, Max, QuerySet, Value, When
from django.utils import timezone

from medtandem.apps.accounts.models import User
from medtandem.apps.accounts.selectors import (
    cohorts_of_instructor,
    has_role,
    learners_of_instructor,
)
from medtandem.apps.cases.models import AIPrediction, Case, CaseSignal
from medtandem.apps.reading.models import FeedbackView, Read
from medtandem.apps.reading.selectors import (
    RereadOverview,
    reread_overview,
    revealed_reads,
    revealing_q,
    schedules_of_instructor,
)
from medtandem.apps.studies import randomisation as rnd
from medtandem.apps.studies.advice import over_relies, reliance_advice
from medtandem.apps.studies.analysis import usable_reads
from medtandem.apps.studies.models import ImportedRead, Participant, Study, StudySession
from medtandem.csvsafe import frame_to_csv
from medtandem.ecg.ptbxl import SUPERCLASSES
from medtandem.reliance import (
    DeskillingWatch,
    RelianceMeasures,
    RelianceReport,
    analyze_reliance,
    deskilling_watch,
    experience_band,
)

#: The export's columns: the MRMC layout first, then the metadata.
EXPORT_COLUMNS = [
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
    "feedback_shown",
]
#: Reads without activity for this long, in an unfinished study session, count as dropped out.
DROPOUT_AFTER = timedelta(days=30)


def studies_visible_to(user: Any) -> QuerySet[Study]:
    if has_role(user, "administrator"):
        return Study.objects.all()
    return Study.objects.filter(created_by=user)


def participations_of(user: Any) -> QuerySet[Participant]:
    return Participant.objects.filter(user=user).select_related("study")


def ai_probabilities(study: Study) -> dict[int, float]:
    """The study model's probability of the endpoint for each case that has a cached prediction."""
    if not study.ai_model_name:
        return {}
    rows = AIPrediction.objects.filter(
        case__case_sets=study.case_set,
        model_name=study.ai_model_name,
        model_version=study.ai_model_version,
    ).values_list("case_id", "probabilities")
    return {
        case_id: float(p.get(study.endpoint, 0.0)) for case_id, p in rows if isinstance(p, dict)
    }


def study_frame(study: Study) -> pd.DataFrame:
    """Every read of the study's active readers (and imported reads) in :data:`EXPORT_COLUMNS` order.

    Per read, from what was stored with it (not from the study settings): ``ai_model`` and
    ``ai_version`` of the suggestion the read showed (empty on unaided and imported reads), and
    ``feedback_shown`` (1 when the read revealed its case's truth to its reader: the reading app's
    rule, :func:`medtandem.apps.reading.visibility.revealing_q`; empty on imported reads).
    """
    field = study.endpoint.lower()
    participants = {
        p.pk: p for p in Participant.objects.filter(study=study, withdrawn_at__isnull=True)
    }
    sessions = {
        s.reading_session_id: s
        for s in StudySession.objects.filter(participant_id__in=list(participants))
    }
    ai = ai_probabilities(study)
    common = {
        "study_id": study.pk,
        "endpoint": study.endpoint,
        "threshold": study.threshold,
        "design": study.design,
        "study_seed": study.seed,
        "simulated": int(study.is_simulated),
    }
    raw = pd.DataFrame.from_records(
        Read.objects.filter(session_id__in=list(sessions))
        .annotate(
            revealed=Switch(
                When(revealing_q(), then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )
        .order_by("session_id", "submitted_at", "pk")
        .values_list(
            "session_id",
            "case_id",
            "case__external_id",
            "condition",
            f"case__{field}",
            f"rating_{field}",
            field,
            "client_time_ms",
            "opened_at",
            "submitted_at",
            "seen_truth_before",
            "rating_flag",
            "ai_prediction__model_name",
            "ai_prediction__model_version",
            "revealed",
        ),
        columns=[
            "session_id",
            "case_id",
            "case",
            "modality",
            "truth",
            "rating",
            "asserted",
            "client_ms",
            "opened",
            "submitted",
            "seen_truth_before",
            "rating_flag",
            "ai_model",
            "ai_version",
            "feedback_shown",
        ],
    )
    meta = pd.DataFrame.from_records(
        [
            (
                sid,
                participants[s.participant_id].pseudonym,
                s.period,
                s.seed,
                participants[s.participant_id],
            )
            for sid, s in sessions.items()
        ],
        columns=["session_id", "reader", "period", "session_seed", "participant"],
    )
    frame = raw.merge(meta, on="session_id", how="left")
    person = frame.pop("participant")
    for name in ("arm", "block", "profession", "practice_status", "years_experience"):
        frame[name] = [getattr(p, name) for p in person]
    frame["prior_ecg_training"] = [int(p.prior_ecg_training) for p in person]
    frame["experience_band"] = [experience_band(p.years_experience) for p in person]
    server_ms = (
        pd.to_datetime(frame["submitted"], utc=True) - pd.to_datetime(frame["opened"], utc=True)
    ).dt.total_seconds() * 1000
    frame["time_ms"] = (
        frame["client_ms"].astype("Float64").fillna(server_ms.round().astype("Float64"))
    )
    frame["submitted_at"] = [t.isoformat() for t in frame["submitted"]]
    frame["truth"] = frame["truth"].astype(int)
    frame["asserted"] = frame["asserted"].astype(int)
    frame["seen_truth_before"] = frame["seen_truth_before"].astype(int)
    frame["source"] = "medtandem"
    # The AI a read showed is the one its prediction came from (none on unaided reads).
    frame["ai_model"] = frame["ai_model"].astype(object).where(frame["ai_model"].notna(), "")
    frame["ai_version"] = frame["ai_version"].astype(object).where(frame["ai_version"].notna(), "")
    imported = pd.DataFrame.from_records(
        ImportedRead.objects.filter(study=study).values_list(
            "reader", "case_id", "case__external_id", "modality", "truth", "rating", "source"
        ),
        columns=["reader", "case_id", "case", "modality", "truth", "rating", "source"],
    )
    if not imported.empty:
        imported["truth"] = imported["truth"].astype(int)
        imported["experience_band"] = "unknown"
        imported["seen_truth_before"] = 0
        imported["rating_flag"] = ""
        # Another tool's reads: what its readers saw is not recorded here (left empty).
        imported["ai_model"] = ""
        imported["ai_version"] = ""
        imported["source"] = ["import:" + x if x else "import" for x in imported["source"]]
        frame = pd.concat([frame, imported], ignore_index=True) if not frame.empty else imported
    probs = frame["case_id"].map(ai) if not frame.empty else pd.Series(dtype=float)
    frame["ai_probability"] = probs
    frame["ai_decision"] = (probs >= 0.5).astype("Int64").where(probs.notna())
    frame["decision"] = (frame["rating"] >= study.threshold).astype(int) if not frame.empty else []
    for name, value in common.items():
        frame[name] = value
    return frame.reindex(columns=EXPORT_COLUMNS)


def export_csv(study: Study) -> str:
    """The study's reads as CSV (readers pseudonymised). For a locked study: the locked file itself."""
    if study.is_locked and study.locked_reads_csv:
        return study.locked_reads_csv
    return frame_to_csv(study_frame(study))


def frame_from_csv(text: str) -> pd.DataFrame:
    """Read an export back (the analysis of a locked study starts here)."""
    frame = pd.read_csv(
        io.StringIO(text),
        dtype={
            "reader": str,
            "case": str,
            "modality": str,
            "experience_band": str,
            "profession": str,
            "source": str,
            "ai_model": str,
            "ai_version": str,
        },
    )
    return frame


# --- what the stored reads say (the report's checklist and flow diagram) -----------------------

PLATFORM, IMPORTED = "platform", "imported"
#: Why reads or readers leave the analysis, in the flow diagram's order.
WITHDRAWN, LEGACY_FLAG, SEEN_TRUTH, NO_USABLE_READ = (
    "withdrawn",
    "rating_flag",
    "seen_truth_before",
    "no_usable_read",
)


@dataclass(frozen=True)
class AIShown:
    """One AI model version as the aided reads showed it, and on how many reads."""

    model: str
    version: str
    reads: int


@dataclass(frozen=True)
class StudyFlow:
    """CONSORT-style flow of readers, reads and cases from enrolment to analysis.

    Readers: those who consented on the platform plus the distinct reader names of imported reads;
    withdrawn readers' reads leave every analysis; reads are then excluded for a legacy rating flag
    or because the reader had seen the case's truth before (:func:`analysis.usable_reads`, in that
    order of precedence: a read with both counts under ``seen_truth_before``); a reader left with no
    usable read is not analysed. ``readers_incomplete``: analysed platform readers with fewer reads
    than their plan (still reading, or dropped out).
    """

    readers_enrolled: int
    readers_platform: int
    readers_imported: int
    readers_withdrawn: int
    reads_withdrawn: int
    reads_recorded: int
    reads_excluded: dict[str, int]
    reads_analysed: int
    readers_no_usable_read: int
    readers_analysed: int
    readers_incomplete: int
    cases_in_set: int
    cases_read: int
    cases_analysed: int


@dataclass(frozen=True)
class ReadFacts:
    """What the study's stored reads and cases say, for the report to state and nothing more.

    - ``reads_by_source``: platform and imported reads (of readers not withdrawn);
    - ``ai_shown``: model and version of the suggestion on each aided platform read (per read, not the
      study settings); ``aided_without_ai``: aided platform reads that stored no suggestion;
    - ``feedback_reads``: reads that revealed their case's truth to the reader during the study (None:
      not recorded, e.g. a study locked before the column existed); ``feedback_views``: feedback pages
      the readers' browsers reported seeing in the study's sessions;
    - ``leads``: lead count → cases, over the cases read (0: no tracing stored);
      ``case_sources`` and ``case_licences``: where those cases (and their truth labels) come from;
    - ``orders_from_randomiser``: every platform reader's arm, block, condition order and session case
      orders equal the plan the randomiser replays from the study seed (None: no platform reader).
    """

    design: str
    reads_by_source: dict[str, int]
    import_sources: tuple[str, ...]
    ai_shown: tuple[AIShown, ...]
    aided_without_ai: int
    feedback_reads: int | None
    feedback_views: int
    leads: dict[int, int]
    case_sources: dict[str, int]
    case_licences: dict[str, int]
    orders_from_randomiser: bool | None
    flow: StudyFlow
    #: the cases read: median age (None: no age recorded), how many have an age, sex code → cases
    median_age: float | None = None
    n_with_age: int = 0
    case_sexes: dict[str, int] = field(default_factory=dict)

    @property
    def feedback_shown(self) -> bool | None:
        if self.feedback_views:
            return True
        return None if self.feedback_reads is None else self.feedback_reads > 0


def read_facts(study: Study, frame: pd.DataFrame | None = None) -> ReadFacts:
    """The facts of :class:`ReadFacts` for one study, from its reads (the locked file once locked).

    ``frame``: that study's :func:`reads_frame` when the caller already has it (the report builds
    its analysis from the same frame; building it twice would read every read twice)."""
    frame = reads_frame(study) if frame is None else frame
    participants = list(Participant.objects.filter(study=study))
    withdrawn = [p for p in participants if p.withdrawn_at is not None]
    reads_withdrawn = Read.objects.filter(session__study_session__participant__in=withdrawn).count()
    source = frame["source"].astype(str) if not frame.empty else pd.Series(dtype=str)
    imported_mask = source.str.startswith("import")
    platform = frame[~imported_mask]
    imported = frame[imported_mask]
    import_sources = tuple(
        sorted({s.partition(":")[2] for s in imported["source"].astype(str)} - {""})
    )
    aided = platform[platform["modality"] == "aided"]
    model = aided["ai_model"].astype(object).where(aided["ai_model"].notna(), "").astype(str)
    version = aided["ai_version"].astype(object).where(aided["ai_version"].notna(), "").astype(str)
    shown = pd.DataFrame({"model": model, "version": version})
    with_ai = shown[shown["model"] != ""]
    ai_shown = tuple(
        AIShown(str(m), str(v), int(n))
        for (m, v), n in with_ai.groupby(["model", "version"], sort=True).size().items()
    )
    feedback_reads: int | None = None
    if "feedback_shown" in platform and (
        platform.empty or platform["feedback_shown"].notna().all()
    ):
        feedback_reads = int(pd.to_numeric(platform["feedback_shown"]).fillna(0).sum())
    feedback_views = FeedbackView.objects.filter(
        session__study_session__participant__study=study
    ).count()
    case_refs = set(frame["case"].astype(str)) if not frame.empty else set()
    cases = list(
        Case.objects.filter(external_id__in=case_refs).values_list(
            "pk", "source", "licence", "age", "sex"
        )
    )
    ages = [float(a) for *_rest, a, _sex in cases if a is not None]
    lead_names = dict(
        CaseSignal.objects.filter(case_id__in=[c[0] for c in cases]).values_list("case_id", "leads")
    )
    leads: dict[int, int] = defaultdict(int)
    for pk, *_rest in cases:
        leads[len(lead_names.get(pk) or [])] += 1
    usable, excluded = usable_reads(frame) if not frame.empty else (frame, {})
    analysed_readers = set(usable["reader"].astype(str)) if not usable.empty else set()
    active = [p for p in participants if p.withdrawn_at is None]
    imported_readers = set(imported["reader"].astype(str))
    reads_of = platform["reader"].astype(str).value_counts().to_dict() if not platform.empty else {}
    expected = _planned_reads(study)
    incomplete = sum(
        1
        for p in active
        if p.pseudonym in analysed_readers
        and reads_of.get(p.pseudonym, 0) < expected.get(p.block, 0)
    )
    n_in_set = study.case_set.cases.count()
    flow = StudyFlow(
        readers_enrolled=len(participants) + len(imported_readers),
        readers_platform=len(participants),
        readers_imported=len(imported_readers),
        readers_withdrawn=len(withdrawn),
        reads_withdrawn=reads_withdrawn,
        reads_recorded=int(len(frame)),
        reads_excluded={
            SEEN_TRUTH: excluded.get(SEEN_TRUTH, 0),
            LEGACY_FLAG: excluded.get(LEGACY_FLAG, 0),
        },
        reads_analysed=int(len(usable)),
        readers_no_usable_read=len(active) + len(imported_readers) - len(analysed_readers),
        readers_analysed=len(analysed_readers),
        readers_incomplete=incomplete,
        cases_in_set=n_in_set,
        cases_read=len(case_refs),
        cases_analysed=int(usable["case"].astype(str).nunique()) if not usable.empty else 0,
    )
    return ReadFacts(
        design=study.design,
        reads_by_source={PLATFORM: int(len(platform)), IMPORTED: int(len(imported))},
        import_sources=import_sources,
        ai_shown=ai_shown,
        aided_without_ai=int(len(shown) - len(with_ai)),
        feedback_reads=feedback_reads,
        feedback_views=feedback_views,
        leads=dict(sorted(leads.items())),
        case_sources=_counts(s for _pk, s, *_rest in cases),
        case_licences=_counts(lic for _pk, _s, lic, *_rest in cases),
        orders_from_randomiser=_orders_from_randomiser(study, participants),
        flow=flow,
        median_age=median(ages) if ages else None,
        n_with_age=len(ages),
        case_sexes=_counts(c[4] for c in cases),
    )


def _counts(values: Any) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for v in values:
        out[str(v or "—")] += 1
    return dict(sorted(out.items()))


def _planned_reads(study: Study) -> dict[int | None, int]:
    """Reads a reader's plan holds, by split-plot block (None: the whole case set)."""
    per_case = 2  # unaided and aided, in one hybrid session or in two periods
    out: dict[int | None, int] = {None: study.case_set.cases.count() * per_case}
    for b in study.blocks.select_related("case_set"):
        out[b.index] = b.case_set.cases.count() * per_case
    return out


def _orders_from_randomiser(study: Study, participants: list[Participant]) -> bool | None:
    """Whether every reader's allocation and orders are the randomiser's replayed plan."""
    if not participants:
        return None
    case_ids = list(study.case_set.cases.values_list("pk", flat=True))
    sessions: dict[int, dict[int, list[int]]] = defaultdict(dict)
    for pid, period, order in StudySession.objects.filter(participant__in=participants).values_list(
        "participant_id", "period", "case_order"
    ):
        sessions[pid][period] = list(order)
    for p in participants:
        plan = rnd.plan_reader(
            study.design,
            study.seed,
            p.join_index,
            case_ids,
            conditions=study.conditions or rnd.CONDITIONS,
            n_blocks=study.n_blocks,
        )
        if (p.arm, p.block, list(p.condition_order)) != (
            plan.arm,
            plan.block,
            list(plan.condition_order),
        ):
            return False
        for s in plan.sessions:
            stored = sessions[p.pk].get(s.period)
            if stored is not None and stored != list(s.case_order):
                return False
    return True


# --- progress ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionProgress:
    period: int
    mode: str
    reading_session_id: int
    done: int
    expected: int
    available_from: datetime | None
    completed_at: datetime | None
    median_time_s: float | None
    last_read_at: datetime | None


@dataclass(frozen=True)
class ReaderProgress:
    participant: Participant
    sessions: tuple[SessionProgress, ...]
    planned_sessions: int
    status: str  # active | completed | withdrawn | dropped_out

    @property
    def done(self) -> int:
        return sum(s.done for s in self.sessions)


def progress(study: Study, now: datetime | None = None) -> list[ReaderProgress]:
    """Reads done per reader and session, median time per read, and drop-outs."""
    now = now or timezone.now()
    participants = list(Participant.objects.filter(study=study).select_related("user"))
    sessions = list(
        StudySession.objects.filter(participant__study=study).select_related("reading_session")
    )
    counts = {
        row["session_id"]: row
        for row in Read.objects.filter(session__study_session__participant__study=study)
        .values("session_id")
        .annotate(n=Count("id"), last=Max("submitted_at"))
    }
    times: dict[int, list[float]] = defaultdict(list)
    for session_id, client_ms, opened, submitted in Read.objects.filter(
        session__study_session__participant__study=study
    ).values_list("session_id", "client_time_ms", "opened_at", "submitted_at"):
        ms = (
            client_ms
            if client_ms is not None
            else ((submitted - opened).total_seconds() * 1000 if opened else None)
        )
        if ms is not None:
            times[session_id].append(ms / 1000)
    n_cases = study.case_set.cases.count()
    block_sizes = {
        b.index: b.case_set.cases.count() for b in study.blocks.select_related("case_set")
    }
    planned = 1 if study.design == "sequential" else len(study.conditions)
    by_participant: dict[int, list[StudySession]] = defaultdict(list)
    for s in sessions:
        by_participant[s.participant_id].append(s)
    out = []
    for p in participants:
        cases = block_sizes.get(p.block, n_cases) if p.block is not None else n_cases
        rows = []
        for s in sorted(by_participant[p.pk], key=lambda s: s.period):
            c = counts.get(s.reading_session_id, {})
            steps = 2 if s.mode == "practice" else 1
            rows.append(
                SessionProgress(
                    s.period,
                    s.mode,
                    s.reading_session_id,
                    c.get("n", 0),
                    cases * steps,
                    s.reading_session.available_from,
                    s.reading_session.completed_at,
                    median(times[s.reading_session_id]) if times[s.reading_session_id] else None,
                    c.get("last"),
                )
            )
        complete = len(rows) == planned and all(r.completed_at for r in rows)
        last = max([r.last_read_at for r in rows if r.last_read_at] + [p.consented_at])
        if p.withdrawn_at:
            status = "withdrawn"
        elif complete:
            status = "completed"
        elif now - last > DROPOUT_AFTER and not any(
            r.available_from and r.available_from > now for r in rows
        ):
            status = "dropped_out"
        else:
            status = "active"
        out.append(ReaderProgress(p, tuple(rows), planned, status))
    return out


# --- paired reads for the reliance pages --------------------------------------------------------

ALL_LABELS = "ALL"


def learner_reads(users: list[User]) -> list[dict[str, Any]]:
    """The reads of these learners, oldest first, with the truth and the AI output they saw.

    Only reads whose truth their reader may already see count (the reading app's one rule,
    :func:`medtandem.apps.reading.selectors.revealed_reads`): the reliance figures are scored against
    the truth, so a read whose aided step is open, or made in a study that hides feedback, would
    give the truth away.
    """
    label_fields = [s.lower() for s in SUPERCLASSES]
    rows = list(
        revealed_reads(Read.objects.filter(learner__in=users))
        .order_by("learner_id", "submitted_at", "pk")
        .values(
            "learner_id",
            "case_id",
            "condition",
            "submitted_at",
            "ai_prediction__probabilities",
            *label_fields,
            *[f"rating_{f}" for f in label_fields],
            *[f"case__{f}" for f in label_fields],
        )
    )
    return rows


def paired_items(rows: list[dict[str, Any]], label: str = ALL_LABELS) -> pd.DataFrame:
    """One row per (learner, case, finding) read both unaided and aided (first read of each), with the AI's call.

    The AI output comes from the aided read's prediction; decisions are the reader's calls. Only
    pairs whose unaided read was committed *before* the aided one count: a switch is meaningful
    only then. ``label`` is a superclass or ``ALL`` (every superclass, each (case, finding) an item;
    ``cluster`` names the case so that pooled intervals treat the findings of one ECG together).
    """
    labels = list(SUPERCLASSES) if label == ALL_LABELS else [label]
    first: dict[tuple[int, int, str], dict[str, Any]] = {}
    for r in rows:
        first.setdefault((r["learner_id"], r["case_id"], r["condition"]), r)
    items = []
    for (learner, case, condition), aided in first.items():
        if condition != "aided":
            continue
        unaided = first.get((learner, case, "unaided"))
        probs = aided.get("ai_prediction__probabilities")
        if unaided is None or not isinstance(probs, dict):
            continue
        if unaided["submitted_at"] > aided["submitted_at"]:
            continue  # aided first: the "unaided" read is no longer unaided
        for name in labels:
            f = name.lower()
            p = float(probs.get(name, 0.0))
            items.append(
                {
                    "reader": str(learner),
                    "case": f"{case}:{name}",
                    "cluster": str(case),
                    "label": name,
                    "truth": bool(aided[f"case__{f}"]),
                    "unaided": bool(unaided[f]),
                    "aided": bool(aided[f]),
                    "ai": p >= 0.5,
                    "unaided_confidence": unaided[f"rating_{f}"],
                    "aided_confidence": aided[f"rating_{f}"],
                    "ai_probability": p,
                }
            )
    return pd.DataFrame(items)


def case_difficulty(
    rows: list[dict[str, Any]], label: str = ALL_LABELS
) -> dict[tuple[int, int], float]:
    """Expected unaided correctness of each (learner, case): the other learners' unaided accuracy on
    that case, smoothed toward the overall accuracy ((right + 2 p) / (n + 2), leave-one-reader-out)."""
    labels = list(SUPERCLASSES) if label == ALL_LABELS else [label]
    by_case: dict[int, dict[int, bool]] = {}
    for r in rows:
        if r["condition"] == "unaided":
            by_case.setdefault(r["case_id"], {}).setdefault(
                r["learner_id"], _read_correct(r, labels)
            )
    outcomes = [c for readers in by_case.values() for c in readers.values()]
    overall = (sum(outcomes) + 1) / (len(outcomes) + 2)
    out: dict[tuple[int, int], float] = {}
    for case, readers in by_case.items():
        right, n = sum(readers.values()), len(readers)
        for learner, correct in readers.items():
            out[(learner, case)] = (right - correct + 2 * overall) / (n - 1 + 2)
    return out


def _read_correct(r: dict[str, Any], labels: list[str]) -> bool:
    """A read is right when every finding asked about is called right (all five superclasses by default)."""
    return all(bool(r[n.lower()]) == bool(r[f"case__{n.lower()}"]) for n in labels)


def chronology(
    rows: list[dict[str, Any]],
    learner_id: int,
    label: str = ALL_LABELS,
    difficulty: dict[tuple[int, int], float] | None = None,
) -> list[tuple[str, bool, float | None]]:
    """``(condition, correct, expected)`` per *read* (not per finding), oldest first, for the deskilling watch.

    ``correct``: every finding asked about called right; ``expected``: the case's difficulty
    (:func:`case_difficulty`), None when unknown.
    """
    labels = list(SUPERCLASSES) if label == ALL_LABELS else [label]
    difficulty = difficulty or {}
    return [
        (r["condition"], _read_correct(r, labels), difficulty.get((learner_id, r["case_id"])))
        for r in rows
        if r["learner_id"] == learner_id
    ]


def cohort_learners(instructor: User, cohort_id: int | None = None) -> list[User]:
    if cohort_id:
        cohort = cohorts_of_instructor(instructor).filter(pk=cohort_id).first()
        return list(cohort.learners.all()) if cohort else []
    return list(learners_of_instructor(instructor))


@dataclass(frozen=True)
class LearnerReliance:
    """What one learner's reliance page shows: paired measures, the deskilling watch, advice."""

    label: str
    measures: RelianceMeasures | None
    watch: DeskillingWatch | None
    advice: list[str]
    #: per superclass, when all findings are pooled (pooled figures are dominated by true negatives)
    by_label: dict[str, RelianceMeasures] = field(default_factory=dict)


def learner_reliance(user: User, label: str = ALL_LABELS) -> LearnerReliance:
    rows = learner_reads([user])
    items = paired_items(rows, label)
    report = analyze_reliance(items, stratum="label") if not items.empty else None
    measures = report.overall if report else None
    by_label = dict(report.by_stratum) if report and label == ALL_LABELS else {}
    chronology_ = chronology(rows, user.pk, label)
    watch = deskilling_watch(chronology_, after_aided=20, window=20) if chronology_ else None
    return LearnerReliance(label, measures, watch, reliance_advice(measures, watch), by_label)


@dataclass(frozen=True)
class CohortReader:
    learner: User
    measures: RelianceMeasures | None
    watch: DeskillingWatch | None
    over_relies: bool
    lost_skill: bool

    @property
    def unaided_change(self) -> tuple[float, float] | None:
        """Unaided accuracy at baseline and at follow-up, only when both exist: a baseline alone
        is no trend and is not shown (the page says the follow-up is missing instead)."""
        w = self.watch
        if w is None or w.baseline.value is None or w.follow_up.value is None:
            return None
        return w.baseline.value, w.follow_up.value

    @property
    def missing_period(self) -> str:
        """``follow_up`` or ``baseline`` when the watch lacks that period's unaided reads, else ''."""
        w = self.watch
        if w is None or self.unaided_change is not None:
            return ""
        return "follow_up" if w.follow_up.n == 0 else "baseline"


def cohort_reliance(
    instructor: User, cohort_id: int | None, label: str = ALL_LABELS
) -> tuple[list[CohortReader], RelianceReport | None]:
    """Per learner of the instructor's cohort(s): measures (stratified by experience) and flags."""
    learners = cohort_learners(instructor, cohort_id)
    rows = learner_reads(learners)
    items = paired_items(rows, label)
    by_id = {str(u.pk): u for u in learners}
    report = None
    if not items.empty:
        items["stratum"] = [experience_band(by_id[r].years_experience) for r in items["reader"]]
        report = analyze_reliance(items)
    out = []
    difficulty = case_difficulty(rows, label)
    for learner in learners:
        m = report.by_reader.get(str(learner.pk)) if report else None
        chronology_ = chronology(rows, learner.pk, label, difficulty)
        watch = deskilling_watch(chronology_) if chronology_ else None
        out.append(
            CohortReader(learner, m, watch, bool(m and over_relies(m)), bool(watch and watch.alert))
        )
    return out, report


def cohort_rereads(instructor: User, cohort_id: int | None, today: date) -> list[RereadOverview]:
    """The deskilling watch's cleanest series: each re-read schedule of the shown cohort (all the
    instructor's cohorts when none is chosen), round by round, through the reading app's selector."""
    schedules = schedules_of_instructor(instructor).order_by("cohort__name", "-created_at")
    if cohort_id:
        schedules = schedules.filter(cohort_id=cohort_id)
    return [reread_overview(s, today) for s in schedules]


# --- per-case review (investigators) -------------------------------------------------------------


def reads_frame(study: Study) -> pd.DataFrame:
    """The reads an analysis of the study uses: the locked file once locked, else the live reads."""
    if study.is_locked and study.locked_reads_csv:
        return frame_from_csv(study.locked_reads_csv)
    return study_frame(study)


@dataclass(frozen=True)
class CaseReview:
    """One case of a study: every reader's rating per condition beside the AI and the truth."""

    case: Case
    position: int
    n_cases: int
    truth: bool
    ai_probability: float | None
    #: reader pseudonym -> condition -> (rating, decision at the study's threshold)
    readings: dict[str, dict[str, tuple[float, bool]]]
    previous_id: int | None
    next_id: int | None


def case_review(study: Study, case_id: int) -> CaseReview | None:
    cases = list(study.case_set.ordered_cases())
    index = next((i for i, c in enumerate(cases) if c.pk == case_id), None)
    if index is None:
        return None
    case = cases[index]
    frame = reads_frame(study)
    rows = frame[frame["case"].astype(str) == case.external_id] if not frame.empty else frame
    readings: dict[str, dict[str, tuple[float, bool]]] = {}
    for row in rows.itertuples(index=False):
        rating = float(row.rating)
        readings.setdefault(str(row.reader), {})[str(row.modality)] = (
            rating,
            rating >= study.threshold,
        )
    return CaseReview(
        case=case,
        position=index,
        n_cases=len(cases),
        truth=bool(getattr(case, study.endpoint.lower())),
        ai_probability=ai_probabilities(study).get(case.pk),
        readings=dict(sorted(readings.items())),
        previous_id=cases[index - 1].pk if index > 0 else None,
        next_id=cases[index + 1].pk if index + 1 < len(cases) else None,
    )


@dataclass(frozen=True)
class ReaderSession:
    """A study session as its reader sees it: ``state`` is done, opens_later (washout) or to_read."""

    session: StudySession
    state: str
    opens_at: datetime | None


def reader_sessions(participant: Participant, now: datetime | None = None) -> list[ReaderSession]:
    now = now or timezone.now()
    out = []
    for s in participant.sessions.select_related("reading_session").order_by("period"):
        reading = s.reading_session
        if reading.completed_at:
            state = "done"
        elif reading.available_from and reading.available_from > now:
            state = "opens_later"
        else:
            state = "to_read"
        out.append(ReaderSession(s, state, reading.available_from))
    return out
