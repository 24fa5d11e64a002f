"""A small world with one object of each kind and one person per role, for the access-control matrix
(``test_access_matrix.py``). Built only through the apps' services, as the product builds it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from medtandem.apps.accounts.models import Cohort, Institution, Role, User
from medtandem.apps.accounts.services import create_person
from medtandem.apps.cases.models import AIPrediction, Case
from medtandem.apps.cases.services import build_case_set, import_demo_bank

ROLES = (
    "anonymous",
    "learner",
    "other_instructor",
    "instructor",
    "investigator",
    "other_investigator",
    "administrator",
)

GIFT = """
::Q1::Les données de santé sont sensibles au sens du RGPD.{TRUE}

::Q2::Une donnée pseudonymisée est {=encore personnelle ~anonyme}
"""


@dataclass
class World:
    people: dict[str, User | None] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)


def build_world() -> World:
    from medtandem.apps.curriculum import services as curriculum
    from medtandem.apps.curriculum.models import Activity, Module, Programme, Quiz
    from medtandem.apps.interop import services as interop
    from medtandem.apps.reading.services import assign, current_position, start_session
    from medtandem.apps.studies import services as studies

    world = World()
    home = Institution.objects.create(name="Faculté A")
    other = Institution.objects.create(name="Faculté B")
    learner = create_person("apprenant", None, [Role.LEARNER], institution=home)
    instructor = create_person("enseignant", None, [Role.INSTRUCTOR], institution=home)
    other_instructor = create_person("enseignant-b", None, [Role.INSTRUCTOR], institution=other)
    investigator = create_person("investigateur", None, [Role.INVESTIGATOR], institution=home)
    other_investigator = create_person(
        "investigateur-b", None, [Role.INVESTIGATOR], institution=other
    )
    administrator = create_person("administrateur", None, [Role.ADMINISTRATOR], institution=home)
    moodle = interop.register_platform(
        name="Moodle A",
        issuer="https://moodle.example",
        client_id="client-a",
        auth_login_url="https://moodle.example/mod/lti/auth.php",
        auth_token_url="https://moodle.example/mod/lti/token.php",
        keyset_url="https://moodle.example/mod/lti/certs.php",
        institution=home,
        deployment_ids=["1"],
    )
    deep_link = interop.start_deep_link(
        moodle,
        instructor,
        deployment_id="1",
        return_url="https://moodle.example/mod/lti/contentitem_return.php",
        data="",
    )
    cohort = Cohort.objects.create(name="Promotion A", institution=home)
    cohort.learners.add(learner)
    cohort.instructors.add(instructor)
    Cohort.objects.create(name="Promotion B", institution=other).instructors.add(other_instructor)
    world.people = {
        "anonymous": None,
        "learner": learner,
        "other_instructor": other_instructor,
        "instructor": instructor,
        "investigator": investigator,
        "other_investigator": other_investigator,
        "administrator": administrator,
    }

    import_demo_bank(limit=6)
    cases = list(Case.objects.order_by("external_id"))
    for case in cases:
        AIPrediction.objects.create(
            case=case,
            model_name="test-model",
            model_version="1",
            probabilities={
                "NORM": 0.3,
                "MI": 0.7,
                "STTC": 0.1,
                "CD": 0.1,
                "HYP": 0.1,
                "AFIB": 0.05,
            },
        )
    case_set = build_case_set("Série A", created_by=instructor, case_ids=[c.pk for c in cases])
    session = start_session(learner, case_set, "practice", title="Pratique")
    assignment = assign(case_set, [learner], mode="practice", title="Devoir", created_by=instructor)

    programme = Programme.objects.create(
        slug="socle", title="Socle", hours=Decimal(2), is_published=True
    )
    module = Module.objects.create(programme=programme, title="M1", position=0)
    page = Activity.objects.create(
        module=module, kind="page", title="Page", hours=1, body="Texte", position=0
    )
    quiz = Quiz.objects.create(title="Quiz", pass_mark=50, max_attempts=5, owner_institution=home)
    curriculum.import_questions(quiz, GIFT, "gift")
    quiz_activity = Activity.objects.create(
        module=module, kind="quiz", title="Quiz", hours=1, quiz=quiz, position=1
    )
    curriculum.enrol(learner, programme)
    from datetime import timedelta

    from django.utils import timezone

    served = timezone.now() - timedelta(hours=2)  # the page's reading-time floor has passed
    curriculum.record_visit(learner, page, at=served)
    curriculum.mark_page_read(learner, page)
    answers = {}
    for question in quiz.questions.prefetch_related("answers"):
        answers[question.pk] = str(max(question.answers.all(), key=lambda a: a.fraction).pk)
    curriculum.submit_quiz(learner, quiz_activity, answers)
    attestation = learner.enrolments.get(programme=programme).attestation

    study = studies.create_study(
        title="Étude A",
        question="L'IA aide-t-elle ?",
        case_set=case_set,
        created_by=investigator,
        seed=1,
        washout_days=0,
    )
    participant = studies.join_study(learner, study.invitation_code, consent=True)
    gate = Activity.objects.create(
        module=module,
        kind="reading",
        title="Lecture",
        hours=1,
        case_set=case_set,
        reading_mode="unaided",
        pass_level=60,
        position=2,
    )

    from medtandem.apps.cases.services import current_model
    from medtandem.apps.observatory.services import register_model

    application = register_model(current_model(), in_service=True)
    position = current_position(session) or 0

    # Datathons and the catalogue (issue 16): a challenge open in development with the learner's
    # team and one scored submission; a published offer in the learner's record.
    from medtandem.apps.catalogue import services as catalogue
    from medtandem.apps.datathons import selectors as datathon_selectors
    from medtandem.apps.datathons import services as datathons
    from medtandem.apps.datathons.models import Challenge
    from medtandem.csvsafe import write_csv

    import_demo_bank(limit=40)  # idempotent: adds cases 7-40 for the challenge's two phases
    now = timezone.now()
    challenge: Challenge | None = None
    for seed in range(30):
        try:
            challenge = datathons.create_challenge(
                title="Défi A",
                task="abnormal",
                n_development=8,
                n_final=8,
                development_opens=now - timedelta(days=1),
                final_opens=now + timedelta(days=5),
                final_closes=now + timedelta(days=9),
                organiser=administrator,
                seed=seed,
            )
            break
        except datathons.DatathonError:
            continue
    assert challenge is not None
    team = datathons.create_team(challenge, "Équipe A", learner)
    ids = datathon_selectors.public_ids(challenge, "development")
    submission = datathons.submit(
        team,
        learner,
        write_csv([[i, 0.5 + 0.01 * k] for k, i in enumerate(ids)], ["id", "ABNORMAL"]),
    )
    offer = catalogue.submit_offer(
        catalogue.OfferData(
            title="DU A",
            kind="du",
            institution=home,
            format="hybrid",
            hours=Decimal(20),
            enrol_url="https://example.invalid/du",
        ),
        by=administrator,
    )
    catalogue.review_offer(offer, by=administrator, publish=True)
    pending = catalogue.submit_offer(
        catalogue.OfferData(
            title="DU B",
            kind="du",
            institution=home,
            format="remote",
            hours=Decimal(10),
            enrol_url="https://example.invalid/du-b",
        ),
        by=administrator,
    )
    completion = catalogue.record_completion(
        learner, offer, timezone.localdate(), today=timezone.localdate()
    )
    from medtandem.apps.reading.services import schedule_rereads

    reread = schedule_rereads(
        cohort, case_set, period_days=7, starts_on=timezone.localdate(), created_by=instructor
    )
    world.ids = {
        "reading:session": {"pk": session.pk},
        "reading:case": {"pk": session.pk, "position": position},
        "reading:submit": {"pk": session.pk, "position": position},
        "reading:ai_json": {"pk": session.pk, "position": position},
        "reading:feedback_viewed": {"pk": session.pk, "position": position},
        "reading:assign": {"pk": case_set.pk},
        "reading:case_preview": {"pk": cases[0].pk},
        "reading:assignment": {"pk": assignment.pk},
        "reading:learner_progress": {"user_id": learner.pk},
        "reading:reread_schedule": {"pk": reread.pk},
        "curriculum:programme": {"slug": programme.slug},
        "curriculum:enrol": {"slug": programme.slug},
        "curriculum:manage_enrolments": {"slug": programme.slug},
        "curriculum:activity": {"pk": page.pk},
        "curriculum:activity_done": {"pk": page.pk},
        "curriculum:quiz_submit": {"pk": quiz_activity.pk},
        "curriculum:reading_start": {"pk": page.pk},
        "curriculum:attendance": {"pk": page.pk},
        "curriculum:quiz_import": {"pk": quiz.pk},
        "curriculum:quiz_export": {"pk": quiz.pk},
        "curriculum:reading_retry": {"pk": gate.pk},
        "curriculum:reading_attempts": {"pk": gate.pk},
        "studies:reveal": {"pk": study.pk, "participant_id": participant.pk},
        "studies:case_review": {"pk": study.pk, "case_id": cases[0].pk},
        "curriculum:attestation_pdf": {"code": attestation.code},
        "curriculum:attestation_badge": {"code": attestation.code},
        "curriculum:verify": {"code": attestation.code},
        "studies:participate": {"pk": participant.pk},
        "studies:withdraw": {"pk": participant.pk},
        **{
            f"studies:{name}": {"pk": study.pk}
            for name in (
                "detail",
                "analysis",
                "analysis_json",
                "report",
                "report_pdf",
                "export",
                "import",
                "lock",
            )
        },
        "observatory:application": {"slug": application.slug},
        "observatory:application_json": {"slug": application.slug},
        **{
            f"observatory:{name}": {"slug": application.slug}
            for name in ("application_xml", "history", "field", "edit")
        },
        "datathons:detail": {"slug": challenge.slug},
        "datathons:team_create": {"slug": challenge.slug},
        "datathons:team_join": {"slug": challenge.slug},
        "datathons:submit": {"slug": challenge.slug},
        "datathons:download": {"slug": challenge.slug, "phase": "development"},
        "datathons:link": {"slug": challenge.slug, "pk": submission.pk},
        "datathons:evidence": {"slug": application.slug},
        "catalogue:offer": {"slug": offer.slug},
        "catalogue:complete": {"slug": offer.slug},
        "catalogue:edit": {"slug": offer.slug},
        "catalogue:review": {"slug": pending.slug},
        "catalogue:record_remove": {"pk": completion.pk},
        # Objects that this world does not create: the matrix checks these answer 404, never 500.
        "observatory:review": {"pk": 10**6},
        "observatory:alert_incident": {"pk": 10**6},
        "observatory:incident": {"public_id": "INC-0000"},
        "observatory:triage": {"public_id": "INC-0000"},
        "observatory_api:application": {"slug": application.application.slug},
        "observatory_api:version": {"slug": application.slug},
        "observatory_api:incident": {"public_id": "INC-0000"},
        "interop:lti_enter": {"token": "no-such-ticket"},
        "interop:lti_deep_link": {"token": deep_link.token},
    }
    return world
