"""The observatory's demo: real FDA data, MedTandem's shipped models, simulated field reads with a
documented injected drift, example submissions, incidents in several states and hurdles.

Idempotent: each part is skipped when it is already there.

**The injected drift** (documented in docs/observatory.md). Simulated readers (``is_simulated``)
read 20 ECGs a week for 12 weeks in hybrid mode. Weeks 1-8 draw their cases at random from the
bank. From week 9 on, 75 % of each week's cases are drawn among the ECGs on which the model in
service is wrong on at least two of its six outputs at its operating point, or whose patient is
over 70: a case-mix shift of the kind a new referral population would cause. The AI's outputs are
its real cached predictions; what drifts is which ECGs it is shown. Field monitoring then computes,
on these reads, the error-rate CUSUM (which crosses its limit) and the input PSI.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from medtandem.apps.accounts.models import Profession, Role, User
from medtandem.apps.accounts.services import create_person
from medtandem.apps.cases.models import Case
from medtandem.apps.cases.selectors import prediction_for
from medtandem.apps.cases.services import build_case_set, current_model
from medtandem.apps.observatory import services
from medtandem.apps.observatory.models import (
    Application,
    Category,
    Hurdle,
    HurdleCategory,
    Incident,
    Revision,
    Seriousness,
    Source,
)
from medtandem.apps.reading.services import ReadAnswer, RecordedRead, record_reads, start_session
from medtandem.ecg.ptbxl import SUPERCLASSES

FIELD_SET_PREFIX = "Terrain simulé (observatoire) — semaine"
WEEKS, PER_WEEK, READERS_PER_WEEK = 12, 20, 12
DRIFT_FROM_WEEK, DRIFT_SHARE = 9, 0.75
READER_PROFESSIONS = (
    [Profession.MEDICINE] * 5
    + [Profession.NURSING] * 4
    + [Profession.PHARMACY, Profession.MAIEUTICS, Profession.OTHER]
)
REGIONS = [
    "Île-de-France",
    "Hauts-de-France",
    "Bretagne",
    "Occitanie",
    "Auvergne-Rhône-Alpes",
    "Normandie",
    "Guadeloupe",
]


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _person(username: str, roles: list[str], **profile: Any) -> User:
    return User.objects.filter(username=username).first() or create_person(
        username, None, roles, **profile
    )


def _analyst() -> User:
    user = User.objects.filter(username="admin").first()
    if user is not None:
        return user
    return _person("analyste-demo", [Role.ANALYST], first_name="Analyste", last_name="démo")


def load_field_reads(now: datetime, seed: int = 2026) -> int:
    """Simulated hybrid reads over 12 weeks with the injected drift (see the module docstring)."""
    if Case.objects.filter(case_sets__name__startswith=FIELD_SET_PREFIX).exists():
        return 0
    model = current_model()
    rng = random.Random(seed)
    cases = list(Case.objects.order_by("external_id"))
    found = {c.pk: prediction_for(c, model.name, model.version) for c in cases}
    predictions = {pk: p for pk, p in found.items() if p is not None}
    cases = [c for c in cases if c.pk in predictions]
    if len(cases) < PER_WEEK:
        return 0
    op = model.facts.get("operating_point") or {}

    def wrong_outputs(case: Case) -> int:
        probs = predictions[case.pk].probabilities
        truth = {
            **{s: bool(getattr(case, s.lower())) for s in SUPERCLASSES},
            "AFIB": case.rhythm == "afib_flutter",
        }
        return sum(
            (float(probs.get(k, 0)) >= float(t)) != truth[k] for k, t in op.items() if k in truth
        )

    shifted = [c for c in cases if wrong_outputs(c) >= 2 or (c.age or 0) > 70]
    readers = [
        _person(
            f"obs-terrain-{i:02d}",
            [Role.LEARNER],
            first_name="Lecteur·rice",
            last_name=f"terrain {i:02d}",
            profession=READER_PROFESSIONS[i % len(READER_PROFESSIONS)],
            is_simulated=True,
        )
        for i in range(READERS_PER_WEEK * 2)
    ]
    start = now - timedelta(days=7 * WEEKS)
    reads: list[RecordedRead] = []
    for week in range(1, WEEKS + 1):
        if week >= DRIFT_FROM_WEEK:
            n_shift = round(PER_WEEK * DRIFT_SHARE)
            picks = rng.sample(shifted, min(n_shift, len(shifted)))
            picks += rng.sample([c for c in cases if c not in picks], PER_WEEK - len(picks))
        else:
            picks = rng.sample(cases, PER_WEEK)
        case_set = build_case_set(
            f"{FIELD_SET_PREFIX} {week:02d}",
            case_ids=[c.pk for c in picks],
            description="Lectures simulées de l'observatoire (démonstration).",
        )
        for r in rng.sample(readers, READERS_PER_WEEK):
            skill = 0.9 + rng.random() * 1.2
            reliance = 0.3 + rng.random() * 0.9
            session = start_session(r, case_set, "practice", title=f"Terrain simulé S{week:02d}")
            t = start + timedelta(days=7 * (week - 1) + rng.random() * 6, hours=8)
            for case in picks:
                pred = predictions[case.pk]
                own = {}
                aided = {}
                for s in SUPERCLASSES:
                    truth = bool(getattr(case, s.lower()))
                    latent = (skill / 2 if truth else -skill / 2) + rng.gauss(0, 1) - 0.6
                    own[s] = int(round(100 * _sigmoid(1.3 * latent)))
                    mixed = (1 - 0.4 * reliance) * latent + reliance * _logit(
                        float(pred.probabilities.get(s, 0.5))
                    )
                    aided[s] = int(round(100 * _sigmoid(1.3 * mixed)))
                opened = t
                t += timedelta(seconds=rng.uniform(25, 70))
                reads.append(
                    RecordedRead(session, case, "unaided", ReadAnswer(own, case.rhythm), opened, t)
                )
                opened = t
                t += timedelta(seconds=rng.uniform(10, 40))
                reads.append(
                    RecordedRead(
                        session, case, "aided", ReadAnswer(aided, case.rhythm), opened, t, pred
                    )
                )
    return record_reads(reads)


EXAMPLES = [
    {
        "provider_name": "CardioSense SAS (exemple fictif)",
        "trade_name": "RythmoScan (exemple fictif)",
        "version": "2.1",
        "intended_purpose": "Détection de la fibrillation atriale sur ECG 12 dérivations, en aide à la lecture par un médecin.",
        "intended_users": "Médecins généralistes et cardiologues",
        "mdr_class": "IIa",
        "risk_class": "high",
        "notified_body": "Organisme notifié fictif n° 0000",
        "ai_act_route": "Annexe VII (organisme notifié)",
        "status": "in_service",
        "deployed_in": "France, Belgique",
        "task": "ECG 12 dérivations",
        "modality": "ECG",
        "region": "Europe",
        "human_oversight": "Le médecin valide chaque résultat.",
        "performance_overall": "Sensibilité 0,95, spécificité 0,93 (données du fournisseur, fictives)",
        "known_limitations": "Non évalué chez l'enfant ; porteurs de stimulateur exclus.",
    },
    {
        "provider_name": "PneumoVision GmbH (exemple fictif)",
        "trade_name": "ThoraxAI (exemple fictif)",
        "version": "1.0",
        "intended_purpose": "Tri des radiographies thoraciques suspectes de pneumothorax.",
        "mdr_class": "IIb",
        "risk_class": "high",
        "status": "authorised",
        "deployed_in": "Allemagne",
        "task": "Radiology",
        "modality": "Radiographie",
        "region": "Europe",
    },
]


def load_examples(analyst: User, now: datetime) -> int:
    if Application.objects.filter(source=Source.EXAMPLE).exists():
        return 0
    provider = _person("fournisseur-demo", [], first_name="Fournisseur", last_name="démo")
    first = services.submit_entry(
        EXAMPLES[0], author=provider, is_example=True, note="Première déclaration"
    )
    services.review_revision(
        first,
        reviewer=analyst,
        approve=True,
        note="Relu : champs complets",
        now=now - timedelta(days=30),
    )
    update = dict(
        EXAMPLES[0],
        version="2.1",
        known_limitations=EXAMPLES[0]["known_limitations"]
        + " Performance moindre sur les tracés bruités.",
    )
    second = services.submit_entry(
        update, author=provider, version=first.version, note="Ajout d'une limite connue"
    )
    services.review_revision(
        second, reviewer=analyst, approve=True, note="Limite ajoutée", now=now - timedelta(days=10)
    )
    services.submit_entry(
        EXAMPLES[1], author=provider, is_example=True, note="En attente de relecture"
    )
    return 2


#: The demo incidents: (days ago, category, seriousness, origin, deployer, what happened).
DEMO_INCIDENTS: tuple[tuple[int, str, str, str, str, str], ...] = (
    (
        3,
        Category.MISSED_FINDING,
        Seriousness.NOT_SERIOUS,
        Incident.Origin.READING,
        "",
        "La suggestion indiquait un ECG normal alors que le "
        "tracé montrait un sus-décalage du ST évident.",
    ),
    (
        9,
        Category.EXPLANATION,
        Seriousness.NOT_SERIOUS,
        Incident.Origin.READING,
        "",
        "L'explication mettait en avant une mesure sans rapport avec l'anomalie.",
    ),
    (
        20,
        Category.FALSE_ALARM,
        Seriousness.HEALTH,
        Incident.Origin.SITE,
        "CH de démonstration",
        "Un service d'urgences pilote signale des fausses alertes répétées chez les patients âgés.",
    ),
    (
        40,
        Category.USABILITY,
        Seriousness.NOT_SERIOUS,
        Incident.Origin.READING,
        "",
        "Le libellé de la suggestion était tronqué sur tablette.",
    ),
)

#: Their triage, in order: (index in DEMO_INCIDENTS, days ago, what the analyst set).
DEMO_TRIAGE: tuple[tuple[int, int, dict[str, Any]], ...] = (
    (
        1,
        8,
        {
            "state": Incident.State.ASSESSED,
            "seriousness": Seriousness.NOT_SERIOUS,
            "note": "Non grave ; à suivre",
        },
    ),
    (
        2,
        18,
        {
            "state": Incident.State.ASSESSED,
            "seriousness": Seriousness.HEALTH,
            "note": "Atteinte possible à la santé : délai de 15 jours",
        },
    ),
    (2, 17, {"state": Incident.State.INVESTIGATING, "note": "Enquête avec le site"}),
    (3, 38, {"state": Incident.State.ASSESSED, "seriousness": Seriousness.NOT_SERIOUS}),
    (
        3,
        30,
        {
            "state": Incident.State.CLOSED,
            "corrective_action": "Mise en page corrigée (version suivante de l'interface).",
            "public_summary": "Sur petit écran, le libellé de la "
            "suggestion de l'IA était tronqué ; l'affichage a été corrigé.",
        },
    ),
)


def load_incidents(analyst: User, now: datetime) -> int:
    if Incident.objects.exclude(
        origin__in=[Incident.Origin.FDA_MAUDE, Incident.Origin.ALERT]
    ).exists():
        return 0
    from medtandem.apps.observatory.selectors import version_of

    model = current_model()
    version = version_of(model.name, model.version)
    reporter = User.objects.filter(username="obs-terrain-00").first()
    made = [
        services.report_incident(
            reporter=reporter,
            description=f"{text} (exemple de démonstration)",
            category=category,
            seriousness=seriousness,
            origin=origin,
            version=version,
            now=now - timedelta(days=days),
            deployer=deployer,
        )
        for days, category, seriousness, origin, deployer, text in DEMO_INCIDENTS
    ]
    for k, days, fields in DEMO_TRIAGE:
        services.triage(made[k], by=analyst, now=now - timedelta(days=days), **fields)
    return len(made)


HURDLE_TEXTS = {
    HurdleCategory.TRAINING: "Aucune formation à la lecture critique des suggestions de l'IA dans notre cursus.",
    HurdleCategory.TRUST: "Les équipes ne savent pas quand faire confiance à l'outil.",
    HurdleCategory.WORKFLOW: "L'outil n'est pas intégré au dossier patient : double saisie.",
    HurdleCategory.DATA_ACCESS: "Impossible d'évaluer l'outil sur nos propres données.",
    HurdleCategory.REGULATION: "Nous ne savons pas quelles obligations de l'AI Act s'appliquent à nous.",
    HurdleCategory.COST: "Licence trop chère pour un petit établissement.",
    HurdleCategory.ENERGY: "Aucune information sur la consommation d'énergie des modèles proposés.",
    HurdleCategory.INEQUALITY: "Les sites ruraux n'ont pas accès aux mêmes outils.",
}


def load_hurdles(analyst: User, now: datetime, seed: int = 2026) -> int:
    if Hurdle.objects.filter(is_example=True).exists():
        return 0
    rng = random.Random(seed)
    weights = [5, 4, 4, 2, 3, 2, 1, 2]
    cats = list(HurdleCategory)
    made = []
    for _ in range(60):
        cat = rng.choices(cats, weights=weights)[0]
        h = services.report_hurdle(
            reporter=None,
            category=cat,
            text=f"{HURDLE_TEXTS[cat]} (exemple de démonstration)",
            profession=rng.choice([Profession.MEDICINE, Profession.NURSING, Profession.PHARMACY]),
            region=rng.choice(REGIONS),
            on_behalf_of_site=rng.random() < 0.2,
            severity=rng.randint(2, 5),
            is_example=True,
            now=now - timedelta(days=rng.randint(1, 120)),
        )
        made.append(h)
    for h in made[:8]:
        services.review_hurdle(h, by=analyst, publish=True, now=now)
    services.review_hurdle(made[8], by=analyst, publish=False, now=now)
    return len(made)


def load_demo(progress: Callable[[str], None] = print, *, now: datetime | None = None) -> str:
    """Load (idempotently) every part of the observatory demo, then compute field monitoring."""
    from medtandem.ai import load_model
    from medtandem.ai.model import shipped_models

    now = now or timezone.now()
    current = current_model()
    for path in shipped_models():
        model = load_model(path)
        if model.name != current.name:
            services.register_model(model, in_service=False, now=now)
    services.register_model(current, in_service=True, now=now)
    progress("Importing the FDA AI-enabled device list and MAUDE reports...")
    fda = services.import_fda(now=now)
    analyst = _analyst()
    examples = load_examples(analyst, now)
    progress("Simulating 12 weeks of field reads (with an injected drift from week 9)...")
    reads = load_field_reads(now)
    incidents = load_incidents(analyst, now)
    hurdles = load_hurdles(analyst, now)
    progress("Computing field monitoring...")
    refresh = services.refresh_field_monitoring(now=now)
    from medtandem.apps.observatory.models import Alert

    alert = Alert.objects.filter(kind=Alert.Kind.PERFORMANCE).order_by("raised_at").first()
    if alert is not None and not alert.incidents.exists():
        services.open_incident_from_alert(alert, by=analyst, now=now)
    _ = Revision
    return (
        f"observatory demo: {fda.summary()}; {examples} example entries; {reads} simulated field reads; "
        f"{incidents} incidents; {hurdles} hurdles; {refresh.summary()}"
    )
