"""The observatory of AI in healthcare: registry, field monitoring, incidents, hurdles.

The observatory app is the only writer of these tables (see :mod:`.services`). Stable public
identifiers: an application's ``slug``, a version's ``slug`` (application slug + version), an
incident's ``public_id`` (``INC-`` + number, or ``MAUDE-`` + the FDA's report key) and a hurdle's
``public_id``; database keys are never part of a public URL or of the API.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    MEDTANDEM = "medtandem", _("MedTandem (modèle entraîné et évalué ici)")
    FDA = "fda", _("FDA, liste des dispositifs médicaux à base d'IA")
    SUBMISSION = "submission", _("Déclaration d'un fournisseur ou d'un analyste")
    EXAMPLE = "example", _("Exemple fictif de démonstration")


class Status(models.TextChoices):
    IN_SERVICE = "in_service", _("en service")
    AUTHORISED = "authorised", _("autorisé (déploiement non renseigné)")
    AVAILABLE = "available", _("disponible, non déployé")
    WITHDRAWN = "withdrawn", _("retiré")
    RECALLED = "recalled", _("rappelé")


class AIActRisk(models.TextChoices):
    UNKNOWN = "", _("non renseigné")
    HIGH = "high", _("haut risque (art. 6)")
    LIMITED = "limited", _("risque limité (transparence, art. 50)")
    MINIMAL = "minimal", _("risque minimal")
    OUT_OF_SCOPE = "out_of_scope", _("hors champ")


class MDRClass(models.TextChoices):
    UNKNOWN = "", _("non renseigné")
    NOT_DEVICE = "not_device", _("pas un dispositif médical")
    I = "I", "I"  # noqa: E741
    IIA = "IIa", "IIa"
    IIB = "IIb", "IIb"
    III = "III", "III"
    IVDR_A = "IVDR-A", _("DIV classe A")
    IVDR_B = "IVDR-B", _("DIV classe B")
    IVDR_C = "IVDR-C", _("DIV classe C")
    IVDR_D = "IVDR-D", _("DIV classe D")


class Application(models.Model):
    """An AI application (a product) across its versions."""

    slug = models.SlugField(max_length=140, unique=True)
    name = models.CharField(_("nom commercial"), max_length=300)
    provider = models.CharField(_("fournisseur"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    #: The identifier in its source (FDA submission number; MedTandem model name).
    source_ref = models.CharField(max_length=80, blank=True, db_index=True)
    task = models.CharField(_("domaine / tâche"), max_length=120, blank=True, db_index=True)
    modality = models.CharField(_("modalité"), max_length=120, blank=True, db_index=True)
    region = models.CharField(_("région"), max_length=60, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("application d'IA")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"],
                condition=~models.Q(source_ref=""),
                name="one_application_per_source_ref",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ApplicationVersion(models.Model):
    """One version of an application: the registry entry. ``sheet`` holds the published fields,
    grouped as the EU AI Act Annex VIII A and the CHAI Applied Model Card group them (see
    :data:`medtandem.apps.observatory.fields.GROUPS`)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="versions")
    slug = models.SlugField(max_length=160, unique=True)
    name = models.CharField(_("nom"), max_length=300)
    version = models.CharField(_("version"), max_length=80)
    developer = models.CharField(_("développeur"), max_length=300, blank=True)
    intended_use = models.TextField(_("usage prévu"), blank=True)
    regulatory_status = models.CharField(_("statut réglementaire"), max_length=300, blank=True)
    status = models.CharField(
        _("statut"), max_length=16, choices=Status.choices, default=Status.AUTHORISED, db_index=True
    )
    risk_class = models.CharField(
        _("classe de risque (AI Act)"),
        max_length=16,
        choices=AIActRisk.choices,
        blank=True,
        default="",
        db_index=True,
    )
    mdr_class = models.CharField(
        _("classe MDR/IVDR"), max_length=16, choices=MDRClass.choices, blank=True, default=""
    )
    fda_submission = models.CharField(
        _("numéro de soumission FDA"), max_length=20, blank=True, db_index=True
    )
    decision_date = models.DateField(_("date de décision / mise en service"), null=True, blank=True)
    sheet = models.JSONField(default=dict, blank=True)
    model_card = models.JSONField(default=dict, blank=True)
    facts = models.JSONField(default=dict, blank=True)
    frugality = models.JSONField(default=dict, blank=True)
    #: The model MedTandem shows its learners now (one at most).
    in_service = models.BooleanField(_("en service dans MedTandem"), default=False)
    published = models.BooleanField(default=False, db_index=True)
    registered_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "-registered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "version"], name="one_entry_per_app_version"
            )
        ]
        verbose_name = _("version d'application d'IA")

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class StatusChange(models.Model):
    """A dated change of a version's status (put in service, withdrawn, recalled)."""

    version = models.ForeignKey(
        ApplicationVersion, on_delete=models.CASCADE, related_name="status_changes"
    )
    old = models.CharField(max_length=16, blank=True)
    new = models.CharField(max_length=16, choices=Status.choices)
    at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]


