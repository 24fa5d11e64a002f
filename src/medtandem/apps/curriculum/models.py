"""Competency frameworks, programmes, modules, activities, quizzes, enrolments and attestations.

Vocabulary follows the decree of 10 November 2022 (the 28-hour digital-health core) and Pix's
Framework → Area → Competence layering: here Framework → Domain → Competency.

Tables sized for the national target (500,000 learners, 20 million activity completions):
- :class:`Enrolment` is the per-programme record (one row per learner and programme), carrying
  ``completed_at`` and ``duration_days`` so national figures never touch activity completions;
- :class:`Completion` is one row per learner and activity, indexed on (programme, learner, completed_at);
- :class:`NationalStat` is a summary table refreshed by
  :func:`medtandem.apps.curriculum.services.refresh_national_stats`: the dashboard reads only it.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medtandem.apps.reading.models import Mode as ReadingMode

# --- competency frameworks ------------------------------------------------------------------


class Framework(models.Model):
    """A competency framework (e.g. the decree's digital-health core, or "AI in healthcare")."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    reference = models.CharField(_("référence"), max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("référentiel de compétences")
        verbose_name_plural = _("référentiels de compétences")

    def __str__(self) -> str:
        return self.name


class Domain(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="domains")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("nom"), max_length=200)
    hours = models.DecimalField(_("heures"), max_digits=5, decimal_places=1, default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="unique_domain_code")
        ]
        verbose_name = _("domaine")

    def __str__(self) -> str:
        return self.name


class Competency(models.Model):
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="competencies")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("intitulé"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["domain", "position"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "code"], name="unique_competency_code")
        ]
        verbose_name = _("compétence")

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


# --- programmes -----------------------------------------------------------------------------


