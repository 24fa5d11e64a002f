"""Writing and verifying the audit trail.

Invariants:
- Entries are only appended: :func:`record` is the one writer; nothing updates or deletes them.
- ``hash = sha256(canonical(entry) + prev_hash)``, with ``canonical`` the JSON of the entry's
  fields (sorted keys, ISO-8601 UTC time). The first entry's ``prev_hash`` is 64 zeros.
- Appends are serialised: the last entry is read under a row lock (PostgreSQL) or inside SQLite's
  single-writer transaction, and ``seq``/``hash`` are unique, so two concurrent appends cannot
  both claim the same place in the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from medtandem.apps.audit.models import AuditEntry

GENESIS = "0" * 64


class Action:
    """The recorded actions (one vocabulary for every app)."""

    STUDY_CREATED = "study.created"
    STUDY_CHANGED = "study.changed"
    STUDY_LOCKED = "study.locked"
    STUDY_EXPORTED = "study.exported"
    STUDY_READS_IMPORTED = "study.reads_imported"
    PSEUDONYM_REVEALED = "study.pseudonym_revealed"
    ROLE_GRANTED = "role.granted"
    ROLE_REVOKED = "role.revoked"
    ATTESTATION_ISSUED = "attestation.issued"
    ATTESTATION_REVOKED = "attestation.revoked"
    CASES_IMPORTED = "cases.imported"
    CASE_SET_CREATED = "case_set.created"
    CASE_SET_CHANGED = "case_set.changed"
    ENROLMENTS_IMPORTED = "enrolments.imported"
    QUIZ_IMPORTED = "quiz.imported"
    CHALLENGE_CREATED = "datathon.challenge_created"
    SUBMISSION_SCORED = "datathon.submission_scored"
    SUBMISSION_LINKED = "datathon.submission_linked"
    OFFER_SUBMITTED = "catalogue.offer_submitted"
    OFFER_REVIEWED = "catalogue.offer_reviewed"
    LTI_PLATFORM_REGISTERED = "lti.platform_registered"
    LTI_KEY_ROTATED = "lti.key_rotated"


def _canonical(
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor_name: str,
    action: str,
    target_type: str,
    target_id: str,
    details: dict[str, Any],
) -> str:
    return json.dumps(
        {
            "seq": seq,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": actor_id,
            "actor_name": actor_name,
            "action": action,
            "target_type": target_type,
            "target_id": target_id,
            "details": details,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
    )


def _digest(canonical: str, prev_hash: str) -> str:
    return hashlib.sha256((canonical + prev_hash).encode()).hexdigest()


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    # Round-trip through JSON so what is hashed is exactly what the JSON column gives back.
    return json.loads(json.dumps(details, sort_keys=True, default=str, allow_nan=False))


def record(
    action: str,
    *,
    actor: Any = None,
    target: Any = None,
    target_type: str = "",
    target_id: Any = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. ``target`` (a model instance) fills ``target_type``/``target_id``.

    Call it inside the transaction of the change it records, so that the change and its record
    are stored together or not at all.
    """
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
    actor_id = (
        getattr(actor, "pk", None)
        if actor is not None and getattr(actor, "is_authenticated", False)
        else None
    )
    actor_name = getattr(actor, "username", "") if actor_id else ""
    payload = _jsonable(details or {})
    for _attempt in range(5):
        try:
            with transaction.atomic():
                last = (
                    AuditEntry.objects.select_for_update()
                    .order_by("-seq")
                    .only("seq", "hash")
                    .first()
                )
                seq = (last.seq + 1) if last else 1
                prev = last.hash if last else GENESIS
                at = timezone.now()
                canonical = _canonical(
                    seq, at, actor_id, actor_name, action, target_type, str(target_id), payload
                )
                return AuditEntry.objects.create(
                    seq=seq,
                    at=at,
                    actor_id=actor_id,
                    actor_name=actor_name,
                    action=action,
                    target_type=target_type,
                    target_id=str(target_id),
                    details=payload,
                    prev_hash=prev,
                    hash=_digest(canonical, prev),
                )
        except IntegrityError:
            continue  # another append took this seq first: read the new end of the chain
    raise RuntimeError("the audit trail could not be appended to (too much contention)")


@dataclass(frozen=True)
class ChainReport:
    """The outcome of walking the chain: ``ok`` and, when broken, the first bad entry and why."""

    ok: bool
    entries: int
    first_bad_seq: int | None = None
    reason: str = ""

    def summary(self) -> str:
        if self.ok:
            return f"audit trail intact: {self.entries} entries"
        return f"audit trail BROKEN at entry #{self.first_bad_seq}: {self.reason} ({self.entries} entries checked)"


def verify_chain() -> ChainReport:
    """Recompute every hash from the first entry; report the first entry that does not match."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(False, count, expected_seq, f"entry #{expected_seq} is missing")
        if entry.prev_hash != prev:
            return ChainReport(False, count, entry.seq, "does not point to the previous entry")
        canonical = _canonical(
            entry.seq,
            entry.at,
            entry.actor_id,
            entry.actor_name,
            entry.action,
            entry.target_type,
            entry.target_id,
            entry.details,
        )
        if _digest(canonical, prev) != entry.hash:
            return ChainReport(
                False, count, entry.seq, "its content was changed after it was written"
            )
        prev = entry.hash
        expected_seq += 1
    return ChainReport(True, count)
