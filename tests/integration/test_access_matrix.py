"""Access control, route by route and role by role, from the URL configuration itself.

Every route of ``django.urls.get_resolver()`` must have a row in :data:`EXPECTED` (a new route without
a rule fails the suite). Each row holds, for each role of :data:`ROLES`, ``GET/POST`` statuses: the GET
of the page, and a POST without any valid body (which must never be a 500). Path parameters are filled
with the ids of real objects (``access_world.build_world``), owned by ``learner``, ``instructor`` and
``investigator``; the ``other_*`` roles are the same roles in another institution or study.

To change a rule: edit its row. When a route's behaviour changes, the failure prints the whole
observed matrix in the same format, ready to paste after review.

Reviewed decisions (see docs/security.md, "Access matrix"):
- ``curriculum:quiz_import`` / ``quiz_export``: a quiz belongs to an institution (or is shared):
  another institution's instructor gets 404, no existence leak. ``manage_enrolments``: programmes are
  national; the page lists only the learners the instructor may see.
- ``datathons:*``: challenge pages, leaderboards and a registered model's challenge evidence are public;
  a team's submit, download and link answer 404 to anyone outside the team (no existence leak of
  another team's submission); ``create`` is for administrators and instructors (organisers).
- ``catalogue:*``: search and published offers are public; publishing (``manage``/``new``/``edit``)
  needs the institution administrator role (scoped; none of this matrix's roles holds it, so only
  the administrator passes); ``review`` and ``national`` need the administrator; a record entry of
  another person answers 404.
- ``reading:instructor`` / ``case_bank`` / ``case_preview`` / ``assign``: open to investigators (who build the case sets
  of their studies) and to instructors of any institution: the case bank and case sets are shared
  resources of public, de-identified ECGs (the preview shows a case's truth, so a learner gets 403);
  assigning reaches only the instructor's own cohorts.
- ``interop:lti_login`` / ``lti_launch`` / ``lti_enter``: reached by LTI platforms and browsers
  without a MedTandem session (the id_token, the login state and the single-use ticket are the
  credentials); without them every role gets the 400 refusal page. ``lti_deep_link``: only the
  instructor whose launch opened it (404 for anyone else). ``lti_courses`` lists only the courses
  whose cohort the person teaches (docs/interop.md). ``lti_register`` (dynamic registration):
  administrators only, 400 without the platform's ``openid_configuration``.
- ``reading:rereads`` / ``reread_schedule``: instructors and administrators (investigators teach no
  cohort: 403); the form offers only the cohorts the person teaches, so a bare POST is a 400 form
  error; a schedule of another instructor's cohort answers 404 (no existence leak).
- ``reading:feedback_viewed``: the feedback page's beacon, POST only; the owner gets 409 while the
  case's feedback may not be shown yet (the world's session is at its first read), others 404.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from tests.integration.access_world import ROLES, build_world

pytestmark = pytest.mark.django_db

#: route name -> "GET/POST" per role, in the order of ROLES:
#:  anonymous  learner  other_instructor  instructor  investigator  other_investigator  administrator
EXPECTED: dict[str, str] = {
    "set_language": "302/302 302/302 302/302 302/302 302/302 302/302 302/302",
    "healthz": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "home": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "accounts:login": "200/200 302/302 302/302 302/302 302/302 302/302 302/302",
    "accounts:logout": "405/302 405/302 405/302 405/302 405/302 405/302 405/302",
    "reading:dashboard": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "reading:session": "302/302 302/302 404/404 404/404 404/404 404/404 404/404",
    "reading:case": "302/405 200/405 404/405 404/405 404/405 404/405 404/405",
    "reading:submit": "405/302 405/302 405/404 405/404 405/404 405/404 405/404",
    "reading:feedback_viewed": "405/302 405/409 405/404 405/404 405/404 405/404 405/404",
    "reading:ai_json": "302/405 403/405 404/405 404/405 404/405 404/405 404/405",
    "reading:progress": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "reading:reliance": "302/302 302/302 302/302 302/302 302/302 302/302 302/302",
    "reading:instructor": "302/302 403/403 200/200 200/200 200/200 200/200 200/200",
    "reading:case_bank": "302/302 403/403 200/200 200/200 200/200 200/200 200/200",
    "reading:case_preview": "302/302 403/403 200/405 200/405 200/405 200/405 200/405",
    "reading:assign": "302/302 403/403 200/200 200/200 200/200 200/200 200/200",
    "reading:assignment": "302/302 403/403 404/404 200/200 404/404 404/404 404/404",
    "reading:learner_progress": "302/302 403/403 404/404 200/200 404/404 404/404 200/200",
    "reading:rereads": "302/302 403/403 200/400 200/400 403/403 403/403 200/400",
    "reading:reread_schedule": "302/302 403/403 404/405 200/405 403/403 403/403 200/405",
    "curriculum:catalogue": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "curriculum:programme": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "curriculum:enrol": "302/302 405/302 405/302 405/302 405/302 405/302 405/302",
    "curriculum:manage_enrolments": "302/302 403/403 200/200 200/200 403/403 403/403 200/200",
    "curriculum:activity": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "curriculum:activity_done": "302/302 405/302 405/302 405/302 405/302 405/302 405/302",
    "curriculum:quiz_submit": "302/302 405/200 405/200 405/200 405/200 405/200 405/200",
    "curriculum:reading_start": "302/302 405/302 405/302 405/302 405/302 405/302 405/302",
    "curriculum:attendance": "302/302 403/403 405/302 405/302 403/403 403/403 405/302",
    "curriculum:quiz_import": "302/302 403/403 404/404 200/200 403/403 403/403 200/200",
    "curriculum:quiz_export": "302/302 403/403 404/404 200/200 403/403 403/403 200/200",
    "curriculum:progress": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "curriculum:instructor": "302/302 403/403 200/200 200/200 403/403 403/403 200/200",
    "curriculum:attestation_pdf": "302/302 200/200 403/403 403/403 403/403 403/403 200/200",
    "curriculum:attestation_badge": "302/302 200/200 403/403 403/403 403/403 403/403 200/200",
    "curriculum:verify": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "curriculum:badge_verify": "200/400 200/400 200/400 200/400 200/400 200/400 200/400",
    "curriculum:jwks": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "curriculum:badge_status": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "curriculum:badge_issuer": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "curriculum:national": "302/302 403/403 403/403 403/403 403/403 403/403 200/302",
    "studies:list": "302/302 403/403 403/403 403/403 200/200 200/200 200/200",
    "studies:create": "302/302 403/403 403/403 403/403 200/200 200/200 200/200",
    "studies:join": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "studies:mine": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "studies:participate": "302/302 200/200 404/404 404/404 404/404 404/404 404/404",
    "studies:withdraw": "302/302 405/302 405/404 405/404 405/404 405/404 405/404",
    "studies:my_reliance": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "studies:cohort_reliance": "302/302 403/403 200/200 200/200 403/403 403/403 200/200",
    "studies:detail": "302/302 403/403 403/403 403/403 200/200 404/404 200/200",
    "studies:analysis": "302/302 403/403 403/403 403/403 200/200 404/404 200/200",
    "studies:analysis_json": "302/302 403/403 403/403 403/403 200/200 404/404 200/200",
    "studies:report": "302/302 403/403 403/403 403/403 200/200 404/404 200/200",
    "studies:report_pdf": "302/302 403/403 403/403 403/403 200/200 404/404 200/200",
    "studies:export": "302/302 403/403 403/403 403/403 200/200 404/404 200/200",
    "studies:import": "302/302 403/403 403/403 403/403 405/302 405/404 405/302",
    "studies:lock": "302/302 403/403 403/403 403/403 405/302 405/404 405/302",
    "observatory:registry": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "observatory:registry_json": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "observatory:model_card": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "observatory:frugality": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "observatory:application": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "observatory:application_json": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "curriculum:reading_retry": "302/302 405/302 405/302 405/302 405/302 405/302 405/302",
    "curriculum:reading_attempts": "302/302 403/403 200/200 200/200 403/403 403/403 200/200",
    "studies:case_review": "302/302 403/403 403/403 403/403 200/200 404/404 200/200",
    "studies:reveal": "302/302 403/403 403/403 403/403 403/403 403/403 405/200",
    "observatory:open_data": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "observatory:submit": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "observatory:review_queue": "302/302 403/403 403/403 403/403 403/403 403/403 403/403",
    "observatory:review": "405/302 405/403 405/403 405/403 405/403 405/403 405/403",
    "observatory:alerts": "302/302 403/403 403/403 403/403 403/403 403/403 403/403",
    "observatory:alert_incident": "405/302 405/403 405/403 405/403 405/403 405/403 405/403",
    "observatory:incidents": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "observatory:report_incident": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "observatory:incident": "404/404 404/404 404/404 404/404 404/404 404/404 404/404",
    "observatory:triage_list": "302/302 403/403 403/403 403/403 403/403 403/403 403/403",
    "observatory:triage": "302/302 403/403 403/403 403/403 403/403 403/403 403/403",
    "observatory:hurdles": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "observatory:report_hurdle": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "observatory:hurdle_review": "302/302 403/403 403/403 403/403 403/403 403/403 403/403",
    "observatory:application_xml": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "observatory:history": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "observatory:field": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "observatory:edit": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "observatory_api:openapi": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "observatory_api:applications": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "observatory_api:application": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "observatory_api:versions": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "observatory_api:version": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "observatory_api:field_metrics": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "observatory_api:incidents": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "observatory_api:incident": "404/405 404/405 404/405 404/405 404/405 404/405 404/405",
    "observatory_api:hurdles": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "observatory_api:hurdles_summary": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "audit:trail": "302/302 403/403 403/403 403/403 403/403 403/403 200/200",
    "datathons:list": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "datathons:create": "302/302 403/403 200/200 200/200 403/403 403/403 200/200",
    "datathons:evidence": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "datathons:detail": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "datathons:team_create": "302/302 405/302 405/302 405/302 405/302 405/302 405/302",
    "datathons:team_join": "302/302 405/302 405/302 405/302 405/302 405/302 405/302",
    "datathons:submit": "302/302 405/400 405/404 405/404 405/404 405/404 405/404",
    "datathons:download": "302/302 200/405 404/405 404/405 404/405 404/405 404/405",
    "datathons:link": "302/302 405/302 405/404 405/404 405/404 405/404 405/404",
    "catalogue:search": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "catalogue:manage": "302/302 403/403 403/403 403/403 403/403 403/403 200/200",
    "catalogue:new": "302/302 403/403 403/403 403/403 403/403 403/403 200/200",
    "catalogue:edit": "302/302 403/403 403/403 403/403 403/403 403/403 200/200",
    "catalogue:review_queue": "302/302 403/403 403/403 403/403 403/403 403/403 200/200",
    "catalogue:review": "302/302 403/403 403/403 403/403 403/403 403/403 405/302",
    "catalogue:record": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "catalogue:record_csv": "302/302 200/405 200/405 200/405 200/405 200/405 200/405",
    "catalogue:record_remove": "302/302 405/302 405/404 405/404 405/404 405/404 405/404",
    "catalogue:national": "302/302 403/403 403/403 403/403 403/403 403/403 200/200",
    "catalogue:offer": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "catalogue:complete": "302/302 405/302 405/302 405/302 405/302 405/302 405/302",
    "interop:lti_login": "400/400 400/400 400/400 400/400 400/400 400/400 400/400",
    "interop:lti_launch": "405/400 405/400 405/400 405/400 405/400 405/400 405/400",
    "interop:lti_enter": "400/405 400/405 400/405 400/405 400/405 400/405 400/405",
    "interop:lti_jwks": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "interop:lti_deep_link": "302/302 404/404 404/404 200/400 404/404 404/404 404/404",
    "interop:lti_register": "302/302 403/403 403/403 403/403 403/403 403/403 400/400",
    "interop:lti_registrations": "302/302 403/403 403/403 403/403 403/403 403/403 200/400",
    "interop:lti_courses": "302/302 403/403 200/404 200/404 403/403 403/403 200/404",
    "interop:xapi_outbox": "302/302 403/403 403/403 403/403 403/403 403/403 200/302",
}
#: Django's admin (its own access rules): none of our roles is staff, so every admin page sends
#: every one of them to the admin log-in. Checked for every admin route, GET only.
ADMIN_NAMESPACE = "admin:"
ADMIN_EXPECTED = 302
ADMIN_EXCEPTIONS = {"admin:login": 200}  # the log-in page itself


def routes() -> list[tuple[str, str, list[str]]]:
    """(route, name, parameter names) for every URL pattern, admin included."""
    out: list[tuple[str, str, list[str]]] = []

    def walk(patterns, prefix: str = "", namespace: str = "") -> None:  # type: ignore[no-untyped-def]
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(
                    p.url_patterns,
                    prefix + str(p.pattern),
                    namespace + (f"{p.namespace}:" if p.namespace else ""),
                )
            else:
                name = p.name or f"<unnamed {prefix}{p.pattern}>"
                out.append(
                    (
                        prefix + str(p.pattern),
                        f"{namespace}{name}",
                        list(p.pattern.regex.groupindex),
                    )
                )

    walk(get_resolver().url_patterns)
    return out


def test_every_route_has_a_rule() -> None:
    missing = [
        name
        for _route, name, _params in routes()
        if not name.startswith(ADMIN_NAMESPACE) and name not in EXPECTED
    ]
    assert not missing, f"new route without a rule in EXPECTED: {missing}"
    stale = sorted(set(EXPECTED) - {name for _r, name, _p in routes()})
    assert not stale, f"rules for routes that no longer exist: {stale}"


def _client(world, role: str) -> Client:  # type: ignore[no-untyped-def]
    client = Client(raise_request_exception=False)
    if world.people[role] is not None:
        client.force_login(world.people[role])
    return client


def test_every_route_answers_each_role_as_the_table_says() -> None:
    world = build_world()
    observed: dict[str, str] = {}
    server_errors: list[str] = []
    for _route, name, _params in routes():
        if name.startswith(ADMIN_NAMESPACE):
            continue
        url = reverse(name, kwargs=world.ids.get(name, {}))
        cells = []
        for role in ROLES:
            client = _client(
                world, role
            )  # a fresh one each time: a POST may log out (accounts:logout)
            got, posted = client.get(url).status_code, client.post(url).status_code
            if 500 in (got, posted):
                server_errors.append(f"{role} {url}: GET {got}, POST {posted}")
            cells.append(f"{got}/{posted}")
        observed[name] = " ".join(cells)
    assert not server_errors, server_errors
    differences = {
        name: (EXPECTED[name], row) for name, row in observed.items() if EXPECTED.get(name) != row
    }
    table = "\n".join(
        f'    "{name}":{" " * (30 - len(name))}"{row}",' for name, row in observed.items()
    )
    assert not differences, f"routes whose access changed: {differences}\nobserved matrix:\n{table}"


def test_posts_without_a_body_never_succeed_for_a_role_without_access() -> None:
    """Where GET is refused (3xx to log in, 403, 404), a bare POST is refused too."""
    for name, row in EXPECTED.items():
        for role, cell in zip(ROLES, row.split(), strict=True):
            got, posted = (int(x) for x in cell.split("/"))
            if got in (302, 403, 404) and name not in (
                "set_language",
                "reading:session",
                "accounts:logout",
            ):
                assert posted >= 300, f"{name} for {role}: GET {got} but POST {posted}"


def test_every_admin_route_sends_our_roles_to_the_admin_log_in() -> None:
    from medtandem.apps.accounts.services import create_person

    clients = {"anonymous": Client(), "learner": Client(), "administrator": Client()}
    clients["learner"].force_login(create_person("apprenant", None, ["learner"]))
    clients["administrator"].force_login(create_person("administrateur", None, ["administrator"]))
    wrong = []
    for route, name, params in routes():
        if not name.startswith(ADMIN_NAMESPACE):
            continue
        kwargs = {p: ("accounts" if p == "app_label" else "1") for p in params}
        if "<unnamed" in name:  # not reversible: fill the route by hand
            url = "/" + route.replace("<path:object_id>", "1").replace(
                "(?P<url>.*)$", "no-such-page/"
            )
        else:
            url = reverse(name, kwargs=kwargs)
        for role, client in clients.items():
            status = client.get(url).status_code
            if status != ADMIN_EXCEPTIONS.get(name, ADMIN_EXPECTED):
                wrong.append(f"{role} {url}: {status}")
    assert not wrong, wrong
