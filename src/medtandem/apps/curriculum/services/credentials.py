"""Attestations: issue (with frozen evidence), revocation, PDF/HTML, Open Badges."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from medtandem.apps.accounts.models import User
from medtandem.apps.audit.services import Action, record
from medtandem.apps.curriculum import badges, selectors
from medtandem.apps.curriculum.models import (
    Attestation,
    Enrolment,
)
from medtandem.apps.curriculum.services.errors import CurriculumRuleError

# --- attestations ---------------------------------------------------------------------------


def issue_attestation(enrolment: Enrolment, *, by: User | None = None) -> Attestation:
    """The attestation of a completed enrolment (created once; the code never changes), with the
    evidence of its hours frozen in it (:func:`selectors.evidence_of`) and an audit entry."""
    if enrolment.completed_at is None:
        raise CurriculumRuleError(_("Le programme n'est pas terminé."))
    existing = Attestation.objects.filter(enrolment=enrolment).first()
    if existing is not None:
        return existing
    learner, programme = enrolment.learner, enrolment.programme
    for _try in range(5):
        try:
            with transaction.atomic():
                attestation = Attestation.objects.create(
                    enrolment=enrolment,
                    issued_at=enrolment.completed_at,
                    learner_name=learner.get_full_name() or learner.username,
                    programme_title=programme.title,
                    hours=programme.hours,
                    evidence=selectors.evidence_of(enrolment),
                )
                record(
                    Action.ATTESTATION_ISSUED,
                    actor=by,
                    target=attestation,
                    details={
                        "code": attestation.code,
                        "programme": programme.slug,
                        "learner_id": learner.pk,
                        "hours": str(programme.hours),
                    },
                )
                return attestation
        except IntegrityError:  # code collision (1 in 32^12) or a concurrent issue
            existing = Attestation.objects.filter(enrolment=enrolment).first()
            if existing is not None:
                return existing
    raise RuntimeError("could not allocate an attestation code")


def revoke_attestation(
    attestation: Attestation, *, by: User | None = None, reason: str = ""
) -> None:
    """Revoke an attestation (once; revoking again changes nothing), on the audit trail."""
    if attestation.revoked_at is not None:
        return
    with transaction.atomic():
        attestation.revoked_at = timezone.now()
        attestation.save(update_fields=["revoked_at"])
        record(
            Action.ATTESTATION_REVOKED,
            actor=by,
            target=attestation,
            details={"code": attestation.code, "reason": reason},
        )


def attestation_pdf(
    attestation: Attestation, *, verify_url: str, base_url: str | None = None
) -> bytes:
    """The attestation as PDF (WeasyPrint), with its code and verification address."""
    from weasyprint import HTML

    html = attestation_html(attestation, verify_url=verify_url)
    return HTML(string=html, base_url=base_url).write_pdf()


def attestation_html(attestation: Attestation, *, verify_url: str) -> str:
    competencies = selectors.competencies_of_programme(attestation.enrolment.programme)
    return render_to_string(
        "curriculum/attestation_pdf.html",
        {
            "attestation": attestation,
            "programme": attestation.enrolment.programme,
            "verify_url": verify_url,
            "competencies": competencies,
            "evidence_lines": selectors.evidence_lines(attestation.evidence),
        },
    )


def issuer_profile_id(issuer_url: str) -> str:
    """The issuer's ``Profile`` address (served by ``curriculum:badge_issuer``)."""
    return f"{issuer_url}badges/issuer"


def issuer_profile(issuer_url: str, *, embedded: bool = False) -> dict[str, Any]:
    """The issuer's Open Badges 3.0 ``Profile``: published at its id, embedded in each credential
    (without its own ``@context``). Its key is published at ``/learn/badges/jwks.json``."""
    profile: dict[str, Any] = {
        "id": issuer_profile_id(issuer_url),
        "type": ["Profile"],
        "name": "MedTandem",
        "url": issuer_url,
    }
    if embedded:
        return profile
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        **profile,
        "description": _("Plateforme de formation à la lecture de l'ECG avec et sans IA."),
    }


def open_badge(
    attestation: Attestation, *, issuer_url: str, verify_url: str, status_url: str = ""
) -> dict[str, Any]:
    """The attestation as an Open Badges 3.0 ``OpenBadgeCredential`` (unsigned JSON). With
    ``status_url``, its revocation entry in our Bitstring Status List (the attestation's id is its
    index: stable, and never reused)."""
    programme = attestation.enrolment.programme
    credential = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(issuer_url, embedded=True),
        "validFrom": attestation.issued_at.isoformat(),
        "name": programme.title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": attestation.learner_name,
            "achievement": {
                "id": f"{issuer_url}programmes/{programme.slug}",
                "type": ["Achievement"],
                "name": programme.title,
                "description": programme.summary or programme.title,
                "criteria": {
                    "narrative": _("Toutes les activités obligatoires du programme validées.")
                },
                "achievementType": "Certificate",
                "creditsAvailable": float(programme.ects) if programme.ects else None,
                "humanCode": attestation.code,
            },
            "result": [{"type": ["Result"], "value": f"{attestation.hours} h"}],
        },
        "evidence": [
            {"type": ["Evidence"], "name": _("Preuve des heures"), "narrative": line}
            for line in selectors.evidence_lines(attestation.evidence)
        ],
    }
    if status_url:
        credential["credentialStatus"] = {
            "id": f"{status_url}#{attestation.pk}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(attestation.pk),
            "statusListCredential": status_url,
        }
    return credential


def status_list_credential(*, issuer_url: str, status_url: str) -> str:
    """Our revocation list as a signed ``BitstringStatusListCredential`` (VC-JWT): bit ``i`` set
    when attestation ``i`` is revoked (W3C Bitstring Status List v1.0)."""
    revoked = Attestation.objects.filter(revoked_at__isnull=False).values_list("pk", flat=True)
    now = timezone.now()
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": status_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_profile(issuer_url, embedded=True),
        "validFrom": now.isoformat(),
        "credentialSubject": {
            "id": f"{status_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": badges.encode_status_list(revoked),
        },
    }
    return badges.sign_credential(
        credential,
        issuer=issuer_profile_id(issuer_url),
        subject=f"{status_url}#list",
        jti=status_url,
        nbf=int(now.timestamp()),
    )


def signed_badge(
    attestation: Attestation, *, issuer_url: str, verify_url: str, status_url: str = ""
) -> str:
    credential = open_badge(
        attestation, issuer_url=issuer_url, verify_url=verify_url, status_url=status_url
    )
    return badges.sign_credential(
        credential,
        issuer=issuer_profile_id(issuer_url),
        subject=attestation.code,
        jti=verify_url,
        nbf=int(attestation.issued_at.timestamp()),
    )
