"""Write-side rules of reader studies: creating, enrolling (consent), scheduling sessions with washout,
withdrawal, import of reads from another tool, and locking.

A locked study is immutable: every write here refuses it with :class:`StudyLockedError`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from medtandem.ai import ModelLoadError
from medtandem.apps.accounts.models import Role, User
from medtandem.apps.accounts.selectors import has_role
from medtandem.apps.audit.services import Action, record
from medtandem.apps.cases.models import AIPrediction, Case, CaseSet
from medtandem.apps.cases.services import build_case_set, current_model
from medtandem.apps.reading.models import ReadingSession
from medtandem.apps.reading.services import lock_sessions, start_session
from medtandem.apps.studies import randomisation as rnd
from medtandem.apps.studies.analysis import analyze_frame
from medtandem.apps.studies.models import (
    Design,
    ImportedRead,
    Participant,
    Status,
    Study,
    StudyBlock,
    StudySession,
)
from medtandem.apps.studies.selectors import export_csv, frame_from_csv
from medtandem.ecg.ptbxl import SUPERCLASSES

DEFAULT_CONSENT = (
    "J'accepte de participer à cette étude de lecture d'ECG. Mes lectures, mon temps de lecture et mon "
    "profil (profession, années d'expérience, formation ECG antérieure) seront analysés sous pseudonyme. "
    "Je peux me retirer à tout moment, sans avoir à me justifier ; mes lectures sont alors exclues des "
    "analyses non encore verrouillées."
)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class StudyError(Exception):
    """A request breaks a rule of the study (HTTP 400/409); the message says which."""


class StudyLockedError(StudyError):
    """The study is locked: it cannot change any more."""


def _check_open(study: Study) -> None:
    if study.status == Status.LOCKED:
        raise StudyLockedError("cette étude est verrouillée et ne peut plus être modifiée")


def consent_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
        if not Study.objects.filter(invitation_code=code).exists():
            return code


def default_ai_model(case_set: CaseSet) -> tuple[str, str]:
    """The model with cached predictions for most of the set's cases, else the model in service, else none."""
    row = (
        AIPrediction.objects.filter(case__case_sets=case_set)
        .values("model_name", "model_version")
        .annotate(n=Count("id"))
        .order_by("-n", "model_name")
        .first()
    )
    if row:
        return row["model_name"], row["model_version"]
    try:
        model = current_model()
    except (
        ModelLoadError
    ):  # no model installed: the study can still run unaided-only or import reads
        return "", ""
    return model.name, model.version


@transaction.atomic
def create_study(
    *,
    title: str,
    question: str,
    case_set: CaseSet,
    created_by: User | None,
    design: str = Design.CROSSED,
    endpoint: str = "MI",
    threshold: int = 50,
    washout_days: int = 28,
    n_blocks: int = 2,
    seed: int | None = None,
    consent_text: str = "",
    ai_model_name: str | None = None,
    ai_model_version: str | None = None,
    ai_model_card_url: str = "",
    intended_use: str = "",
    reader_training: str = "",
    poor_quality_handling: str = "",
    is_simulated: bool = False,
) -> Study:
    """Create a study, fix its seed (recorded, for replay), and for split-plot its case blocks."""
    if design not in Design.values:
        raise StudyError(f"plan inconnu {design!r} ; attendu parmi {Design.values}")
    if endpoint not in SUPERCLASSES:
        raise StudyError(f"critère {endpoint!r} inconnu ; attendu parmi {list(SUPERCLASSES)}")
    if not 0 <= threshold <= 100:
        raise StudyError("le seuil doit être compris entre 0 et 100")
    case_ids = list(case_set.cases.values_list("pk", flat=True))
    if len(case_ids) < 2:
        raise StudyError("la série de cas doit contenir au moins deux cas")
    if design == Design.SPLIT_PLOT and not 2 <= n_blocks <= len(case_ids):
        raise StudyError(f"un split-plot demande entre 2 et {len(case_ids)} blocs")
    if ai_model_name is None:
        ai_model_name, ai_model_version = default_ai_model(case_set)
    study = Study.objects.create(
        title=title,
        question=question,
        case_set=case_set,
        created_by=created_by,
        design=design,
        endpoint=endpoint,
        threshold=threshold,
        washout_days=washout_days if design != Design.SEQUENTIAL else 0,
        n_blocks=n_blocks if design == Design.SPLIT_PLOT else 1,
        seed=seed if seed is not None else secrets.randbelow(2**31),
        invitation_code=_new_code(),
        consent_text=consent_text or DEFAULT_CONSENT,
        conditions=list(rnd.CONDITIONS),
        ai_model_name=ai_model_name or "",
        ai_model_version=ai_model_version or "",
        ai_model_card_url=ai_model_card_url,
        intended_use=intended_use,
        reader_training=reader_training,
        poor_quality_handling=poor_quality_handling,
        is_simulated=is_simulated,
    )
    if design == Design.SPLIT_PLOT:
        for index, block in enumerate(rnd.case_blocks(case_ids, study.n_blocks, study.seed)):
            block_set = build_case_set(
                f"{title} — bloc {index + 1}",
                created_by=created_by,
                case_ids=block,
                description=f"split-plot block {index + 1} of study {study.pk}",
            )
            StudyBlock.objects.create(study=study, index=index, case_set=block_set)
    record(
        Action.STUDY_CREATED,
        actor=created_by,
        target=study,
        details={
            "design": design,
            "endpoint": endpoint,
            "threshold": threshold,
            "seed": study.seed,
            "case_set": case_set.pk,
            "ai_model": f"{study.ai_model_name} {study.ai_model_version}".strip(),
        },
    )
    return study


