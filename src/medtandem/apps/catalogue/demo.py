"""Demo catalogue: one or more offers of each kind, invented and marked as examples, published by a
demo institution administrator and reviewed by the demo administrator, through the services.

The institutions are fictional ("… fictive (exemple)"); the enrolment links use the reserved
``.invalid`` domain, which resolves nowhere.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from medtandem.apps.accounts.models import Institution, Profession, Role, User
from medtandem.apps.accounts.services import (
    create_person,
    get_or_create_institution,
    grant_role,
    set_password,
)
from medtandem.apps.catalogue import services
from medtandem.apps.catalogue.models import Audience, Format, Kind, Offer, OfferCompletion
from medtandem.apps.curriculum.models import Competency, Programme

PUBLISHER = ("etablissement", "ecg-etablissement-2026", "Léa", "Garnier")

INSTITUTIONS = (
    ("Université fictive de Lyon (exemple)", "Auvergne-Rhône-Alpes"),
    ("École d'ingénieurs fictive de Nancy (exemple)", "Grand Est"),
    ("CHU fictif de Bordeaux (exemple)", "Nouvelle-Aquitaine"),
    ("Université fictive de Paris (exemple)", "Île-de-France"),
)

LINK = "https://formation.exemple.invalid/"

#: title, English title, kind, institution index, format, hours, ECTS, cost, DPC ref, audience,
#: professions, competencies (codes), MedTandem programme slug, start in days
OFFERS: tuple[tuple[Any, ...], ...] = (
    (
        "Socle du numérique en santé (exemple)",
        "Digital health core (example)",
        Kind.CORE,
        3,
        Format.HYBRID,
        28,
        2,
        0,
        "",
        Audience.STUDENTS,
        (),
        ("IA1.1", "IA1.2"),
        "socle-numerique-sante",
        -60,
    ),
    (
        "DU IA & Santé (exemple)",
        "University diploma in AI and health (example)",
        Kind.UNIVERSITY_DIPLOMA,
        0,
        Format.HYBRID,
        120,
        12,
        1800,
        "",
        Audience.BOTH,
        (),
        ("IA1.1", "IA1.2", "IA4.2"),
        None,
        30,
    ),
    (
        "DIU IA générative en santé (exemple)",
        "Inter-university diploma in generative AI (example)",
        Kind.UNIVERSITY_DIPLOMA,
        3,
        Format.REMOTE,
        90,
        9,
        1500,
        "",
        Audience.PRACTITIONERS,
        (Profession.MEDICINE, Profession.PHARMACY),
        ("IA1.2", "IA4.2"),
        None,
        60,
    ),
    (
        "Master exécutif e-santé (exemple)",
        "Executive master in e-health (example)",
        Kind.MASTER,
        2,
        Format.HYBRID,
        400,
        60,
        9500,
        "",
        Audience.PRACTITIONERS,
        (),
        ("IA1.1", "IA1.2", "IA4.2"),
        None,
        90,
    ),
    (
        "Double cursus ingénieur–médecin (exemple)",
        "Engineer–physician double degree (example)",
        Kind.DOUBLE_DEGREE,
        1,
        Format.IN_PERSON,
        600,
        120,
        0,
        "",
        Audience.STUDENTS,
        (Profession.MEDICINE,),
        ("IA1.1",),
        None,
        120,
    ),
    (
        "Datathon ECG : lire avec l'IA (exemple)",
        "ECG datathon: reading with AI (example)",
        Kind.DATATHON,
        0,
        Format.IN_PERSON,
        16,
        None,
        0,
        "",
        Audience.BOTH,
        (),
        ("IA1.2",),
        None,
        20,
    ),
    (
        "Webinaires : l'IA au lit du patient (exemple)",
        "Webinars: AI at the bedside (example)",
        Kind.WEBINARS,
        2,
        Format.REMOTE,
        6,
        None,
        0,
        "DPC-EX-0001",
        Audience.PRACTITIONERS,
        (Profession.MEDICINE, Profession.NURSING),
        ("IA4.2",),
        None,
        10,
    ),
    (
        "IA en santé : lire l'ECG avec et sans l'IA (exemple)",
        "AI in health: reading ECGs with and without AI (example)",
        Kind.COURSE,
        3,
        Format.REMOTE,
        6,
        None,
        0,
        "DPC-EX-0002",
        Audience.BOTH,
        (),
        ("IA1.1", "IA1.2", "IA4.2"),
        "ia-en-sante",
        -30,
    ),
    (
        "Formation courte : biais et équité des algorithmes (exemple)",
        "Short course: bias and fairness of algorithms (example)",
        Kind.COURSE,
        1,
        Format.IN_PERSON,
        7,
        None,
        350,
        "DPC-EX-0003",
        Audience.PRACTITIONERS,
        (),
        ("IA4.2",),
        None,
        45,
    ),
)


def _publisher(institution: Institution) -> User:
    username, password, first, last = PUBLISHER
    user = User.objects.filter(username=username).first()
    if user is None:
        user = create_person(
            username, password, [], institution=institution, first_name=first, last_name=last
        )
    else:
        set_password(user, password)
    grant_role(user, Role.INSTITUTION_ADMIN, institution)
    for name, _region in INSTITUTIONS[1:]:
        grant_role(user, Role.INSTITUTION_ADMIN, Institution.objects.get(name=name))
    return user


def load_demo() -> tuple[str, str, str]:
    """Offers of each kind, published; a few completions in the demo learner's record and in
    simulated learners'. Returns the publisher's (username, password, role)."""
    institutions = [
        get_or_create_institution(n, kind=Institution.Kind.OTHER, region=r) for n, r in INSTITUTIONS
    ]
    publisher = _publisher(institutions[0])
    admin = User.objects.filter(username="admin").first()
    competencies = {
        c.code: c for c in Competency.objects.filter(domain__framework__slug="ia-en-sante")
    }
    today = timezone.localdate()
    for (
        title,
        title_en,
        kind,
        inst,
        fmt,
        hours,
        ects,
        cost,
        dpc,
        audience,
        professions,
        codes,
        slug,
        start,
    ) in OFFERS:
        if Offer.objects.filter(title=title).exists():
            continue
        programme = Programme.objects.filter(slug=slug).first() if slug else None
        data = services.OfferData(
            title=title,
            title_en=title_en,
            summary=f"Offre inventée pour la démonstration de MedTandem : {title[:-10].lower()}.",
            summary_en=f"An offer invented for MedTandem's demo: {title_en[:-10].lower()}.",
            kind=kind,
            institution=institutions[inst],
            format=fmt,
            hours=Decimal(hours),
            ects=Decimal(ects) if ects is not None else None,
            audience=audience,
            professions=tuple(professions),
            starts_on=today + timedelta(days=start),
            ends_on=today + timedelta(days=start + max(1, hours // 4)),
            cost_eur=Decimal(cost),
            dpc_reference=dpc,
            competencies=tuple(competencies[c] for c in codes if c in competencies),
            programme=programme,
            enrol_url="" if programme else LINK + kind,
            is_example=True,
        )
        offer = services.submit_offer(data, by=publisher)
        if admin is not None:
            services.review_offer(offer, by=admin, publish=True, note="Exemple de démonstration.")
    _demo_completions(today)
    return PUBLISHER[0], PUBLISHER[1], str(Role.INSTITUTION_ADMIN.label)


def _demo_completions(today: date) -> None:
    """Declared completions: two in the demo learner's record, and a spread among simulated learners."""
    offers = {
        o.kind: o
        for o in Offer.objects.filter(is_example=True, status="published", programme__isnull=True)
    }
    learner = User.objects.filter(username="apprenant").first()
    for kind in (Kind.WEBINARS, Kind.DATATHON):
        if learner is not None and kind in offers:
            _complete(learner, offers[kind], today - timedelta(days=14), today)
    simulated = list(User.objects.filter(is_simulated=True).order_by("pk")[:60])
    kinds = [k for k in Kind if k in offers]
    for i, person in enumerate(simulated if kinds else []):
        _complete(person, offers[kinds[i % len(kinds)]], today - timedelta(days=30 + i), today)


def _complete(learner: User, offer: Offer, on: date, today: date) -> None:
    if not OfferCompletion.objects.filter(learner=learner, offer=offer).exists():
        services.record_completion(learner, offer, on, today=today)
