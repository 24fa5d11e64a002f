"""Enrolment, completion of activities (with the evidence of hours) and attendance."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from medtandem.apps.accounts.models import Institution, Profession, Role, User
from medtandem.apps.accounts.selectors import has_role, learners_of_instructor
from medtandem.apps.accounts.services import create_person
from medtandem.apps.audit.services import Action, record
from medtandem.apps.curriculum import selectors
from medtandem.apps.curriculum.models import (
    Activity,
    ActivityVisit,
    Attendance,
    Attestation,
    Completion,
    Enrolment,
    Programme,
)
from medtandem.apps.curriculum.services.credentials import issue_attestation
from medtandem.apps.curriculum.services.errors import CsvImportError, CurriculumRuleError

# --- enrolment ------------------------------------------------------------------------------


def require_unlocked(learner: User, activity: Activity) -> None:
    """Raise :class:`CurriculumRuleError` with the reason when the activity is locked for the learner
    (rules: :func:`selectors.lock_reason`)."""
    reason = selectors.lock_reason(learner, activity)
    if reason:
        raise CurriculumRuleError(reason)


def enrol(
    learner: User,
    programme: Programme,
    *,
    by: User | None = None,
    source: str = Enrolment.Source.SELF,
    at: datetime | None = None,
) -> Enrolment:
    """Enrol a learner (idempotent: enrolling twice returns the first enrolment).

    Self-enrolment needs a published programme open to it; an instructor may enrol only the
    learners of their cohorts (administrators: anyone).
    """
    if source == Enrolment.Source.SELF:
        if not (programme.is_published and programme.self_enrolment):
            raise CurriculumRuleError(_("Ce programme n'est pas ouvert à l'auto-inscription."))
    elif (
        by is not None
        and not has_role(by, Role.ADMINISTRATOR)
        and not learners_of_instructor(by).filter(pk=learner.pk).exists()
    ):
        raise CurriculumRuleError(_("Cette personne n'est pas dans vos cohortes."))
    enrolment, _created = Enrolment.objects.get_or_create(
        programme=programme,
        learner=learner,
        defaults={"enrolled_at": at or timezone.now(), "enrolled_by": by, "source": source},
    )
    return enrolment


CSV_COLUMNS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "profession",
    "practice_status",
    "study_year",
    "institution",
)


@transaction.atomic
def enrol_from_csv(programme: Programme, content: str, *, by: User | None) -> list[Enrolment]:
    """Enrol every row of a CSV (``username`` required; unknown usernames are created as learners
    with the profile columns given). All or nothing: any bad row raises :class:`CsvImportError`
    listing every bad line, and nothing is written."""
    if "\x00" in content:
        raise CsvImportError(
            [(1, _("le fichier contient un octet nul : ce n'est pas un CSV texte"))]
        )
    reader = csv.DictReader(
        io.StringIO(content.lstrip("\ufeff")), delimiter=_sniff_delimiter(content)
    )
    header = [h.strip() for h in (reader.fieldnames or [])]
    if "username" not in header:
        raise CsvImportError(
            [(1, _("colonne « username » absente (colonnes : %s)") % ", ".join(CSV_COLUMNS))]
        )
    unknown = sorted(set(header) - set(CSV_COLUMNS))
    if unknown:
        raise CsvImportError([(1, _("colonnes inconnues : %s") % ", ".join(unknown))])
    institutions = {i.name.lower(): i for i in Institution.objects.all()}
    errors: list[tuple[int, str]] = []
    planned: list[tuple[int, str, dict[str, Any]]] = []
    seen: set[str] = set()
    for row in reader:
        line = reader.line_num
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        username = row.get("username", "")
        if not username:
            errors.append((line, _("identifiant vide")))
            continue
        if username in seen:
            errors.append((line, _("identifiant « %s » en double") % username))
            continue
        seen.add(username)
        profile: dict[str, Any] = {}
        for key in ("first_name", "last_name", "email"):
            if row.get(key):
                profile[key] = row[key]
        if row.get("profession"):
            if row["profession"] not in Profession.values:
                errors.append(
                    (
                        line,
                        _("profession « %(p)s » inconnue (attendu : %(v)s)")
                        % {"p": row["profession"], "v": ", ".join(Profession.values)},
                    )
                )
                continue
            profile["profession"] = row["profession"]
        if row.get("practice_status"):
            if row["practice_status"] not in User.PracticeStatus.values:
                errors.append((line, _("statut « %s » inconnu") % row["practice_status"]))
                continue
            profile["practice_status"] = row["practice_status"]
        if row.get("study_year"):
            if not row["study_year"].isdigit() or not 1 <= int(row["study_year"]) <= 12:
                errors.append(
                    (line, _("année d'études « %s » invalide (1 à 12)") % row["study_year"])
                )
                continue
            profile["study_year"] = int(row["study_year"])
        if row.get("institution"):
            institution = institutions.get(row["institution"].lower())
            if institution is None:
                errors.append((line, _("établissement « %s » inconnu") % row["institution"]))
                continue
            profile["institution"] = institution
        planned.append((line, username, profile))
    if errors:
        raise CsvImportError(errors)
    if not planned:
        raise CsvImportError([(1, _("aucune ligne à importer"))])
    existing = {
        u.username: u for u in User.objects.filter(username__in=[u for _l, u, _p in planned])
    }
    enrolments = []
    created = 0
    for _line, username, profile in planned:
        learner = existing.get(username)
        if learner is None:
            institution = profile.pop("institution", None)
            learner = create_person(
                username, None, [Role.LEARNER], institution=institution, **profile
            )
            created += 1
        enrolments.append(enrol(learner, programme, by=by, source=Enrolment.Source.CSV))
    record(
        Action.ENROLMENTS_IMPORTED,
        actor=by,
        target=programme,
        details={"rows": len(planned), "people_created": created, "programme": programme.slug},
    )
    return enrolments


def _sniff_delimiter(content: str) -> str:
    first = content.lstrip("\ufeff").split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


# --- completion -----------------------------------------------------------------------------


def complete_activity(
    learner: User, activity: Activity, *, score: int | None = None, at: datetime | None = None
) -> Completion:
    """Record that a learner completed an activity, then complete the programme when it is done.

    Refuses locked activities (not enrolled, prerequisites, hybrid rule). Idempotent.
    """
    require_unlocked(learner, activity)
    programme_id = activity.module.programme_id
    with transaction.atomic():
        completion, created = Completion.objects.get_or_create(
            learner=learner,
            activity=activity,
            defaults={
                "programme_id": programme_id,
                "completed_at": at or timezone.now(),
                "score": score,
            },
        )
        if created:
            enrolment = Enrolment.objects.select_for_update().get(
                programme_id=programme_id, learner=learner
            )
            complete_programme_if_done(enrolment, at=completion.completed_at)
    return completion


def complete_programme_if_done(
    enrolment: Enrolment, *, at: datetime | None = None
) -> Attestation | None:
    """When every required activity of the programme is completed, close the enrolment and issue
    the attestation. Returns the attestation (new or existing) or None."""
    if enrolment.completed_at is not None:
        return Attestation.objects.filter(enrolment=enrolment).first()
    required = Activity.objects.filter(
        module__programme_id=enrolment.programme_id, is_required=True
    )
    missing = required.exclude(
        Exists(Completion.objects.filter(learner_id=enrolment.learner_id, activity=OuterRef("pk")))
    )
    if not required.exists() or missing.exists():
        return None
    if selectors.missing_quizzes(enrolment.learner_id, enrolment.programme_id):
        return None
    at = at or timezone.now()
    enrolment.completed_at = at
    enrolment.duration_days = max(0, (at - enrolment.enrolled_at).days)
    enrolment.save(update_fields=["completed_at", "duration_days"])
    return issue_attestation(enrolment)


def record_visit(
    learner: User, activity: Activity, *, at: datetime | None = None
) -> ActivityVisit | None:
    """Stamp that the server served a page activity to an enrolled learner who may open it (the
    first stamp starts the reading time; later ones only count views). None when not recorded."""
    if activity.kind != Activity.Kind.PAGE or not getattr(learner, "is_authenticated", False):
        return None
    if selectors.lock_reason(learner, activity):
        return None
    at = at or timezone.now()
    visit, created = ActivityVisit.objects.get_or_create(
        learner=learner, activity=activity, defaults={"first_served_at": at, "last_served_at": at}
    )
    if not created:
        ActivityVisit.objects.filter(pk=visit.pk).update(last_served_at=at, views=F("views") + 1)
    return visit


def mark_page_read(learner: User, activity: Activity, *, now: datetime | None = None) -> Completion:
    """Complete a page ("J'ai lu cette page") on evidence: the server served it at least
    :func:`selectors.page_time_floor` ago and its check questions, if any, are passed."""
    if activity.kind != Activity.Kind.PAGE:
        raise CurriculumRuleError(_("Seule une page de contenu se valide par lecture."))
    require_unlocked(learner, activity)
    if Completion.objects.filter(learner=learner, activity=activity).exists():
        return Completion.objects.get(learner=learner, activity=activity)
    now = now or timezone.now()
    remaining = selectors.page_time_remaining(learner, activity, now=now)
    floor = selectors.format_duration(selectors.page_time_floor(activity))
    if remaining is None:
        raise CurriculumRuleError(
            _("Ouvrez d'abord la page : son temps de lecture se mesure à partir de là.")
        )
    if remaining:
        raise CurriculumRuleError(
            _(
                "Encore %(left)s de lecture avant de pouvoir valider cette page : elle crédite %(h)s h, "
                "ce qui demande au moins %(floor)s passées sur la page, mesurées par le serveur depuis "
                "votre première ouverture."
            )
            % {
                "left": selectors.format_duration(remaining),
                "h": selectors.format_hours(activity.hours),
                "floor": floor,
            }
        )
    if not selectors.check_questions_passed(learner, activity):
        raise CurriculumRuleError(
            _("Répondez d'abord aux questions de vérification de cette page.")
        )
    return complete_activity(learner, activity, at=now)


@transaction.atomic
def record_attendance(activity: Activity, learners: list[User], *, by: User) -> int:
    """Mark learners present at an event; each presence completes the activity. Returns how many."""
    if activity.kind != Activity.Kind.EVENT:
        raise CurriculumRuleError(_("La présence ne se note que pour un événement."))
    if not has_role(by, Role.ADMINISTRATOR):
        allowed = set(
            learners_of_instructor(by)
            .filter(pk__in=[u.pk for u in learners])
            .values_list("pk", flat=True)
        )
        outsiders = [u.username for u in learners if u.pk not in allowed]
        if outsiders:
            raise CurriculumRuleError(_("Hors de vos cohortes : %s") % ", ".join(outsiders))
    count = 0
    for learner in learners:
        Attendance.objects.get_or_create(
            activity=activity, learner=learner, defaults={"recorded_by": by}
        )
        complete_activity(learner, activity)
        count += 1
    return count