class Programme(models.Model):
    class Kind(models.TextChoices):
        CORE = "core", _("Socle de formation initiale")
        UNIVERSITY_DIPLOMA = "du", _("Diplôme universitaire (DU / DIU)")
        MASTER = "master", _("Master exécutif")
        DATATHON = "datathon", _("Datathon")
        WEBINARS = "webinars", _("Cycle de webinaires")
        COURSE = "course", _("Formation courte")

    slug = models.SlugField(unique=True)
    title = models.CharField(_("titre"), max_length=200)
    summary = models.TextField(_("présentation"), blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.COURSE)
    hours = models.DecimalField(_("volume horaire"), max_digits=6, decimal_places=1, default=0)
    ects = models.DecimalField(_("ECTS"), max_digits=4, decimal_places=1, null=True, blank=True)
    framework = models.ForeignKey(Framework, null=True, blank=True, on_delete=models.SET_NULL)
    self_enrolment = models.BooleanField(_("auto-inscription ouverte"), default=True)
    is_published = models.BooleanField(_("publié"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("programme")

    def __str__(self) -> str:
        return self.title


class Module(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="modules")
    title = models.CharField(_("titre"), max_length=200)
    summary = models.TextField(_("présentation"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    domain = models.ForeignKey(
        Domain,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="modules",
        help_text=_("Le domaine auquel les heures de ce module sont créditées."),
    )
    prerequisites = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="unlocks",
        help_text=_("Modules à terminer avant d'ouvrir celui-ci."),
    )
    hybrid_competency = models.ForeignKey(
        Competency,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("compétence à démontrer sans IA"),
        help_text=_(
            "Règle hybride : les activités assistées par l'IA n'ouvrent qu'une fois cette "
            "compétence démontrée sans IA (par exemple une lecture d'ECG seule au niveau requis)."
        ),
    )

    class Meta:
        ordering = ["programme", "position"]
        verbose_name = _("module")

    def __str__(self) -> str:
        return self.title


class Quiz(models.Model):
    """A quiz; owned by one institution (its instructors may change and export it) unless ``shared``
    (every instructor may then export and use it; only the owner's instructors may change it).
    No owner: only administrators may change or export it."""

    title = models.CharField(_("titre"), max_length=200)
    owner_institution = models.ForeignKey(
        "accounts.Institution",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("établissement propriétaire"),
    )
    shared = models.BooleanField(_("partagé avec tous les établissements"), default=False)
    pass_mark = models.PositiveSmallIntegerField(_("seuil de réussite (%)"), default=60)
    max_attempts = models.PositiveSmallIntegerField(
        _("tentatives maximum"), null=True, blank=True, help_text=_("Vide : illimité.")
    )

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quiz")

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Choix unique")
        MULTIPLE = "multiple", _("Choix multiple")
        TRUE_FALSE = "truefalse", _("Vrai / faux")
        NUMERIC = "numeric", _("Numérique")
        SHORT = "short", _("Réponse courte")

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("nom"), max_length=200)
    text = models.TextField(_("énoncé"))
    general_feedback = models.TextField(_("rétroaction générale"), blank=True)
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2, default=1)

    class Meta:
        ordering = ["quiz", "position"]
        verbose_name = _("question")

    def __str__(self) -> str:
        return self.name


class Answer(models.Model):
    """One possible answer. ``fraction`` is the share of the question's points it earns (-1 to 1),
    as in Moodle; numeric answers use ``value`` ± ``tolerance``."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("texte"), max_length=500, blank=True)
    fraction = models.DecimalField(max_digits=6, decimal_places=5, default=0)
    feedback = models.TextField(_("rétroaction"), blank=True)
    value = models.FloatField(null=True, blank=True)
    tolerance = models.FloatField(default=0)

    class Meta:
        ordering = ["question", "position"]


class Activity(models.Model):
    class Kind(models.TextChoices):
        PAGE = "page", _("Page de contenu")
        QUIZ = "quiz", _("Quiz")
        READING = "reading", _("Séance de lecture d'ECG")
        EVENT = "event", _("Événement")

    class EventKind(models.TextChoices):
        WEBINAR = "webinar", _("Webinaire")
        DATATHON = "datathon", _("Journée de datathon")
        CLASS = "class", _("Cours en présentiel")

    #: The reading app's session modes (one definition for both apps).
    ReadingMode = ReadingMode

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("titre"), max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    hours = models.DecimalField(_("heures créditées"), max_digits=5, decimal_places=2, default=0)
    competencies = models.ManyToManyField(Competency, blank=True, related_name="activities")
    is_required = models.BooleanField(_("obligatoire"), default=True)
    # page
    body = models.TextField(_("contenu (Markdown)"), blank=True)
    # quiz
    quiz = models.ForeignKey(
        Quiz, null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    # ECG reading
    case_set = models.ForeignKey(
        "cases.CaseSet",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="curriculum_activities",
    )
    reading_mode = models.CharField(
        _("mode de lecture"), max_length=10, choices=ReadingMode.choices, blank=True
    )
    pass_level = models.PositiveSmallIntegerField(
        _("niveau requis sans IA (%)"),
        null=True,
        blank=True,
        help_text=_("Exactitude minimale des lectures sans IA pour valider l'activité."),
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("tentatives maximum (lecture)"),
        default=3,
        help_text=_(
            "Nombre de séances qu'un·e apprenant·e peut lire pour atteindre le niveau requis."
        ),
    )
    retry_wait_hours = models.PositiveSmallIntegerField(
        _("attente entre deux tentatives (heures)"),
        default=24,
        help_text=_("Délai entre la fin d'une tentative échouée et l'ouverture de la suivante."),
    )
    # event
    event_kind = models.CharField(
        _("type d'événement"), max_length=10, choices=EventKind.choices, blank=True
    )
    starts_at = models.DateTimeField(_("début"), null=True, blank=True)
    location = models.CharField(_("lieu ou lien"), max_length=300, blank=True)

    class Meta:
        ordering = ["module", "position"]
        verbose_name = _("activité")

    def __str__(self) -> str:
        return self.title

    @property
    def ai_assisted(self) -> bool:
        """Activities where the AI is shown: aided or hybrid-practice ECG reading."""
        return self.kind == self.Kind.READING and self.reading_mode in (
            self.ReadingMode.AIDED,
            self.ReadingMode.PRACTICE,
        )

    @property
    def shows_skill_without_ai(self) -> bool:
        return self.kind == self.Kind.READING and self.reading_mode == self.ReadingMode.UNAIDED

    @property
    def is_gate(self) -> bool:
        """An unaided reading with a pass level: it gates the AI-assisted activities."""
        return self.shows_skill_without_ai and self.pass_level is not None


# --- people and progress --------------------------------------------------------------------


class Enrolment(models.Model):
    """One learner in one programme; ``completed_at`` is the per-programme completion record."""

    class Source(models.TextChoices):
        SELF = "self", _("Auto-inscription")
        INSTRUCTOR = "instructor", _("Par un·e enseignant·e")
        CSV = "csv", _("Import CSV")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="enrolments")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    enrolled_at = models.DateTimeField()
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SELF)
    completed_at = models.DateTimeField(null=True, blank=True)
    duration_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="days from enrolment to completion"
    )

    class Meta:
        ordering = ["-enrolled_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "learner"], name="one_enrolment_per_programme"
            )
        ]
        indexes = [
            models.Index(fields=["programme", "completed_at"], name="enrol_prog_completed"),
            models.Index(fields=["completed_at"], name="enrol_completed"),
            models.Index(fields=["enrolled_at"], name="enrol_enrolled"),
            models.Index(fields=["learner", "completed_at"], name="enrol_learner_completed"),
        ]
        verbose_name = _("inscription")

    def __str__(self) -> str:
        return f"{self.learner} · {self.programme}"


class Completion(models.Model):
    """A learner's completion of one activity (the programme is copied for indexed reads)."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="completions"
    )
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="completions")
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField()
    score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="percent, when scored"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "activity"], name="one_completion_per_activity"
            )
        ]
        indexes = [
            models.Index(
                fields=["programme", "learner", "completed_at"], name="compl_prog_learner_at"
            )
        ]


