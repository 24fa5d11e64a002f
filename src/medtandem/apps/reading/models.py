"""Reading sessions and reads: the hybrid (unaided, then aided) ECG reading flow."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from medtandem.apps.cases.models import AIPrediction, Case, CaseSet, Rhythm
from medtandem.ecg.ptbxl import SUPERCLASSES


class Mode(models.TextChoices):
    PRACTICE = "practice", _("Pratique hybride (seul, puis avec l'IA)")
    UNAIDED = "unaided", _("Sans IA uniquement")
    AIDED = "aided", _("Avec IA uniquement")


class Condition(models.TextChoices):
    UNAIDED = "unaided", _("Sans IA")
    AIDED = "aided", _("Avec IA")


#: The reads a case needs in each mode, in the order the server enforces.
MODE_STEPS: dict[str, tuple[str, ...]] = {
    Mode.PRACTICE: (Condition.UNAIDED, Condition.AIDED),
    Mode.UNAIDED: (Condition.UNAIDED,),
    Mode.AIDED: (Condition.AIDED,),
}


class ReadingAssignment(models.Model):
    """An instructor's assignment of a case set, in one mode, to learners."""

    title = models.CharField(_("titre"), max_length=200)
    case_set = models.ForeignKey(CaseSet, on_delete=models.PROTECT, related_name="assignments")
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.PRACTICE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField(_("échéance"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class ReadingSession(models.Model):
    """One learner working through a case set in one mode. The AI model is fixed when it starts."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reading_sessions"
    )
    assignment = models.ForeignKey(
        ReadingAssignment, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions"
    )
    case_set = models.ForeignKey(CaseSet, on_delete=models.PROTECT, related_name="sessions")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.PRACTICE)
    title = models.CharField(max_length=200)
    ai_model_name = models.CharField(max_length=80, blank=True)
    ai_model_version = models.CharField(max_length=40, blank=True)
    case_order = models.JSONField(
        null=True,
        blank=True,
        help_text="case ids in reading order (randomised per reader); null: the set's order",
    )
    show_feedback = models.BooleanField(
        default=True, help_text="reader studies usually hide the truth"
    )
    #: A session whose reads are frozen (its reader study was locked): no read is accepted any more.
    locked_at = models.DateTimeField(null=True, blank=True)
    #: Where the learner goes back to when the session ends (e.g. the programme activity it belongs to),
    #: set by the app that opened the session; the reading app never needs to know that app.
    return_url = models.CharField(max_length=300, blank=True)
    available_from = models.DateTimeField(
        null=True, blank=True, help_text="washout: not readable before"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "assignment"], name="one_session_per_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.learner}"

    @property
    def steps(self) -> tuple[str, ...]:
        return MODE_STEPS[self.mode]


class StepOpening(models.Model):
    """When the server first served a read step: the start of the server-side read time."""

    session = models.ForeignKey(ReadingSession, on_delete=models.CASCADE)
    case = models.ForeignKey(Case, on_delete=models.PROTECT)
    condition = models.CharField(max_length=10, choices=Condition.choices)
    served_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "case", "condition"], name="one_opening_per_step"
            )
        ]


class FeedbackView(models.Model):
    """A learner's first view of a case's feedback (its truth shown), reported by the page's beacon.

    Recorded by a separate POST from the feedback page (``reading.js``), not by the page's GET:
    the reading path keeps its query budget, and the xAPI outbox makes its statement from this row.
    """

    session = models.ForeignKey(ReadingSession, on_delete=models.CASCADE)
    case = models.ForeignKey(Case, on_delete=models.PROTECT)
    viewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "case"], name="one_feedback_view_per_case")
        ]


class Read(models.Model):
    """One learner's committed answer to one case under one condition. Immutable once stored."""

    session = models.ForeignKey(ReadingSession, on_delete=models.PROTECT, related_name="reads")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reads"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reads")
    condition = models.CharField(max_length=10, choices=Condition.choices)
    # One rating per superclass: the reader's belief that the finding is present, 0-100 (the ROC
    # rating). The yes/no call beside it is derived from it (see :mod:`.rating`) and stored so that
    # scoring queries stay simple; it is never entered separately.
    norm = models.BooleanField(default=False)
    mi = models.BooleanField(default=False)
    sttc = models.BooleanField(default=False)
    cd = models.BooleanField(default=False)
    hyp = models.BooleanField(default=False)
    rating_norm = models.PositiveSmallIntegerField()
    rating_mi = models.PositiveSmallIntegerField()
    rating_sttc = models.PositiveSmallIntegerField()
    rating_cd = models.PositiveSmallIntegerField()
    rating_hyp = models.PositiveSmallIntegerField()
    #: Reads made before the single rating existed, whose box and slider disagree or whose slider
    #: was left at its preset: analyses report and leave them out (see :mod:`.rating`).
    rating_flag = models.CharField(max_length=24, blank=True, default="")
    #: Provenance: the reader had already seen this case with its truth (in another session) when
    #: this read was stored. Such reads do not count in assessments or study analyses.
    seen_truth_before = models.BooleanField(default=False)
    rhythm = models.CharField(max_length=16, choices=Rhythm.choices)
    comment = models.TextField(blank=True)
    client_time_ms = models.PositiveIntegerField(
        null=True, blank=True, help_text="time on task reported by the browser"
    )
    opened_at = models.DateTimeField(null=True, help_text="when the server served this step")
    submitted_at = models.DateTimeField(auto_now_add=True)
    submission_key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    ai_prediction = models.ForeignKey(
        AIPrediction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="the suggestion the reader saw (aided reads)",
    )

    class Meta:
        ordering = ["submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "case", "condition"], name="one_read_per_step"
            ),
        ]
        indexes = [models.Index(fields=["learner", "condition"])]

    @property
    def server_time_ms(self) -> int | None:
        if not self.opened_at:
            return None
        return int((self.submitted_at - self.opened_at).total_seconds() * 1000)

    @property
    def superclasses(self) -> list[str]:
        return [s for s in SUPERCLASSES if getattr(self, s.lower())]

    def rating(self, superclass: str) -> int:
        return int(getattr(self, f"rating_{superclass.lower()}"))

    @property
    def ratings(self) -> dict[str, int]:
        return {s: self.rating(s) for s in SUPERCLASSES}