def _case_set_for(participant: Participant) -> CaseSet:
    if participant.block is None:
        return participant.study.case_set
    return participant.study.blocks.get(index=participant.block).case_set


def reader_plan(study: Study, join_index: int) -> rnd.ReaderPlan:
    """The replayable plan of the ``join_index``-th reader (from the study seed alone)."""
    case_ids = list(study.case_set.cases.values_list("pk", flat=True))
    return rnd.plan_reader(
        study.design,
        study.seed,
        join_index,
        case_ids,
        conditions=study.conditions or rnd.CONDITIONS,
        n_blocks=study.n_blocks,
    )


def _open_session(
    participant: Participant, plan: rnd.SessionPlan, available_from: datetime | None
) -> StudySession:
    study = participant.study
    aided = plan.mode != "unaided"
    # The study fixes the AI model, the reader's case order and the washout; studies hide the truth.
    reading = start_session(
        participant.user,
        _case_set_for(participant),
        plan.mode,
        title=f"{study.title} — {participant.pseudonym} — période {plan.period}",
        ai_model=(study.ai_model_name, study.ai_model_version) if aided else None,
        case_order=list(plan.case_order),
        show_feedback=False,
        available_from=available_from,
    )
    return StudySession.objects.create(
        participant=participant,
        reading_session=reading,
        period=plan.period,
        mode=plan.mode,
        seed=plan.seed,
        case_order=list(plan.case_order),
    )


@transaction.atomic
def join_study(user: User, code: str, *, consent: bool, now: datetime | None = None) -> Participant:
    """Enrol a reader by invitation code once they consent; opens their first session.

    Joining twice returns the existing participation. The reader's arm, block and case orders come
    from the study seed and their rank of joining (permuted blocks), so the study can be replayed.
    """
    code = (code or "").strip().upper()
    study = Study.objects.select_for_update().filter(invitation_code=code).first()
    if study is None:
        raise StudyError("code d'invitation inconnu")
    existing = Participant.objects.filter(study=study, user=user).first()
    if existing is not None:
        return existing
    _check_open(study)
    if not consent:
        raise StudyError("le consentement est nécessaire pour participer")
    now = now or timezone.now()
    join_index = study.participants.count()
    plan = reader_plan(study, join_index)
    try:
        with transaction.atomic():
            participant = Participant.objects.create(
                study=study,
                user=user,
                pseudonym=f"R{join_index + 1:03d}",
                join_index=join_index,
                arm=plan.arm,
                block=plan.block,
                condition_order=list(plan.condition_order),
                profession=user.profession,
                practice_status=user.practice_status,
                years_experience=user.years_experience,
                prior_ecg_training=user.prior_ecg_training,
                consent_sha256=consent_digest(study.consent_text),
                consented_at=now,
            )
    except IntegrityError:
        raise StudyError("inscription concurrente : réessayez") from None
    _open_session(participant, plan.sessions[0], None)
    return participant