class QuizAttempt(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="attempts"
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    score = models.DecimalField(max_digits=5, decimal_places=2, help_text="percent")
    passed = models.BooleanField(default=False)
    responses = models.JSONField(default=dict)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["learner", "quiz"], name="attempt_learner_quiz")]


class Attendance(models.Model):
    """Presence at an event, recorded by an instructor."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendances")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity", "learner"], name="one_attendance")
        ]


class ReadingLink(models.Model):
    """One attempt of a learner at a reading activity: the reading session (owned by the reading app)
    they work through. The highest ``attempt`` is the current one."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="reading_links")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    session = models.OneToOneField(
        "reading.ReadingSession", on_delete=models.CASCADE, related_name="+"
    )
    attempt = models.PositiveSmallIntegerField(default=1)
    started_at = models.DateTimeField(null=True, blank=True)
    replaced_seen = models.PositiveIntegerField(
        default=0,
        help_text="cases of the activity's set left out because the learner saw them with their truth",
    )

    class Meta:
        ordering = ["activity", "learner", "attempt"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "learner", "attempt"], name="one_reading_link_per_attempt"
            )
        ]


class ActivityVisit(models.Model):
    """When a page activity was first served to a learner, stamped by the server (the evidence of
    reading time: a page credits its hours only once enough time has passed since then)."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="visits")
    first_served_at = models.DateTimeField()
    last_served_at = models.DateTimeField()
    views = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "activity"], name="one_visit_per_activity")
        ]


def new_verification_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
    return "".join(secrets.choice(alphabet) for _ in range(12))


class Attestation(models.Model):
    """Proof that a learner completed a programme; public verification shows only name and programme."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="attestation"
    )
    code = models.CharField(max_length=16, unique=True, default=new_verification_code)
    issued_at = models.DateTimeField()
    learner_name = models.CharField(max_length=300)
    programme_title = models.CharField(max_length=200)
    hours = models.DecimalField(max_digits=6, decimal_places=1)
    revoked_at = models.DateTimeField(null=True, blank=True)
    evidence = models.JSONField(
        default=dict,
        blank=True,
        help_text="how the hours were evidenced, frozen at issue (see selectors.evidence_of)",
    )

    class Meta:
        verbose_name = _("attestation")

    def __str__(self) -> str:
        return self.code

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


# --- national figures -----------------------------------------------------------------------


class NationalStat(models.Model):
    """Summary of enrolments and completions for one year and one group (refreshed by a service).

    ``programme`` null: rows over all programmes, where ``trained`` counts learners by the year of
    their *first* completion (so years add up to a cumulative count without double counting).
    """

    year = models.PositiveSmallIntegerField()
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    profession = models.CharField(max_length=20, blank=True)
    region = models.CharField(max_length=100, blank=True)
    institution = models.ForeignKey(
        "accounts.Institution", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    is_simulated = models.BooleanField(default=False)
    enrolled = models.PositiveIntegerField(default=0, help_text="enrolments started this year")
    enrolled_completed = models.PositiveIntegerField(
        default=0, help_text="of those, completed by now"
    )
    trained = models.PositiveIntegerField(default=0, help_text="completions this year")
    refreshed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["year", "programme"], name="natstat_year_prog")]


class DelayStat(models.Model):
    """How many completions took ``days`` days, per completion year and programme (for medians)."""

    year = models.PositiveSmallIntegerField()
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    is_simulated = models.BooleanField(default=False)
    days = models.PositiveIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["year", "programme"], name="delaystat_year_prog")]
