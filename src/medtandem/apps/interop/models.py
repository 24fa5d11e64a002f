"""Interoperability records: LTI 1.3 registrations and launches, the tool's signing keys, and the
xAPI outbox. The interop app is the only writer of these tables (``services.py``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from medtandem.apps.accounts.models import Cohort, Institution


class ToolKey(models.Model):
    """An RSA key pair of the tool. The newest active key signs; retired keys stay published in
    our JWKS for a while so that platforms can still check what they signed (rotation)."""

    kid = models.CharField(max_length=64, unique=True)
    private_pem = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("clé de l'outil LTI")

    def __str__(self) -> str:
        return self.kid


class Platform(models.Model):
    """A platform registration (a Moodle site): what it told us, and the institution of its users."""

    name = models.CharField(_("nom"), max_length=200)
    issuer = models.URLField(_("émetteur (iss)"), max_length=500)
    client_id = models.CharField(_("identifiant client"), max_length=255)
    auth_login_url = models.URLField(_("URL d'authentification OIDC"), max_length=500)
    auth_token_url = models.URLField(_("URL du jeton d'accès"), max_length=500)
    keyset_url = models.URLField(_("URL du jeu de clés (JWKS)"), max_length=500)
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="lti_platforms"
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("plateforme LTI")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "client_id"], name="one_platform_per_client")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.issuer})"


class Deployment(models.Model):
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="deployments")
    deployment_id = models.CharField(_("identifiant de déploiement"), max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "deployment_id"], name="one_deployment_per_platform"
            )
        ]

    def __str__(self) -> str:
        return self.deployment_id


class LoginState(models.Model):
    """One OIDC login initiation: its ``state`` and ``nonce``, consumed by the launch (single use)."""

    state = models.CharField(max_length=64, unique=True)
    nonce = models.CharField(max_length=64, unique=True)
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)


class Identity(models.Model):
    """The MedTandem person behind a platform's user (``sub``): one per (platform, sub)."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="identities")
    sub = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lti_identities"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "sub"], name="one_person_per_lti_sub")
        ]


class Context(models.Model):
    """A course of the platform, followed as a cohort; its membership service URL (NRPS)."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="contexts")
    context_id = models.CharField(max_length=255)
    title = models.CharField(max_length=255, blank=True)
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="+")
    memberships_url = models.URLField(max_length=2000, blank=True)
    members_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "context_id"], name="one_context_per_id")
        ]

    def __str__(self) -> str:
        return self.title or self.context_id


class ResourceKind(models.TextChoices):
    CASE_SET = "case_set", _("Série de cas")
    ACTIVITY = "activity", _("Activité de programme")
    STUDY = "study", _("Étude de lecture")


class ResourceLink(models.Model):
    """A link placed in a course (by deep linking): what it opens, and its grade-book line item."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="links")
    resource_link_id = models.CharField(max_length=255)
    context = models.ForeignKey(Context, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=ResourceKind.choices, blank=True)
    target_id = models.PositiveIntegerField(null=True, blank=True)
    lineitem = models.URLField(max_length=2000, blank=True)
    title = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "resource_link_id"], name="one_link_per_platform_id"
            )
        ]


class LaunchTicket(models.Model):
    """A validated launch waiting for the browser to enter (single use, short-lived): it carries the
    launch from the platform's cross-site POST to a first-party request that signs the person in,
    in the iframe or in a new window when the iframe cannot keep cookies."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    target = models.CharField(max_length=300)
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)


class DeepLinkRequest(models.Model):
    """An instructor's deep-linking launch, waiting for their choice."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="+")
    deployment_id = models.CharField(max_length=255)
    return_url = models.URLField(max_length=2000)
    data = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)


class GradeLink(models.Model):
    """A reading session opened from a graded link: where its score goes when it ends."""

    session = models.OneToOneField(
        "reading.ReadingSession", on_delete=models.CASCADE, related_name="lti_grade"
    )
    link = models.ForeignKey(ResourceLink, on_delete=models.CASCADE, related_name="grades")
    sub = models.CharField(max_length=255)
    lineitem = models.URLField(max_length=2000)
    posted_at = models.DateTimeField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)


class Statement(models.Model):
    """The xAPI outbox: one statement per learning event, delivered once to the record store.

    Written by :func:`medtandem.apps.interop.outbox.collect` from the event's own row (one per
    ``(kind, source_id)``); ``statement_id`` is derived from them, so the record store stores it
    once even when it is sent twice."""

    statement_id = models.UUIDField(unique=True)
    kind = models.CharField(max_length=30)
    source_id = models.PositiveBigIntegerField()
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    #: The record store refused this statement itself (HTTP 400): kept aside, shown, not retried.
    rejected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "source_id"], name="one_statement_per_event")
        ]
        indexes = [models.Index(fields=["sent_at", "rejected_at", "created_at"])]
        verbose_name = _("déclaration xAPI")