class Revision(models.Model):
    """One proposed or accepted state of an entry's fields; accepted revisions are its history."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("soumise, en attente de revue")
        PUBLISHED = "published", _("publiée")
        REJECTED = "rejected", _("refusée")

    version = models.ForeignKey(
        ApplicationVersion, on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    data = models.JSONField()
    state = models.CharField(
        max_length=12, choices=State.choices, default=State.SUBMITTED, db_index=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=200, blank=True, help_text="who, as shown publicly")
    note = models.TextField(blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="one_revision_number")
        ]


# --- field monitoring ----------------------------------------------------------------------------


class CaseFeatures(models.Model):
    """The model-input measurements of one case (:mod:`medtandem.ai.features`), computed once."""

    case_id = models.BigIntegerField(primary_key=True)
    feature_set = models.CharField(max_length=40)
    values = models.JSONField(
        help_text="in medtandem.ai.features.FEATURE_NAMES order; null where not measurable"
    )
    computed_at = models.DateTimeField(auto_now=True)


class MonitoringRun(models.Model):
    """One recomputation of an application version's field monitoring (stored; pages read it)."""

    version = models.ForeignKey(
        ApplicationVersion, on_delete=models.CASCADE, related_name="monitoring_runs"
    )
    computed_at = models.DateTimeField(db_index=True)
    window_days = models.PositiveIntegerField()
    n_windows = models.PositiveIntegerField()
    n_reads = models.PositiveIntegerField()
    n_simulated = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0.0)
    payload = models.JSONField(default=dict)
    is_latest = models.BooleanField(default=True, db_index=True)

    class Meta:
        ordering = ["-computed_at"]


class FieldMetric(models.Model):
    """One figure of a monitoring run: an output's performance in a window and subgroup."""

    run = models.ForeignKey(MonitoringRun, on_delete=models.CASCADE, related_name="metrics")
    output = models.CharField(max_length=8)
    window = models.IntegerField(help_text="window index, -1 for the whole period")
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    subgroup = models.CharField(max_length=20, default="all")
    subgroup_value = models.CharField(max_length=80, default="")
    #: Distinct cases shown (the unit: the AI's output on a case does not depend on its reader).
    n = models.PositiveIntegerField()
    #: Reads in which those suggestions were shown.
    n_reads = models.PositiveIntegerField(default=0)
    n_positive = models.PositiveIntegerField()
    auc = models.FloatField(null=True)
    auc_lower = models.FloatField(null=True)
    auc_upper = models.FloatField(null=True)
    sensitivity = models.FloatField(null=True)
    sensitivity_lower = models.FloatField(null=True)
    sensitivity_upper = models.FloatField(null=True)
    specificity = models.FloatField(null=True)
    specificity_lower = models.FloatField(null=True)
    specificity_upper = models.FloatField(null=True)
    ece = models.FloatField(null=True)
    enough = models.BooleanField(default=False)
    claimed_auc = models.FloatField(null=True)
    claimed_sensitivity = models.FloatField(null=True)
    claimed_specificity = models.FloatField(null=True)

    class Meta:
        ordering = ["run", "output", "subgroup", "subgroup_value", "window"]
        indexes = [models.Index(fields=["run", "subgroup", "window"])]