def advance(participant: Participant, now: datetime | None = None) -> StudySession | None:
    """Open the reader's next period once the previous one is complete, after the washout.

    Returns the session the reader should work on now or next (None when all are done or withdrawn).
    The next period opens ``washout_days`` after the previous one was completed.
    """
    if participant.withdrawn_at is not None:
        return None
    study = participant.study
    sessions = list(participant.sessions.select_related("reading_session"))
    ended: list[datetime] = []
    for session in sessions:
        completed = session.reading_session.completed_at
        if completed is None:
            return session
        ended.append(completed)
    plan = reader_plan(study, participant.join_index)
    if len(sessions) >= len(plan.sessions) or study.is_locked:
        return None
    last_done = max(ended)
    available = last_done + timedelta(days=study.washout_days)
    with transaction.atomic():
        try:
            return _open_session(participant, plan.sessions[len(sessions)], available)
        except IntegrityError:
            return participant.sessions.get(period=len(sessions) + 1)


def withdraw(
    participant: Participant, reason: str = "", now: datetime | None = None
) -> Participant:
    """Record a reader's withdrawal: their reads leave every analysis not yet locked."""
    _check_open(participant.study)
    if participant.withdrawn_at is None:
        participant.withdrawn_at = now or timezone.now()
        participant.withdrawal_reason = reason[:2000]
        participant.save(update_fields=["withdrawn_at", "withdrawal_reason"])
    return participant


@transaction.atomic
def lock_study(study: Study, now: datetime | None = None, *, by: User | None = None) -> Study:
    """Freeze the study: store the exported reads (with their SHA-256) and the analysis made from them."""
    study = Study.objects.select_for_update().get(pk=study.pk)
    _check_open(study)
    text = export_csv(study)
    analysis = analyze_frame(
        frame_from_csv(text), endpoint=study.endpoint, threshold=study.threshold
    )
    study.locked_reads_csv = text
    study.locked_reads_sha256 = hashlib.sha256(text.encode()).hexdigest()
    study.locked_analysis = analysis.to_dict()
    study.status = Status.LOCKED
    study.locked_at = now or timezone.now()
    study.save()
    # Locked means immutable for the readers too: their sessions accept no more reads.
    lock_sessions(
        ReadingSession.objects.filter(study_session__participant__study=study), at=study.locked_at
    )
    record(
        Action.STUDY_LOCKED,
        actor=by,
        target=study,
        details={"reads_sha256": study.locked_reads_sha256, "n_rows": text.count("\n") - 1},
    )
    return study


# --- import from another tool ---------------------------------------------------------------


