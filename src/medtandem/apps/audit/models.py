"""The audit trail: append-only, hash-chained records of who did what, and when.

Clinical-trial data systems (ICH E6(R3) §4.2, FDA 21 CFR Part 11 §11.10(e)) keep a secure,
computer-generated, time-stamped trail of actions that create, modify or reveal records. Each
entry stores the SHA-256 of its own canonical content and of the previous entry, so deleting,
reordering or editing an entry breaks the chain that :func:`medtandem.apps.audit.services.verify_chain`
walks.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One recorded action. Written only by :func:`medtandem.apps.audit.services.record`."""

    seq = models.PositiveBigIntegerField(unique=True, help_text="position in the chain, from 1")
    at = models.DateTimeField(_("date"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: The actor's user name at the time (kept when the account is deleted).
    actor_name = models.CharField(_("auteur"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("objet"), max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]
        verbose_name = _("entrée du journal d'audit")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_type}:{self.target_id}"