class Alert(models.Model):
    """A drift alarm raised by a monitoring run, for analysts."""

    class Kind(models.TextChoices):
        PERFORMANCE = "performance", _("dérive de performance (CUSUM)")
        INPUT = "input", _("dérive des entrées (PSI)")

    class State(models.TextChoices):
        OPEN = "open", _("ouverte")
        ACKNOWLEDGED = "acknowledged", _("prise en compte")

    version = models.ForeignKey(ApplicationVersion, on_delete=models.CASCADE, related_name="alerts")
    run = models.ForeignKey(
        MonitoringRun, null=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    subject = models.CharField(max_length=80, help_text="output or measurement")
    window_start = models.DateTimeField()
    statistic = models.FloatField()
    limit = models.FloatField()
    message = models.TextField()
    state = models.CharField(max_length=14, choices=State.choices, default=State.OPEN)
    raised_at = models.DateTimeField()

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "kind", "subject", "window_start"], name="one_alert_per_drift"
            )
        ]


# --- incidents (entity model after the AI Incident Database) ------------------------------------


class Seriousness(models.TextChoices):
    """After the AI Act's serious-incident definition, Art. 3(49) (a)-(d), and Art. 73's clocks."""

    NOT_SERIOUS = "not_serious", _("non grave")
    DEATH = "death", _("décès d'une personne (art. 3(49)(a))")
    HEALTH = "health", _("atteinte grave à la santé d'une personne (art. 3(49)(a))")
    INFRASTRUCTURE = (
        "infrastructure",
        _("perturbation grave et irréversible d'une infrastructure critique (art. 3(49)(b))"),
    )
    RIGHTS = "rights", _("violation des droits fondamentaux (art. 3(49)(c))")
    PROPERTY = "property", _("atteinte grave aux biens ou à l'environnement (art. 3(49)(d))")
    WIDESPREAD = "widespread", _("infraction de grande ampleur (art. 3(61))")
    UNKNOWN = "unknown", _("à évaluer")


class Category(models.TextChoices):
    WRONG_OUTPUT = "wrong_output", _("suggestion erronée")
    MISSED_FINDING = "missed_finding", _("anomalie manquée")
    FALSE_ALARM = "false_alarm", _("fausse alerte")
    EXPLANATION = "explanation", _("explication trompeuse")
    BIAS = "bias", _("biais envers un groupe")
    DRIFT = "drift", _("dérive des performances")
    MALFUNCTION = "malfunction", _("dysfonctionnement")
    USABILITY = "usability", _("ergonomie / flux de travail")
    PRIVACY = "privacy", _("données personnelles")
    OTHER = "other", _("autre")