class ReadImportError(StudyError):
    """The file was refused; nothing was imported. ``errors`` lists the problems by line."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__(
            "; ".join(errors[:10]) + (f" (+{len(errors) - 10} more)" if len(errors) > 10 else "")
        )
        self.errors = list(errors)


@dataclass(frozen=True)
class ImportReport:
    created: int
    readers: int
    modalities: tuple[str, ...]


def import_reads(
    study: Study, text: str, *, source: str = "", by: User | None = None
) -> ImportReport:
    """Import reads in the MRMC layout ``reader,case,modality,truth,rating`` (extra columns ignored).

    ``case`` is the case's external id (e.g. ``ptbxl:00017``) and must belong to the study's case set;
    ``truth`` must match the case bank for the study's endpoint; ``modality`` is ``unaided`` or ``aided``.
    All-or-nothing: any error refuses the whole file.
    """
    _check_open(study)
    if "\x00" in text:
        raise ReadImportError(["le fichier contient un octet nul : ce n'est pas un CSV texte"])
    try:
        return _import_rows(study, text, source=source, by=by)
    except csv.Error as exc:  # e.g. a lone carriage return inside a field
        raise ReadImportError([f"CSV illisible : {exc}"]) from None


def _import_rows(study: Study, text: str, *, source: str, by: User | None) -> ImportReport:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    needed = ["reader", "case", "modality", "truth", "rating"]
    missing = [c for c in needed if c not in (reader.fieldnames or [])]
    if missing:
        raise ReadImportError(
            [f"colonnes manquantes : {', '.join(missing)} (attendu : {','.join(needed)})"]
        )
    cases = {c.external_id: c for c in study.case_set.cases.all()}
    field = study.endpoint.lower()
    existing = set(
        ImportedRead.objects.filter(study=study).values_list(
            "reader", "case__external_id", "modality"
        )
    )
    errors: list[str] = []
    rows: list[ImportedRead] = []
    seen: set[tuple[str, str, str]] = set()
    for line, row in enumerate(reader, start=2):
        name, case_ref, modality = (
            (row.get("reader") or "").strip(),
            (row.get("case") or "").strip(),
            (row.get("modality") or "").strip(),
        )
        if not name:
            errors.append(f"ligne {line} : lecteur vide")
        if modality not in study.conditions:
            errors.append(
                f"ligne {line} : modalité {modality!r} inconnue (attendu : {', '.join(study.conditions)})"
            )
        case = cases.get(case_ref)
        if case is None:
            errors.append(
                f"ligne {line} : le cas {case_ref!r} n'appartient pas à la série de l'étude"
            )
        truth_raw = (row.get("truth") or "").strip()
        if truth_raw not in ("0", "1"):
            errors.append(f"ligne {line} : truth doit valoir 0 ou 1, pas {truth_raw!r}")
        elif case is not None and bool(int(truth_raw)) != getattr(case, field):
            errors.append(
                f"ligne {line} : truth={truth_raw} contredit la vérité de {case_ref} pour {study.endpoint}"
            )
        try:
            rating = float(row.get("rating") or "")
        except ValueError:
            errors.append(f"ligne {line} : rating doit être un nombre, pas {row.get('rating')!r}")
            rating = 0.0
        key = (name, case_ref, modality)
        if key in seen or key in existing:
            errors.append(f"ligne {line} : lecture en double pour {name}, {case_ref}, {modality}")
        seen.add(key)
        if case is not None:
            rows.append(
                ImportedRead(
                    study=study,
                    reader=name,
                    case=case,
                    modality=modality,
                    truth=truth_raw == "1",
                    rating=rating,
                    source=source[:200],
                )
            )
    if not rows and not errors:
        errors.append("le fichier ne contient aucune lecture")
    if errors:
        raise ReadImportError(errors)
    with transaction.atomic():
        ImportedRead.objects.bulk_create(rows)
        record(
            Action.STUDY_READS_IMPORTED,
            actor=by,
            target=study,
            details={
                "rows": len(rows),
                "source": source[:200],
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
            },
        )
    return ImportReport(
        len(rows), len({r.reader for r in rows}), tuple(sorted({r.modality for r in rows}))
    )


@transaction.atomic
def update_study(study: Study, *, by: User | None = None, **fields: Any) -> Study:
    """Edit descriptive fields (never the design, seed or case set once readers joined)."""
    _check_open(study)
    frozen = {"design", "seed", "case_set", "n_blocks", "conditions", "endpoint"}
    if study.participants.exists() and frozen & set(fields):
        raise StudyError(
            "le plan, la graine, la série et le critère ne changent plus une fois des lecteurs inscrits"
        )
    changes = {
        name: {"from": getattr(study, name), "to": value}
        for name, value in fields.items()
        if getattr(study, name) != value
    }
    for name, value in fields.items():
        setattr(study, name, value)
    study.save()
    if changes:
        record(Action.STUDY_CHANGED, actor=by, target=study, details=changes)
    return study


def record_export(study: Study, text: str, *, by: User | None) -> None:
    """Put an export of the study's reads on the audit trail (who took which file, by its SHA-256)."""
    record(
        Action.STUDY_EXPORTED,
        actor=by,
        target=study,
        details={"sha256": hashlib.sha256(text.encode()).hexdigest(), "locked": study.is_locked},
    )


class NotAllowedError(StudyError):
    """The person may not do this (HTTP 403)."""


@transaction.atomic
def reveal_identity(participant: Participant, *, by: User) -> User:
    """Who is behind a pseudonym: administrators alone may look, and every look is on the audit trail.

    Investigators analyse pseudonymised reads only, as the consent promises.
    """
    if not has_role(by, Role.ADMINISTRATOR):
        raise NotAllowedError("seul·e un·e administrateur·rice peut lever un pseudonyme")
    record(
        Action.PSEUDONYM_REVEALED,
        actor=by,
        target=participant,
        details={"study": participant.study_id, "pseudonym": participant.pseudonym},
    )
    return participant.user


def case_lookup(study: Study) -> dict[int, Case]:
    return {c.pk: c for c in study.case_set.cases.all()}
