"""ECG reading activities: sessions opened through the reading app, gate attempts, completion."""

from __future__ import annotations

import random
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from medtandem.apps.accounts.models import User
from medtandem.apps.cases.models import CaseSet
from medtandem.apps.cases.selectors import filter_cases
from medtandem.apps.cases.services import build_case_set
from medtandem.apps.curriculum import selectors
from medtandem.apps.curriculum.models import (
    Activity,
    Completion,
    Enrolment,
    ReadingLink,
)
from medtandem.apps.curriculum.services.enrolment import complete_activity, require_unlocked
from medtandem.apps.curriculum.services.errors import CurriculumRuleError
from medtandem.apps.reading import selectors as reading_selectors
from medtandem.apps.reading import services as reading
from medtandem.apps.reading.models import ReadingSession

# --- ECG reading activities -----------------------------------------------------------------


def _attempt_seed(activity: Activity, learner: User, number: int) -> int:
    return (activity.pk * 1_000_003 + learner.pk * 7919 + number) % (2**31)


def _attempt_name(activity: Activity, learner: User, number: int) -> str:
    return f"{activity.title} — apprenant·e #{learner.pk} — tentative {number}"[:200]


def _case_set(activity: Activity) -> CaseSet:
    """The reading activity's case set (an activity without one is refused)."""
    if activity.case_set is None:
        raise CurriculumRuleError(_("Cette activité n'a pas encore de série d'ECG."))
    return activity.case_set


def _first_gate_case_set(learner: User, activity: Activity) -> tuple[CaseSet, int]:
    """The activity's case set, or — when the learner already saw some of its cases with their truth —
    a personal one where each such case is replaced by an unseen case drawn from the same criteria."""
    base = _case_set(activity)
    base_ids = list(base.ordered_cases().values_list("pk", flat=True))
    seen = reading_selectors.cases_seen_with_truth([learner])
    replaced = [pk for pk in base_ids if pk in seen]
    if not replaced:
        return base, 0
    pool = sorted(
        filter_cases(**selectors.case_set_criteria(base))
        .exclude(pk__in=seen | set(base_ids))
        .values_list("pk", flat=True)
    )
    if len(pool) < len(replaced):
        raise CurriculumRuleError(
            _(
                "Vous avez déjà vu %(n)d ECG de cette série avec leur correction et la banque n'en a pas "
                "assez d'autres pour les remplacer (%(a)d disponibles). Contactez votre enseignant·e."
            )
            % {"n": len(replaced), "a": len(pool)}
        )
    rng = random.Random(_attempt_seed(activity, learner, 1))
    fresh = iter(rng.sample(pool, len(replaced)))
    case_ids = [next(fresh) if pk in seen else pk for pk in base_ids]
    case_set = build_case_set(
        _attempt_name(activity, learner, 1),
        created_by=learner,
        case_ids=case_ids,
        description=f"{len(replaced)} case(s) of '{base.name}' seen with truth, replaced",
    )
    return case_set, len(replaced)


def _open_attempt(learner: User, activity: Activity, number: int, now: datetime) -> ReadingSession:
    replaced = 0
    if number == 1 and activity.is_gate:
        case_set, replaced = _first_gate_case_set(learner, activity)
    elif number == 1:
        case_set = _case_set(activity)
    else:
        pool = selectors.attempt_pool(learner, activity)
        if not pool.enough:
            raise CurriculumRuleError(
                _(
                    "Plus assez d'ECG que vous n'avez jamais vus pour une nouvelle tentative : "
                    "%(a)d disponibles, %(n)d nécessaires. Contactez votre enseignant·e."
                )
                % {"a": pool.available, "n": pool.needed}
            )
        case_set = build_case_set(
            _attempt_name(activity, learner, number),
            created_by=learner,
            sample_size=pool.needed,
            seed=_attempt_seed(activity, learner, number),
            exclude_case_ids=pool.excluded,
            **pool.criteria,
        )
    label = _("tentative %d") % number
    title = activity.title if number == 1 else f"{activity.title} ({label})"
    session = reading.start_session(
        learner,
        case_set,
        activity.reading_mode or "practice",
        title=title,
        return_url=reverse("curriculum:activity", args=[activity.pk]),
    )
    ReadingLink.objects.create(
        activity=activity,
        learner=learner,
        session=session,
        attempt=number,
        started_at=now,
        replaced_seen=replaced,
    )
    return session


def _lock_learner(learner: User, activity: Activity) -> None:
    """Serialise a learner's attempts at an activity (the enrolment row is the lock)."""
    Enrolment.objects.select_for_update().filter(
        programme_id=activity.module.programme_id, learner=learner
    ).first()


def start_reading(
    learner: User, activity: Activity, *, now: datetime | None = None
) -> ReadingSession:
    """The session of the learner's current attempt, opening the first attempt on first use.

    For a gate, the first attempt leaves out the cases the learner already saw with their truth
    (a personal case set; ``ReadingLink.replaced_seen`` says how many were replaced)."""
    if activity.kind != Activity.Kind.READING or activity.case_set_id is None:
        raise CurriculumRuleError(_("Cette activité n'a pas encore de série d'ECG."))
    require_unlocked(learner, activity)
    link = selectors.current_link(learner, activity)
    if link is not None:
        return link.session
    with transaction.atomic():
        _lock_learner(learner, activity)
        link = selectors.current_link(learner, activity)
        if link is not None:
            return link.session
        return _open_attempt(learner, activity, 1, now or timezone.now())


def start_new_attempt(
    learner: User, activity: Activity, *, now: datetime | None = None
) -> ReadingSession:
    """Open the next attempt at a failed reading gate (rules: :func:`selectors.gate_state`)."""
    if not activity.is_gate or activity.case_set_id is None:
        raise CurriculumRuleError(_("Seule une lecture sans IA avec un niveau requis se retente."))
    require_unlocked(learner, activity)
    now = now or timezone.now()
    with transaction.atomic():
        _lock_learner(learner, activity)
        state = selectors.gate_state(learner, activity, now=now)
        if not state.failed:
            raise CurriculumRuleError(
                _(
                    "Une nouvelle tentative s'ouvre seulement après une tentative "
                    "terminée sous le niveau requis."
                )
            )
        if state.refusal:
            raise CurriculumRuleError(state.refusal)
        return _open_attempt(learner, activity, len(state.attempts) + 1, now)


def sync_reading_session(session: ReadingSession) -> Completion | None:
    """The reading app announces a finished session: complete its programme activity, if any."""
    link = ReadingLink.objects.filter(session=session).select_related("activity", "learner").first()
    if link is None:
        return None
    return sync_reading(link.learner, link.activity)


def sync_reading(learner: User, activity: Activity) -> Completion | None:
    """Complete a reading activity once its current attempt's session is complete and, when a pass
    level is set, the unaided accuracy reaches it. Safe to call at any time (idempotent)."""
    link = selectors.current_link(learner, activity)
    if link is None or link.session.completed_at is None:
        return None
    score = selectors.unaided_accuracy(link.session)
    if activity.pass_level is not None and (score is None or score < activity.pass_level):
        return None
    if selectors.lock_reason(learner, activity):
        return None
    return complete_activity(learner, activity, score=score, at=link.session.completed_at)