class Incident(models.Model):
    class State(models.TextChoices):
        RECEIVED = "received", _("reçu")
        ASSESSED = "assessed", _("évalué")
        INVESTIGATING = "investigating", _("en cours d'investigation")
        CLOSED = "closed", _("clos")

    class Origin(models.TextChoices):
        READING = "reading", _("page de lecture MedTandem")
        REGISTRY = "registry", _("fiche du registre")
        SITE = "site", _("établissement")
        PROVIDER = "provider", _("fournisseur")
        ALERT = "alert", _("alerte de surveillance")
        FDA_MAUDE = "fda_maude", _("FDA MAUDE (rapport non vérifié)")

    public_id = models.CharField(max_length=40, unique=True)
    version = models.ForeignKey(
        ApplicationVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
    )
    title = models.CharField(_("titre"), max_length=200)
    #: The reporter's words: never public (may hold personal details).
    description = models.TextField(_("ce qui s'est passé"))
    #: The anonymised text an analyst wrote for the public page.
    public_summary = models.TextField(_("résumé public anonymisé"), blank=True)
    category = models.CharField(
        _("catégorie"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    reported_seriousness = models.CharField(
        max_length=16, choices=Seriousness.choices, default=Seriousness.UNKNOWN
    )
    seriousness = models.CharField(
        _("gravité (après évaluation)"),
        max_length=16,
        choices=Seriousness.choices,
        default=Seriousness.UNKNOWN,
    )
    state = models.CharField(
        _("état"), max_length=14, choices=State.choices, default=State.RECEIVED, db_index=True
    )
    origin = models.CharField(max_length=12, choices=Origin.choices)
    #: Public-source records (FDA MAUDE) that MedTandem did not verify.
    unverified = models.BooleanField(default=False)
    occurred_on = models.DateField(null=True, blank=True)
    aware_at = models.DateTimeField(
        help_text="when the provider/deployer became aware (Art. 73 clock start)"
    )
    deadline = models.DateTimeField(null=True, blank=True, help_text="Art. 73 reporting deadline")
    notified_at = models.DateTimeField(_("notifié à l'autorité le"), null=True, blank=True)
    corrective_action = models.TextField(_("action corrective"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Private context: never shown publicly.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case_id_private = models.BigIntegerField(null=True, blank=True)
    prediction_id_private = models.BigIntegerField(null=True, blank=True)
    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    source_data = models.JSONField(
        default=dict, blank=True, help_text="the imported record, for public sources"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-aware_at", "-pk"]


class IncidentReport(models.Model):
    """One report of an incident (an incident may gather several)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="reports")
    origin = models.CharField(max_length=12, choices=Incident.Origin.choices)
    text = models.TextField(blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_ref = models.CharField(max_length=80, blank=True, db_index=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["origin", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="one_report_per_external_ref",
            )
        ]


class IncidentEntity(models.Model):
    class Role(models.TextChoices):
        HARMED = "harmed", _("affecté·e")
        DEPLOYER = "deployer", _("déployeur")
        DEVELOPER = "developer", _("développeur")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="entities")
    role = models.CharField(max_length=10, choices=Role.choices)
    name = models.CharField(
        max_length=300, help_text="an organisation or a category of people, never a person's name"
    )

    class Meta:
        ordering = ["role", "name"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "role", "name"], name="one_entity_role")
        ]


class IncidentEvent(models.Model):
    """The triage log: each state change, with who and when (shown to analysts only)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    old_state = models.CharField(max_length=14, blank=True)
    new_state = models.CharField(max_length=14)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]


# --- hurdles -------------------------------------------------------------------------------------


class HurdleCategory(models.TextChoices):
    TRAINING = "training", _("formation")
    TRUST = "trust", _("confiance")
    WORKFLOW = "workflow", _("intégration au flux de travail")
    DATA_ACCESS = "data_access", _("accès aux données")
    REGULATION = "regulation", _("réglementation")
    COST = "cost", _("coût")
    ENERGY = "energy", _("énergie")
    INEQUALITY = "inequality", _("inégalités d'accès")


class Hurdle(models.Model):
    """A hurdle to integrating AI in care, reported by a professional or a site."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("en attente de relecture")
        PUBLISHED = "published", _("texte publié")
        WITHHELD = "withheld", _("texte non publié")

    public_id = models.CharField(max_length=40, unique=True)
    category = models.CharField(
        _("catégorie"), max_length=16, choices=HurdleCategory.choices, db_index=True
    )
    profession = models.CharField(_("profession"), max_length=20, blank=True)
    region = models.CharField(_("région"), max_length=60, blank=True)
    on_behalf_of_site = models.BooleanField(_("au nom d'un établissement"), default=False)
    severity = models.PositiveSmallIntegerField(_("importance (1 à 5)"), default=3)
    text = models.TextField(_("description"))
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.SUBMITTED, db_index=True
    )
    is_example = models.BooleanField(default=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