class RereadSchedule(models.Model):
    """An instructor's periodic unaided re-read of a fixed case set by a cohort.

    Every ``period_days`` from ``starts_on`` each learner of the cohort is given one session of the
    set, unaided only (no AI), its truth shown only once the whole session is finished: the same
    cases read alone again and again, the cleanest series for the deskilling watch.
    """

    cohort = models.ForeignKey(
        "accounts.Cohort", on_delete=models.CASCADE, related_name="reread_schedules"
    )
    case_set = models.ForeignKey(CaseSet, on_delete=models.PROTECT, related_name="reread_schedules")
    period_days = models.PositiveSmallIntegerField(_("période (jours)"))
    starts_on = models.DateField(_("à partir du"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_days__gte=1), name="reread_period_positive"
            ),
            models.UniqueConstraint(
                fields=["cohort", "case_set", "period_days", "starts_on"],
                name="one_reread_schedule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_set} / {self.cohort}"


class Reread(models.Model):
    """One learner's re-read session of one round of a schedule (round 0 on ``starts_on``)."""

    schedule = models.ForeignKey(RereadSchedule, on_delete=models.CASCADE, related_name="rereads")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    round = models.PositiveIntegerField()
    due_on = models.DateField()
    session = models.OneToOneField(ReadingSession, on_delete=models.CASCADE, related_name="reread")

    class Meta:
        ordering = ["schedule", "learner", "round"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "learner", "round"], name="one_reread_per_round"
            )
        ]
