"""The ledger of background jobs: one row per job, its state, attempts and last error.

The queue (huey) carries only the row's id; the row is the durable record. It makes a job
idempotent to enqueue (a key is unique), lets a worker claim it once at a time (a lease), brings
back a job whose worker died (the lease runs out and the reaper enqueues it again), and shows the
jobs that keep failing to administrators (Django admin, "Tâches de fond").
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    QUEUED = "queued", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Terminée")
    FAILED = "failed", _("En échec")


class JobRun(models.Model):
    name = models.CharField(_("tâche"), max_length=120, db_index=True)
    key = models.CharField(_("clé d'idempotence"), max_length=200, unique=True)
    kwargs = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        _("état"), max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    max_attempts = models.PositiveIntegerField(default=5)
    #: Until when the current claim (or the scheduled retry) holds; past it, the reaper re-enqueues.
    lease_until = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    result = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "lease_until"])]
        verbose_name = _("tâche de fond")
        verbose_name_plural = _("tâches de fond")

    def __str__(self) -> str:
        return f"{self.name} [{self.key}] {self.state}"
